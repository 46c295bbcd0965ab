// The CUDA backend: one device, one stream, and (for now) a plain cudaMalloc allocator with
// statistics. make_cuda_backend() (core/backend.h) builds it for device 0 when a usable GPU is
// present.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

#include "core/backend.h"
#include "core/memory_counter.h"
#include "cuda/handles.h"

namespace varscope::cuda {

/// Device memory straight from cudaMalloc/cudaFree: sizes rounded up to 512 bytes (0 -> 512),
/// current and peak bytes per MemoryCategory counted in rounded sizes, reserved == allocated.
/// Thread-safe. The caching allocator of DESIGN.md (pools, split/coalesce, retry) replaces it in a
/// later issue.
class DeviceAllocator final : public Allocator {
 public:
  static constexpr std::size_t kRounding = 512;

  /// `device` is the CUDA ordinal; `device_name` appears in out-of-memory messages.
  DeviceAllocator(int device, std::string device_name);

  /// Throws OutOfMemoryError stating the bytes requested, allocated and reserved by varscope, the
  /// device's free and total bytes, and `what` (the variable or node that asked); CudaError on any
  /// other CUDA failure.
  void* allocate(std::size_t bytes, MemoryCategory category, std::string_view what = {}) override;
  void deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept override;
  MemoryStats stats() const override;
  void* reserve(std::size_t bytes, std::string_view what = {}) override;
  void unreserve(void* ptr, std::size_t bytes) noexcept override;
  void account(MemoryCategory category, std::int64_t bytes) noexcept override;

  /// `bytes` rounded up to a multiple of kRounding, at least kRounding.
  static std::size_t round_size(std::size_t bytes);

 private:
  [[noreturn]] void throw_out_of_memory(std::size_t bytes, MemoryCategory category,
                                        std::string_view what) const;

  int device_;
  std::string device_name_;
  /// cudaMalloc of round_size(bytes), counted as reserved.
  void* take(std::size_t bytes, MemoryCategory category, std::string_view what);
  void give_back(void* ptr, std::size_t bytes) noexcept;

  MemoryCounter counter_;
};

/// Backend for one CUDA device. Every kernel and copy is queued on stream(); copies to and from the
/// host return once the bytes have arrived.
class CudaBackend final : public Backend {
 public:
  /// Makes `device` current and creates the stream; throws CudaError.
  explicit CudaBackend(int device);

  DeviceType device_type() const override { return DeviceType::kGPU; }
  /// The device's name, e.g. "NVIDIA H100 80GB HBM3".
  std::string name() const override { return name_; }
  Allocator& allocator() override { return allocator_; }
  void synchronize() override;
  void copy_to_host(void* host_dst, const void* device_src, std::size_t bytes) override;
  void copy_from_host(void* device_dst, const void* host_src, std::size_t bytes) override;
  void copy_on_device(void* dst, const void* src, std::size_t bytes) override;
  void register_kernels(KernelRegistry& registry) override;

  /// The CUDA device ordinal.
  int device() const { return device_; }
  /// The stream this backend's kernels and copies run on.
  cudaStream_t stream() const { return stream_.get(); }

 private:
  int device_;
  std::string name_;
  DeviceAllocator allocator_;
  Stream stream_;
};

/// Adds the CUDA kernels to `registry` (cuda/register_kernels.cpp: the one list of what runs on
/// GPU).
void register_cuda_kernels(KernelRegistry& registry);

}  // namespace varscope::cuda
