// Checks for CUDA, cuBLAS and cuDNN calls. Wrap every library call, and check cudaGetLastError()
// after every kernel launch:
//
//   VS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream));
//   VS_CUBLAS_CHECK(cublasSgemm(handle, ...));
//   VS_CUDNN_CHECK(cudnnConvolutionForward(handle, ...));
//
// A failure throws varscope::CudaError whose text names the library, the numeric code, the status
// name and description, the call as written, and file:line:
//   "CUDA error 2 (cudaErrorMemoryAllocation: out of memory) in cudaMalloc(&ptr, bytes) at
//    cuda/cuda_backend.cpp:42"
//
// Usable from .cu files: it includes only cuda_runtime_api.h. cuBLAS and cuDNN statuses are passed
// on as int (0 is success in both libraries), so kernel files need neither library's headers.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

namespace varscope::cuda {

/// The CudaError text for a failed call (exposed for tests).
std::string cuda_error_message(cudaError_t status, const char* call, const char* file, int line);
std::string cublas_error_message(int status, const char* call, const char* file, int line);
std::string cudnn_error_message(int status, const char* call, const char* file, int line);

/// Throw CudaError with the messages above.
[[noreturn]] void throw_cuda_error(cudaError_t status, const char* call, const char* file,
                                   int line);
[[noreturn]] void throw_cublas_error(int status, const char* call, const char* file, int line);
[[noreturn]] void throw_cudnn_error(int status, const char* call, const char* file, int line);

}  // namespace varscope::cuda

#define VS_CUDA_CHECK(expr)                                                           \
  do {                                                                                \
    const cudaError_t vs_cuda_status_ = (expr);                                       \
    if (vs_cuda_status_ != cudaSuccess) {                                             \
      ::varscope::cuda::throw_cuda_error(vs_cuda_status_, #expr, __FILE__, __LINE__); \
    }                                                                                 \
  } while (false)

#define VS_CUBLAS_CHECK(expr)                                                             \
  do {                                                                                    \
    const int vs_cublas_status_ = static_cast<int>(expr);                                 \
    if (vs_cublas_status_ != 0) {                                                         \
      ::varscope::cuda::throw_cublas_error(vs_cublas_status_, #expr, __FILE__, __LINE__); \
    }                                                                                     \
  } while (false)

#define VS_CUDNN_CHECK(expr)                                                            \
  do {                                                                                  \
    const int vs_cudnn_status_ = static_cast<int>(expr);                                \
    if (vs_cudnn_status_ != 0) {                                                        \
      ::varscope::cuda::throw_cudnn_error(vs_cudnn_status_, #expr, __FILE__, __LINE__); \
    }                                                                                   \
  } while (false)
