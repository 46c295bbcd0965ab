// The CUDA backend: one device, one stream, and a caching allocator over cudaMalloc.
// make_cuda_backend() (core/backend.h) builds it for device 0 when a usable GPU is present.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

#include "core/backend.h"
#include "core/caching_allocator.h"
#include "cuda/handles.h"

namespace varscope::cuda {

/// Backend for one CUDA device. Every kernel and copy is queued on stream(); copies to and from the
/// host return once the bytes have arrived (except while capturing: see Backend::begin_capture). Memory comes from a CachingAllocator over
/// cudaMalloc: a freed block is reused at once, which is safe because all device work is ordered
/// on the one stream.
class CudaBackend final : public Backend {
 public:
  /// Makes `device` current and creates the stream; throws CudaError.
  explicit CudaBackend(int device);

  DeviceType device_type() const override { return DeviceType::kGPU; }
  /// The device's name, e.g. "NVIDIA H100 80GB HBM3".
  std::string name() const override { return name_; }
  /// The caching allocator (stats, empty_cache()) of this device.
  CachingAllocator& allocator() override { return allocator_; }
  void synchronize() override;
  void copy_to_host(void* host_dst, const void* device_src, std::size_t bytes) override;
  void copy_from_host(void* device_dst, const void* host_src, std::size_t bytes) override;
  void copy_on_device(void* dst, const void* src, std::size_t bytes) override;
  void fill_bytes(void* dst, unsigned char value, std::size_t bytes) override;
  void register_kernels(KernelRegistry& registry) override;
  void upload_each_run(void* device_dst, std::size_t bytes, std::function<void(void*)> fill) override;
  /// A CUDA event recorded on stream().
  std::unique_ptr<QueueMark> mark_queue() override;

  /// Captures as CUDA graphs (stream capture on a stream of the capturing thread's own).
  bool supports_capture() const override { return true; }
  void begin_capture() override;
  std::unique_ptr<CapturedWork> end_capture(std::string& why) override;
  /// True while the calling thread captures on this backend.
  bool capturing() const;

  /// The CUDA device ordinal.
  int device() const { return device_; }
  /// The stream this backend's kernels and copies run on: while the calling thread captures, its
  /// capture stream.
  cudaStream_t stream() const;

 private:
  int device_;
  std::string name_;
  CachingAllocator allocator_;
  Stream stream_;
};

/// Adds the CUDA kernels to `registry` (cuda/register_kernels.cpp: the one list of what runs on
/// GPU).
void register_cuda_kernels(KernelRegistry& registry);

}  // namespace varscope::cuda
