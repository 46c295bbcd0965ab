#include "cuda/device_segment_source.h"

#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include "core/logging.h"
#include "cuda/check.h"
#include "varscope/error.h"

namespace varscope::cuda {
namespace {

// Makes `device` current for a scope. The allocator is called from any thread, and which device a
// thread has current is that thread's business: it is put back on exit.
class ScopedDevice {
 public:
  explicit ScopedDevice(int device) noexcept {
    status_ = cudaGetDevice(&previous_);
    if (status_ == cudaSuccess && previous_ != device) {
      status_ = cudaSetDevice(device);
      changed_ = status_ == cudaSuccess;
    }
    if (status_ != cudaSuccess) (void)cudaGetLastError();
  }
  ~ScopedDevice() {
    if (changed_ && cudaSetDevice(previous_) != cudaSuccess) (void)cudaGetLastError();
  }
  ScopedDevice(const ScopedDevice&) = delete;
  ScopedDevice& operator=(const ScopedDevice&) = delete;

  /// Why the device could not be made current; cudaSuccess when it is.
  cudaError_t status() const noexcept { return status_; }

 private:
  int previous_ = 0;
  bool changed_ = false;
  cudaError_t status_ = cudaSuccess;
};

}  // namespace

std::string device_label(int device) { return fmt::format("/device:GPU:{}", device); }

DeviceSegmentSource::DeviceSegmentSource(int device, std::string device_name)
    : device_(device), device_name_(std::move(device_name)) {}

void* DeviceSegmentSource::allocate_segment(std::size_t bytes) {
  const ScopedDevice scoped(device_);
  if (scoped.status() != cudaSuccess) {
    throw_cuda_error(scoped.status(), "cudaSetDevice(device)", __FILE__, __LINE__);
  }
  void* ptr = nullptr;
  const cudaError_t status = cudaMalloc(&ptr, bytes);
  if (status == cudaErrorMemoryAllocation) {
    // Not sticky: cleared, so that later calls do not report it again.
    (void)cudaGetLastError();
    return nullptr;
  }
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    throw CudaError(cuda_error_message(status, "cudaMalloc(&ptr, bytes)", __FILE__, __LINE__) +
                    fmt::format(" (a segment of {} bytes on {})", bytes, describe()));
  }
  return ptr;
}

void DeviceSegmentSource::free_segment(void* ptr, std::size_t bytes) noexcept {
  if (ptr == nullptr) return;
  const ScopedDevice scoped(device_);
  if (const cudaError_t status = cudaFree(ptr); status != cudaSuccess) {
    (void)cudaGetLastError();
    try {
      log_error(fmt::format("cudaFree on {} failed, {} bytes leaked: CUDA error {} ({})",
                            device_label(device_), bytes, static_cast<int>(status),
                            cudaGetErrorName(status)));
    } catch (...) {
    }
  }
}

void DeviceSegmentSource::synchronize() {
  const ScopedDevice scoped(device_);
  if (scoped.status() != cudaSuccess) {
    throw_cuda_error(scoped.status(), "cudaSetDevice(device)", __FILE__, __LINE__);
  }
  VS_CUDA_CHECK(cudaDeviceSynchronize());
}

std::optional<std::pair<std::size_t, std::size_t>> DeviceSegmentSource::memory_info() const {
  const ScopedDevice scoped(device_);
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  if (scoped.status() != cudaSuccess) return std::nullopt;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    (void)cudaGetLastError();
    return std::nullopt;
  }
  return std::pair{free_bytes, total_bytes};
}

std::string DeviceSegmentSource::describe() const {
  return fmt::format("{} ({})", device_label(device_), device_name_);
}

}  // namespace varscope::cuda
