#include "cpu/cpu_backend.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "cpu/register_kernels.h"
#include "varscope/error.h"

namespace varscope {
namespace {

std::size_t reserved_size(std::size_t bytes) {
  // aligned_alloc wants a non-zero multiple of the alignment.
  const std::size_t a = CpuAllocator::kAlignment;
  return bytes == 0 ? a : (bytes + a - 1) / a * a;
}

class CpuBackend final : public Backend {
 public:
  DeviceType device_type() const override { return DeviceType::kCPU; }
  std::string name() const override { return "CPU (Eigen)"; }
  Allocator& allocator() override { return allocator_; }
  void synchronize() override {}  // kernels run synchronously on the calling thread
  void copy_to_host(void* host_dst, const void* device_src, std::size_t bytes) override {
    if (bytes > 0) std::memcpy(host_dst, device_src, bytes);
  }
  void copy_from_host(void* device_dst, const void* host_src, std::size_t bytes) override {
    if (bytes > 0) std::memcpy(device_dst, host_src, bytes);
  }
  void copy_on_device(void* dst, const void* src, std::size_t bytes) override {
    if (bytes > 0) std::memmove(dst, src, bytes);
  }
  void fill_bytes(void* dst, unsigned char value, std::size_t bytes) override {
    if (bytes > 0) std::memset(dst, value, bytes);
  }
  void register_kernels(KernelRegistry& registry) override { register_cpu_kernels(registry); }
  void upload_each_run(void* device_dst, std::size_t, std::function<void(void*)> fill) override {
    fill(device_dst);  // device memory is host memory
  }

 private:
  CpuAllocator allocator_;
};

}  // namespace

void* CpuAllocator::take(std::size_t bytes, std::string_view category, std::string_view what) {
  void* p = nullptr;
  if (bytes <= std::numeric_limits<std::size_t>::max() - kAlignment) {
    p = std::aligned_alloc(kAlignment, reserved_size(bytes));
  }
  if (!p) {
    const MemoryStats s = stats();
    std::string message = "CPU allocator: out of memory allocating " + std::to_string(bytes) + " bytes";
    if (!what.empty()) message += " for '" + std::string(what) + "'";
    message += " (" + std::string(category) + "); " + std::to_string(s.total_current) + " bytes allocated, " +
               std::to_string(s.reserved) + " bytes reserved";
    throw OutOfMemoryError(message);
  }
  counter_.reserve(static_cast<std::int64_t>(reserved_size(bytes)));
  return p;
}

void* CpuAllocator::allocate(std::size_t bytes, MemoryCategory category, std::string_view what) {
  void* p = take(bytes, memory_category_name(category), what);
  counter_.use(category, static_cast<std::int64_t>(bytes));
  return p;
}

void CpuAllocator::deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept {
  if (!ptr) return;
  std::free(ptr);
  counter_.use(category, -static_cast<std::int64_t>(bytes));
  counter_.reserve(-static_cast<std::int64_t>(reserved_size(bytes)));
}

void* CpuAllocator::reserve(std::size_t bytes, std::string_view what) { return take(bytes, "arena", what); }

void CpuAllocator::unreserve(void* ptr, std::size_t bytes) noexcept {
  if (!ptr) return;
  std::free(ptr);
  counter_.reserve(-static_cast<std::int64_t>(reserved_size(bytes)));
}

void CpuAllocator::account(MemoryCategory category, std::int64_t bytes) noexcept { counter_.use(category, bytes); }

MemoryStats CpuAllocator::stats() const { return counter_.snapshot(); }

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace varscope
