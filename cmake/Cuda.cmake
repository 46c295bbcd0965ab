# CUDA: finds the toolkit, nvcc, cuBLAS and cuDNN; defines the option VARSCOPE_WITH_CUDA (default ON
# when all of them are found); when it is on, enables the CUDA language for sm_90 and defines the
# imported target varscope::cudnn. varscope_cuda_status() prints the summary lines.
#
# Two things CMake 3.25 gets wrong with nvcc 13, handled where the CUDA targets are made:
#  - it does not know nvcc 13 supports C++20 (CMAKE_CUDA_STANDARD 20 silently becomes 17), so CUDA
#    targets add `$<$<COMPILE_LANGUAGE:CUDA>:-std=c++20>` themselves (see cuda/CMakeLists.txt);
#  - nvcc is often not on PATH, so the toolkit's nvcc is handed to the language check.
include_guard(GLOBAL)
include(CheckLanguage)

# sm_90 (H100/H200) only: one architecture keeps CUDA compiles light on the 2-core CI machine.
set(CMAKE_CUDA_ARCHITECTURES 90 CACHE STRING "CUDA architectures to compile device code for")

find_package(CUDAToolkit QUIET)
if(CUDAToolkit_FOUND AND NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
  set(ENV{CUDACXX} "${CUDAToolkit_NVCC_EXECUTABLE}")
endif()
if(NOT DEFINED CMAKE_CUDA_HOST_COMPILER)
  set(CMAKE_CUDA_HOST_COMPILER "${CMAKE_CXX_COMPILER}" CACHE FILEPATH "Host compiler for nvcc")
endif()
if(CUDAToolkit_FOUND)
  check_language(CUDA)  # sets CMAKE_CUDA_COMPILER, or leaves it NOTFOUND when nvcc cannot compile
endif()

# cuDNN is not part of CUDAToolkit's targets: look under the toolkit first (/usr/local/cuda/lib), then
# in CUDNN_ROOT and the system paths (NVIDIA's cudnn images put it in /usr/lib/x86_64-linux-gnu).
if(CUDAToolkit_FOUND)
  find_path(VARSCOPE_CUDNN_INCLUDE_DIR cudnn.h
    HINTS ${CUDAToolkit_INCLUDE_DIRS} ENV CUDNN_ROOT
    PATH_SUFFIXES include include/x86_64-linux-gnu)
  find_library(VARSCOPE_CUDNN_LIBRARY cudnn
    HINTS "${CUDAToolkit_LIBRARY_DIR}" "${CUDAToolkit_LIBRARY_ROOT}/lib" "${CUDAToolkit_LIBRARY_ROOT}/lib64"
          ENV CUDNN_ROOT
    PATH_SUFFIXES lib lib64)
  mark_as_advanced(VARSCOPE_CUDNN_INCLUDE_DIR VARSCOPE_CUDNN_LIBRARY)
  if(VARSCOPE_CUDNN_INCLUDE_DIR AND EXISTS "${VARSCOPE_CUDNN_INCLUDE_DIR}/cudnn_version.h")
    file(STRINGS "${VARSCOPE_CUDNN_INCLUDE_DIR}/cudnn_version.h" _vs_cudnn_defines
         REGEX "^#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) +[0-9]+")
    foreach(_vs_part MAJOR MINOR PATCHLEVEL)
      string(REGEX REPLACE ".*#define CUDNN_${_vs_part} +([0-9]+).*" "\\1" _vs_cudnn_${_vs_part}
             "${_vs_cudnn_defines}")
    endforeach()
    set(VARSCOPE_CUDNN_VERSION "${_vs_cudnn_MAJOR}.${_vs_cudnn_MINOR}.${_vs_cudnn_PATCHLEVEL}")
  endif()
endif()

# What a CUDA build needs, and why it cannot be had.
set(_vs_cuda_missing "")
if(NOT CUDAToolkit_FOUND)
  list(APPEND _vs_cuda_missing "the CUDA toolkit")
else()
  if(CUDAToolkit_VERSION VERSION_LESS 12.0)
    list(APPEND _vs_cuda_missing "CUDA >= 12 (found ${CUDAToolkit_VERSION}; C++20 device code)")
  endif()
  if(NOT CMAKE_CUDA_COMPILER)
    list(APPEND _vs_cuda_missing "a working nvcc")
  endif()
  if(NOT TARGET CUDA::cublas OR NOT TARGET CUDA::cublasLt OR NOT TARGET CUDA::cudart_static)
    list(APPEND _vs_cuda_missing "cuBLAS / cuBLASLt / static cudart")
  endif()
  if(NOT VARSCOPE_CUDNN_INCLUDE_DIR OR NOT VARSCOPE_CUDNN_LIBRARY)
    list(APPEND _vs_cuda_missing "cuDNN (cudnn.h, libcudnn.so; set CUDNN_ROOT)")
  endif()
endif()
if(_vs_cuda_missing)
  set(_vs_cuda_default OFF)
else()
  set(_vs_cuda_default ON)
endif()

option(VARSCOPE_WITH_CUDA "Build the CUDA backend (needs nvcc, cuBLAS and cuDNN)" ${_vs_cuda_default})

if(VARSCOPE_WITH_CUDA)
  if(_vs_cuda_missing)
    list(JOIN _vs_cuda_missing ", " _vs_text)
    message(FATAL_ERROR "VARSCOPE_WITH_CUDA=ON but this machine lacks: ${_vs_text}. "
                        "Install it or configure with -DVARSCOPE_WITH_CUDA=OFF.")
  endif()
  enable_language(CUDA)
  add_library(varscope::cudnn UNKNOWN IMPORTED)
  set_target_properties(varscope::cudnn PROPERTIES
    IMPORTED_LOCATION "${VARSCOPE_CUDNN_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${VARSCOPE_CUDNN_INCLUDE_DIR}")
endif()

function(varscope_cuda_status)
  if(CUDAToolkit_FOUND)
    varscope_status(ON "CUDA toolkit" "${CUDAToolkit_VERSION} (${CUDAToolkit_BIN_DIR})")
  else()
    varscope_status(OFF "CUDA toolkit" "not found (set CUDAToolkit_ROOT)")
    varscope_status(OFF "CUDA backend" "VARSCOPE_WITH_CUDA=OFF (core/no_cuda.cpp stands in)")
    return()
  endif()
  if(CMAKE_CUDA_COMPILER)
    varscope_status(ON "nvcc" "${CMAKE_CUDA_COMPILER}, sm_${CMAKE_CUDA_ARCHITECTURES}")
  else()
    varscope_status(OFF "nvcc" "cannot compile CUDA (see CMakeFiles/CMakeError.log)")
  endif()
  if(TARGET CUDA::cublas)
    varscope_status(ON "cuBLAS" "${CUDA_cublas_LIBRARY}")
  else()
    varscope_status(OFF "cuBLAS" "not found")
  endif()
  if(VARSCOPE_CUDNN_LIBRARY AND VARSCOPE_CUDNN_INCLUDE_DIR)
    varscope_status(ON "cuDNN" "${VARSCOPE_CUDNN_VERSION} (${VARSCOPE_CUDNN_LIBRARY})")
  else()
    varscope_status(OFF "cuDNN" "not found (set CUDNN_ROOT)")
  endif()
  if(VARSCOPE_WITH_CUDA)
    varscope_status(ON "CUDA backend" "VARSCOPE_WITH_CUDA=ON (runs when a GPU is present)")
  else()
    varscope_status(OFF "CUDA backend" "VARSCOPE_WITH_CUDA=OFF (core/no_cuda.cpp stands in)")
  endif()
endfunction()
