// The Eigen CPU backend: 64-byte aligned host memory with per-category statistics.
#pragma once

#include <cstddef>
#include <mutex>
#include <string_view>

#include "core/backend.h"
#include "core/memory_counter.h"

namespace varscope {

/// Host memory from the system allocator, 64-byte aligned, with thread-safe statistics. Sizes are
/// rounded up to 64 bytes when taken from the system (`reserved`); statistics count requested
/// bytes.
class CpuAllocator final : public Allocator {
 public:
  static constexpr std::size_t kAlignment = 64;

  /// Throws OutOfMemoryError naming `what` when the system refuses.
  void* allocate(std::size_t bytes, MemoryCategory category, std::string_view what = {}) override;
  void deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept override;
  MemoryStats stats() const override;
  void reset_peak_stats() noexcept override { counter_.reset_peaks(); }
  void* reserve(std::size_t bytes, std::string_view what = {}) override;
  void unreserve(void* ptr, std::size_t bytes) noexcept override;
  void account(MemoryCategory category, std::int64_t bytes) noexcept override;

 private:
  void* take(std::size_t bytes, std::string_view category, std::string_view what);

  MemoryCounter counter_;
};

}  // namespace varscope
