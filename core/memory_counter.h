// Thread-safe current/peak/reserved byte counts per MemoryCategory, shared by the allocators.
#pragma once

#include <cstdint>
#include <mutex>

#include "varscope/memory.h"

namespace varscope {

class MemoryCounter {
 public:
  /// `bytes` now in use for `category` (negative: returned); peaks follow.
  void use(MemoryCategory category, std::int64_t bytes) noexcept {
    std::lock_guard lock(mutex_);
    const auto c = static_cast<std::size_t>(category);
    stats_.current[c] += bytes;
    if (stats_.current[c] > stats_.peak[c]) stats_.peak[c] = stats_.current[c];
    stats_.total_current += bytes;
    if (stats_.total_current > stats_.total_peak) stats_.total_peak = stats_.total_current;
  }
  /// `bytes` more (negative: fewer) held from the system.
  void reserve(std::int64_t bytes) noexcept {
    std::lock_guard lock(mutex_);
    stats_.reserved += bytes;
  }
  void reset_peaks() noexcept {
    std::lock_guard lock(mutex_);
    stats_.reset_peaks();
  }
  MemoryStats snapshot() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  mutable std::mutex mutex_;
  MemoryStats stats_;
};

}  // namespace varscope
