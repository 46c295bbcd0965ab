#include "cuda/check.h"

#include <cublas_v2.h>
#include <cudnn.h>
#include <fmt/format.h>

#include <array>

#include "varscope/error.h"

namespace varscope::cuda {

// The int-based macros in check.h rely on this.
static_assert(CUBLAS_STATUS_SUCCESS == 0 && CUDNN_STATUS_SUCCESS == 0);

std::string cuda_error_message(cudaError_t status, const char* call, const char* file, int line) {
  return fmt::format("CUDA error {} ({}: {}) in {} at {}:{}", static_cast<int>(status),
                     cudaGetErrorName(status), cudaGetErrorString(status), call, file, line);
}

std::string cublas_error_message(int status, const char* call, const char* file, int line) {
  const auto s = static_cast<cublasStatus_t>(status);
  return fmt::format("cuBLAS error {} ({}: {}) in {} at {}:{}", status, cublasGetStatusName(s),
                     cublasGetStatusString(s), call, file, line);
}

std::string cudnn_error_message(int status, const char* call, const char* file, int line) {
  std::string message =
      fmt::format("cuDNN error {} ({}) in {} at {}:{}", status,
                  cudnnGetErrorString(static_cast<cudnnStatus_t>(status)), call, file, line);
  // cuDNN 9 keeps a description of the last failure on this thread, often naming the bad argument.
  std::array<char, 512> detail{};
  cudnnGetLastErrorString(detail.data(), detail.size());
  if (detail[0] != '\0') message += fmt::format(": {}", detail.data());
  return message;
}

void throw_cuda_error(cudaError_t status, const char* call, const char* file, int line) {
  throw CudaError(cuda_error_message(status, call, file, line));
}

void throw_cublas_error(int status, const char* call, const char* file, int line) {
  throw CudaError(cublas_error_message(status, call, file, line));
}

void throw_cudnn_error(int status, const char* call, const char* file, int line) {
  throw CudaError(cudnn_error_message(status, call, file, line));
}

}  // namespace varscope::cuda
