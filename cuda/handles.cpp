#include "cuda/handles.h"

#include <fmt/format.h>

#include "core/logging.h"
#include "cuda/check.h"

namespace varscope::cuda {
namespace detail {

bool cuda_error_pending() noexcept { return cudaPeekAtLastError() != cudaSuccess; }

namespace {
template <class... Args>
void log_error_format(fmt::format_string<Args...> format, Args&&... args) noexcept {
  try {
    log_error(fmt::format(format, std::forward<Args>(args)...));
  } catch (...) {  // a destructor's last resort: nothing left to tell
  }
}
}  // namespace

void log_destroy_failure(cudaError_t status) noexcept {
  log_error_format("ignoring a failure to destroy a CUDA handle: CUDA error {} ({})",
            static_cast<int>(status), cudaGetErrorName(status));
}

void log_destroy_failure(cublasStatus_t status) noexcept {
  log_error_format("ignoring a failure to destroy a cuBLAS handle: cuBLAS error {} ({})",
            static_cast<int>(status), cublasGetStatusName(status));
}

void log_destroy_failure(cudnnStatus_t status) noexcept {
  log_error_format("ignoring a failure to destroy a cuDNN handle: cuDNN error {} ({})",
            static_cast<int>(status), cudnnGetErrorString(status));
}

}  // namespace detail

Stream::Stream(unsigned int flags) {
  cudaStream_t stream = nullptr;
  VS_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, flags));
  handle_ = decltype(handle_)(stream);
}

void Stream::synchronize() const { VS_CUDA_CHECK(cudaStreamSynchronize(get())); }

Event::Event(unsigned int flags) {
  cudaEvent_t event = nullptr;
  VS_CUDA_CHECK(cudaEventCreateWithFlags(&event, flags));
  handle_ = decltype(handle_)(event);
}

void Event::record(cudaStream_t stream) { VS_CUDA_CHECK(cudaEventRecord(get(), stream)); }

void Event::synchronize() const { VS_CUDA_CHECK(cudaEventSynchronize(get())); }

float Event::elapsed_ms_since(const Event& start) const {
  float ms = 0.0F;
  VS_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), get()));
  return ms;
}

CublasHandle::CublasHandle() {
  void* workspace = nullptr;
  VS_CUDA_CHECK(cudaMalloc(&workspace, kWorkspaceBytes));
  workspace_ = decltype(workspace_)(workspace);
  cublasHandle_t handle = nullptr;
  VS_CUBLAS_CHECK(cublasCreate(&handle));
  handle_ = decltype(handle_)(handle);
}

void CublasHandle::set_stream(cudaStream_t stream) {
  VS_CUBLAS_CHECK(cublasSetStream(get(), stream));
  VS_CUBLAS_CHECK(cublasSetWorkspace(get(), workspace_.get(), kWorkspaceBytes));
}

CublasLtHandle::CublasLtHandle() {
  void* workspace = nullptr;
  VS_CUDA_CHECK(cudaMalloc(&workspace, kWorkspaceBytes));
  workspace_ = decltype(workspace_)(workspace);
  cublasLtHandle_t handle = nullptr;
  VS_CUBLAS_CHECK(cublasLtCreate(&handle));
  handle_ = decltype(handle_)(handle);
}

CudnnHandle::CudnnHandle() {
  cudnnHandle_t handle = nullptr;
  VS_CUDNN_CHECK(cudnnCreate(&handle));
  handle_ = decltype(handle_)(handle);
}

void CudnnHandle::set_stream(cudaStream_t stream) { VS_CUDNN_CHECK(cudnnSetStream(get(), stream)); }

}  // namespace varscope::cuda
