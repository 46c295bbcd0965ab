#include "cuda/cuda_backend.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "core/format_bytes.h"
#include "core/logging.h"
#include "cuda/check.h"
#include "cuda/device_segment_source.h"
#include "cuda/kernels/fill.h"

namespace varscope {
namespace cuda {
// CudaBackend -------------------------------------------------------------------------------------

namespace {
int make_current(int device) {
  VS_CUDA_CHECK(cudaSetDevice(device));
  return device;
}

std::string device_name(int device) {
  cudaDeviceProp properties{};
  VS_CUDA_CHECK(cudaGetDeviceProperties(&properties, device));
  return properties.name;
}
}  // namespace

CudaBackend::CudaBackend(int device)
    : device_(make_current(device)),  // before stream_ is created on it
      name_(device_name(device)),
      allocator_(std::make_unique<DeviceSegmentSource>(device, name_)) {}

void CudaBackend::synchronize() { stream_.synchronize(); }

void CudaBackend::copy_to_host(void* host_dst, const void* device_src, std::size_t bytes) {
  if (bytes == 0) return;
  VS_CUDA_CHECK(cudaMemcpyAsync(host_dst, device_src, bytes, cudaMemcpyDeviceToHost, stream()));
  stream_.synchronize();
}

void CudaBackend::copy_from_host(void* device_dst, const void* host_src, std::size_t bytes) {
  if (bytes == 0) return;
  VS_CUDA_CHECK(cudaMemcpyAsync(device_dst, host_src, bytes, cudaMemcpyHostToDevice, stream()));
  // The caller may free or reuse host_src as soon as we return.
  stream_.synchronize();
}

void CudaBackend::copy_on_device(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  VS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream()));
}

void CudaBackend::fill_bytes(void* dst, unsigned char value, std::size_t bytes) {
  if (bytes == 0) return;
  VS_CUDA_CHECK(cudaMemsetAsync(dst, value, bytes, stream()));
}

void CudaBackend::register_kernels(KernelRegistry& registry) { register_cuda_kernels(registry); }

}  // namespace cuda

// Returns nullptr, logging why once at info, when no GPU is usable: no driver, no device, or a
// device this build has no device code for. Other failures (the device exists but will not start)
// throw.
std::unique_ptr<Backend> make_cuda_backend() {
  int count = 0;
  if (const cudaError_t status = cudaGetDeviceCount(&count); status != cudaSuccess) {
    (void)cudaGetLastError();
    log_info(fmt::format("no CUDA backend: cudaGetDeviceCount failed with CUDA error {} ({}: {})",
                         static_cast<int>(status), cudaGetErrorName(status),
                         cudaGetErrorString(status)));
    return nullptr;
  }
  if (count == 0) {
    log_info("no CUDA backend: no CUDA device found");
    return nullptr;
  }
  constexpr int kDevice = 0;  // one GPU per process until the multi-GPU issue
  VS_CUDA_CHECK(cudaSetDevice(kDevice));
  cudaDeviceProp properties{};
  VS_CUDA_CHECK(cudaGetDeviceProperties(&properties, kDevice));
  if (const cudaError_t status = cuda::probe_kernel_image(); status != cudaSuccess) {
    (void)cudaGetLastError();
    log_info(fmt::format(
        "no CUDA backend: {} (compute capability {}.{}) cannot run this build's device "
        "code (CMAKE_CUDA_ARCHITECTURES): CUDA error {} ({})",
        properties.name, properties.major, properties.minor, static_cast<int>(status),
        cudaGetErrorName(status)));
    return nullptr;
  }
  auto backend = std::make_unique<cuda::CudaBackend>(kDevice);
  log_info(fmt::format("CUDA backend on {} ({} of {}): {}, compute capability {}.{}, {} SMs, {}",
                       cuda::device_label(kDevice), kDevice + 1, count, properties.name,
                       properties.major, properties.minor, properties.multiProcessorCount,
                       format_bytes(static_cast<double>(properties.totalGlobalMem))));
  return backend;
}

}  // namespace varscope
