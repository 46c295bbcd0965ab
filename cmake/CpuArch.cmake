# VARSCOPE_CPU_ARCH: the x86-64 level the C++ code is compiled for. Eigen's GEMM (MatMul, Conv2D) runs
# about twice as fast with AVX2 and FMA as with the SSE2 baseline. "auto" (the default) picks
# x86-64-v3 (AVX2, FMA, BMI2) when the compiler accepts it and the build machine's CPU runs it;
# "native" and any -march level may be given; "" keeps the compiler's default.
set(VARSCOPE_CPU_ARCH "auto" CACHE STRING "x86-64 level for -march (auto, native, x86-64-v3, ...; empty: default)")

set(varscope_march "")
if(VARSCOPE_CPU_ARCH STREQUAL "auto")
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    include(CheckCXXSourceRuns)
    set(CMAKE_REQUIRED_FLAGS "-march=x86-64-v3")
    check_cxx_source_runs("
      int main() {
        __builtin_cpu_init();
        return __builtin_cpu_supports(\"avx2\") && __builtin_cpu_supports(\"fma\") ? 0 : 1;
      }" VARSCOPE_HOST_RUNS_X86_64_V3)
    unset(CMAKE_REQUIRED_FLAGS)
    if(VARSCOPE_HOST_RUNS_X86_64_V3)
      set(varscope_march "x86-64-v3")
    endif()
  endif()
elseif(NOT VARSCOPE_CPU_ARCH STREQUAL "")
  set(varscope_march "${VARSCOPE_CPU_ARCH}")
endif()

# varscope_apply_cpu_arch(<interface target>): C++ sources of everything using the target get -march.
function(varscope_apply_cpu_arch target)
  if(varscope_march)
    target_compile_options(${target} INTERFACE "$<$<COMPILE_LANGUAGE:CXX>:-march=${varscope_march}>")
  endif()
endfunction()
