// The CachingAllocator's memory on a CUDA device: segments from cudaMalloc, returned with cudaFree.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include "core/caching_allocator.h"

namespace varscope::cuda {

/// "/device:GPU:0" for CUDA ordinal 0.
std::string device_label(int device);

/// cudaMalloc/cudaFree on one device. Each call makes the device current for its duration and
/// restores the caller's current device after.
class DeviceSegmentSource final : public SegmentSource {
 public:
  /// `device` is the CUDA ordinal; `device_name` ("NVIDIA H100 80GB HBM3") is for messages.
  DeviceSegmentSource(int device, std::string device_name);

  /// nullptr when cudaMalloc reports cudaErrorMemoryAllocation (the error is cleared); CudaError on
  /// any other failure.
  void* allocate_segment(std::size_t bytes) override;
  /// A failed cudaFree is logged; never throws.
  void free_segment(void* ptr, std::size_t bytes) noexcept override;
  /// cudaDeviceSynchronize: waits for every stream of the device. Throws CudaError.
  void synchronize() override;
  /// cudaMemGetInfo; nullopt when it fails.
  std::optional<std::pair<std::size_t, std::size_t>> memory_info() const override;
  /// "/device:GPU:0 (NVIDIA H100 80GB HBM3)".
  std::string describe() const override;

 private:
  int device_;
  std::string device_name_;
};

}  // namespace varscope::cuda
