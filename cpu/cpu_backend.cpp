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
  void register_kernels(KernelRegistry& registry) override { register_cpu_kernels(registry); }

 private:
  CpuAllocator allocator_;
};

}  // namespace

void* CpuAllocator::allocate(std::size_t bytes, MemoryCategory category, std::string_view what) {
  void* p = nullptr;
  if (bytes <= std::numeric_limits<std::size_t>::max() - kAlignment) {
    p = std::aligned_alloc(kAlignment, reserved_size(bytes));
  }
  if (!p) {
    const MemoryStats s = stats();
    std::string message =
        "CPU allocator: out of memory allocating " + std::to_string(bytes) + " bytes";
    if (!what.empty()) message += " for '" + std::string(what) + "'";
    message += " (" + std::string(memory_category_name(category)) + "); " +
               std::to_string(s.total_current) + " bytes allocated, " + std::to_string(s.reserved) +
               " bytes reserved";
    throw OutOfMemoryError(message);
  }
  const auto c = static_cast<std::size_t>(category);
  const auto n = static_cast<std::int64_t>(bytes);
  std::lock_guard lock(mutex_);
  stats_.current[c] += n;
  stats_.peak[c] = std::max(stats_.peak[c], stats_.current[c]);
  stats_.total_current += n;
  stats_.total_peak = std::max(stats_.total_peak, stats_.total_current);
  stats_.reserved += static_cast<std::int64_t>(reserved_size(bytes));
  return p;
}

void CpuAllocator::deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept {
  if (!ptr) return;
  std::free(ptr);
  const auto c = static_cast<std::size_t>(category);
  const auto n = static_cast<std::int64_t>(bytes);
  std::lock_guard lock(mutex_);
  stats_.current[c] -= n;
  stats_.total_current -= n;
  stats_.reserved -= static_cast<std::int64_t>(reserved_size(bytes));
}

MemoryStats CpuAllocator::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace varscope
