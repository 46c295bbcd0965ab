// RAII owners of CUDA, cuBLAS and cuDNN handles: Stream, Event, CublasHandle, CublasLtHandle,
// CudnnHandle.
//
// Constructors create the handle and throw CudaError on failure. Destructors never throw: a failed
// destroy call is logged at error level and swallowed. When a CUDA error is pending (after a sticky
// error such as an illegal address every call fails), the destroy call is skipped and the handle
// leaked, as mlx's CudaHandle does: calling into a broken context only adds noise.
//
// All of them are move-only. UniqueHandle is the one template behind them; cuDNN descriptors
// (tensor, filter, convolution) will be further instances.
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstddef>
#include <utility>

namespace varscope::cuda {

namespace detail {
/// True when cudaPeekAtLastError() reports an error.
bool cuda_error_pending() noexcept;
/// Log a failed destroy call at error level; never throws.
void log_destroy_failure(cudaError_t status) noexcept;
void log_destroy_failure(cublasStatus_t status) noexcept;
void log_destroy_failure(cudnnStatus_t status) noexcept;
}  // namespace detail

/// Owns one handle of pointer type T, released with Destroy(T).
template <class T, auto Destroy>
class UniqueHandle {
 public:
  UniqueHandle() = default;
  explicit UniqueHandle(T handle) noexcept : handle_(handle) {}
  ~UniqueHandle() { reset(); }
  UniqueHandle(UniqueHandle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  UniqueHandle& operator=(UniqueHandle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;

  T get() const noexcept { return handle_; }
  explicit operator bool() const noexcept { return handle_ != nullptr; }

  /// Destroys the handle (if any); never throws.
  void reset() noexcept {
    if (handle_ == nullptr) return;
    T handle = std::exchange(handle_, nullptr);
    if (detail::cuda_error_pending()) return;
    const auto status = Destroy(handle);
    if (static_cast<int>(status) != 0) detail::log_destroy_failure(status);
  }

 private:
  T handle_ = nullptr;
};

/// A CUDA stream on the current device (cudaStreamCreateWithFlags).
class Stream {
 public:
  /// Non-blocking by default: it does not synchronize with the legacy default stream.
  explicit Stream(unsigned int flags = cudaStreamNonBlocking);
  cudaStream_t get() const noexcept { return handle_.get(); }
  /// Waits for all work queued on the stream; throws CudaError.
  void synchronize() const;

 private:
  UniqueHandle<cudaStream_t, cudaStreamDestroy> handle_;
};

/// A CUDA event (cudaEventCreateWithFlags), for timing and cross-stream ordering.
class Event {
 public:
  /// cudaEventDefault records time; cudaEventDisableTiming is cheaper for pure synchronization.
  explicit Event(unsigned int flags = cudaEventDefault);
  cudaEvent_t get() const noexcept { return handle_.get(); }
  /// Records the event on `stream`; throws CudaError.
  void record(cudaStream_t stream);
  /// Waits until the recorded work is done; throws CudaError.
  void synchronize() const;
  /// Milliseconds from `start` to this event, both recorded and complete; throws CudaError.
  float elapsed_ms_since(const Event& start) const;

 private:
  UniqueHandle<cudaEvent_t, cudaEventDestroy> handle_;
};

/// A cuBLAS context (cublasCreate) on the current device, with a workspace of its own, so that no
/// cuBLAS call allocates memory (a CUDA graph may be capturing it).
class CublasHandle {
 public:
  /// cuBLAS's recommended workspace for Hopper.
  static constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;

  CublasHandle();
  cublasHandle_t get() const noexcept { return handle_.get(); }
  /// Queues this handle's work on `stream`, with the handle's workspace (cublasSetStream resets it);
  /// throws CudaError.
  void set_stream(cudaStream_t stream);

 private:
  UniqueHandle<void*, cudaFree> workspace_;  // outlives the handle (declared first)
  UniqueHandle<cublasHandle_t, cublasDestroy> handle_;
};

/// A cuBLASLt context (cublasLtCreate) on the current device, with a workspace of its own (cuBLASLt
/// takes the workspace with each call; the call's stream orders its use).
class CublasLtHandle {
 public:
  static constexpr std::size_t kWorkspaceBytes = std::size_t{32} << 20;

  CublasLtHandle();
  cublasLtHandle_t get() const noexcept { return handle_.get(); }
  void* workspace() const noexcept { return workspace_.get(); }

 private:
  UniqueHandle<void*, cudaFree> workspace_;  // outlives the handle (declared first)
  UniqueHandle<cublasLtHandle_t, cublasLtDestroy> handle_;
};

/// A cuDNN context (cudnnCreate) on the current device.
class CudnnHandle {
 public:
  CudnnHandle();
  cudnnHandle_t get() const noexcept { return handle_.get(); }
  /// Queues this handle's work on `stream`; throws CudaError.
  void set_stream(cudaStream_t stream);

 private:
  UniqueHandle<cudnnHandle_t, cudnnDestroy> handle_;
};

}  // namespace varscope::cuda
