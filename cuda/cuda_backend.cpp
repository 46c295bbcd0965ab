#include "cuda/cuda_backend.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "core/logging.h"
#include "cuda/check.h"
#include "cuda/kernels/fill.h"
#include "varscope/error.h"

namespace varscope {
namespace cuda {
namespace {

// "1.50 GiB": out-of-memory messages are read by people (the exact request follows in bytes).
std::string format_bytes(double bytes) {
  constexpr std::array<const char*, 6> kUnits = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t unit = 0;
  while (bytes >= 1024.0 && unit + 1 < kUnits.size()) {
    bytes /= 1024.0;
    ++unit;
  }
  return unit == 0 ? fmt::format("{:.0f} bytes", bytes)
                   : fmt::format("{:.2f} {}", bytes, kUnits[unit]);
}

std::string device_label(int device) { return fmt::format("/device:GPU:{}", device); }

}  // namespace

// DeviceAllocator ---------------------------------------------------------------------------------

DeviceAllocator::DeviceAllocator(int device, std::string device_name)
    : device_(device), device_name_(std::move(device_name)) {}

std::size_t DeviceAllocator::round_size(std::size_t bytes) {
  if (bytes <= kRounding) return kRounding;
  if (bytes > std::numeric_limits<std::size_t>::max() - (kRounding - 1)) return 0;  // overflow
  return (bytes + kRounding - 1) / kRounding * kRounding;
}

void* DeviceAllocator::take(std::size_t bytes, MemoryCategory category, std::string_view what) {
  const std::size_t size = round_size(bytes);
  if (size == 0) throw_out_of_memory(bytes, category, what);
  void* ptr = nullptr;
  const cudaError_t status = cudaMalloc(&ptr, size);
  if (status == cudaErrorMemoryAllocation) {
    (void)cudaGetLastError();  // not sticky: clear it so later calls do not report it again
    throw_out_of_memory(bytes, category, what);
  }
  if (status != cudaSuccess) {
    (void)cudaGetLastError();
    throw CudaError(cuda_error_message(status, "cudaMalloc(&ptr, size)", __FILE__, __LINE__) +
                    fmt::format(" (allocating {} bytes for '{}')", size, what));
  }
  counter_.reserve(static_cast<std::int64_t>(size));
  return ptr;
}

void DeviceAllocator::give_back(void* ptr, std::size_t bytes) noexcept {
  if (ptr == nullptr) return;
  if (const cudaError_t status = cudaFree(ptr); status != cudaSuccess) {
    try {
      logger().error("cudaFree failed, {} bytes leaked: CUDA error {} ({})", bytes,
                     static_cast<int>(status), cudaGetErrorName(status));
    } catch (...) {
    }
  }
  counter_.reserve(-static_cast<std::int64_t>(round_size(bytes)));
}

void* DeviceAllocator::allocate(std::size_t bytes, MemoryCategory category, std::string_view what) {
  void* ptr = take(bytes, category, what);
  counter_.use(category, static_cast<std::int64_t>(round_size(bytes)));
  return ptr;
}

void DeviceAllocator::deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept {
  if (ptr == nullptr) return;
  give_back(ptr, bytes);
  counter_.use(category, -static_cast<std::int64_t>(round_size(bytes)));
}

void* DeviceAllocator::reserve(std::size_t bytes, std::string_view what) {
  return take(bytes, MemoryCategory::kActivation, what);
}

void DeviceAllocator::unreserve(void* ptr, std::size_t bytes) noexcept { give_back(ptr, bytes); }

void DeviceAllocator::account(MemoryCategory category, std::int64_t bytes) noexcept { counter_.use(category, bytes); }

MemoryStats DeviceAllocator::stats() const { return counter_.snapshot(); }

void DeviceAllocator::throw_out_of_memory(std::size_t bytes, MemoryCategory category,
                                          std::string_view what) const {
  const MemoryStats stats = this->stats();
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  std::string device_memory;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
    device_memory =
        fmt::format("{} free of {} on the device", format_bytes(static_cast<double>(free_bytes)),
                    format_bytes(static_cast<double>(total_bytes)));
  } else {
    (void)cudaGetLastError();
    device_memory = "device free memory unknown (cudaMemGetInfo failed)";
  }
  const std::string requester = what.empty()
                                    ? std::string(memory_category_name(category))
                                    : fmt::format("{} '{}'", memory_category_name(category), what);
  throw OutOfMemoryError(fmt::format(
      "CUDA out of memory on {} ({}): tried to allocate {} ({} bytes) for {}; varscope has {} "
      "allocated, {} reserved; {}",
      device_label(device_), device_name_, format_bytes(static_cast<double>(bytes)), bytes,
      requester, format_bytes(static_cast<double>(stats.total_current)),
      format_bytes(static_cast<double>(stats.reserved)), device_memory));
}

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
      allocator_(device, name_) {}

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

void CudaBackend::register_kernels(KernelRegistry& registry) { register_cuda_kernels(registry); }

}  // namespace cuda

// Returns nullptr, logging why once at info, when no GPU is usable: no driver, no device, or a
// device this build has no device code for. Other failures (the device exists but will not start)
// throw.
std::unique_ptr<Backend> make_cuda_backend() {
  int count = 0;
  if (const cudaError_t status = cudaGetDeviceCount(&count); status != cudaSuccess) {
    (void)cudaGetLastError();
    logger().info("no CUDA backend: cudaGetDeviceCount failed with CUDA error {} ({}: {})",
                  static_cast<int>(status), cudaGetErrorName(status), cudaGetErrorString(status));
    return nullptr;
  }
  if (count == 0) {
    logger().info("no CUDA backend: no CUDA device found");
    return nullptr;
  }
  constexpr int kDevice = 0;  // one GPU per process until the multi-GPU issue
  VS_CUDA_CHECK(cudaSetDevice(kDevice));
  cudaDeviceProp properties{};
  VS_CUDA_CHECK(cudaGetDeviceProperties(&properties, kDevice));
  if (const cudaError_t status = cuda::probe_kernel_image(); status != cudaSuccess) {
    (void)cudaGetLastError();
    logger().info(
        "no CUDA backend: {} (compute capability {}.{}) cannot run this build's device "
        "code (CMAKE_CUDA_ARCHITECTURES): CUDA error {} ({})",
        properties.name, properties.major, properties.minor, static_cast<int>(status),
        cudaGetErrorName(status));
    return nullptr;
  }
  auto backend = std::make_unique<cuda::CudaBackend>(kDevice);
  logger().info("CUDA backend on {} ({} of {}): {}, compute capability {}.{}, {} SMs, {}",
                cuda::device_label(kDevice), kDevice + 1, count, properties.name, properties.major,
                properties.minor, properties.multiProcessorCount,
                cuda::format_bytes(static_cast<double>(properties.totalGlobalMem)));
  return backend;
}

}  // namespace varscope
