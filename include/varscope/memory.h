// Memory accounting per device and per category.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace varscope {

/// What an allocation is for.
enum class MemoryCategory : std::uint8_t { kVariable, kGradient, kOptimizerSlot, kActivation, kWorkspace, kOther };
inline constexpr std::size_t kNumMemoryCategories = 6;

/// "Variable", "Gradient", "OptimizerSlot", "Activation", "Workspace", "Other".
std::string_view memory_category_name(MemoryCategory category);

/// Current and peak bytes, overall and per category.
struct MemoryStats {
  std::array<std::int64_t, kNumMemoryCategories> current{};
  std::array<std::int64_t, kNumMemoryCategories> peak{};
  std::int64_t total_current = 0;
  std::int64_t total_peak = 0;
  /// Bytes held from the system (>= total_current for caching allocators).
  std::int64_t reserved = 0;

  std::int64_t current_bytes(MemoryCategory c) const { return current[static_cast<std::size_t>(c)]; }
  std::int64_t peak_bytes(MemoryCategory c) const { return peak[static_cast<std::size_t>(c)]; }
  /// Peaks restart from the current values.
  void reset_peaks() {
    peak = current;
    total_peak = total_current;
  }
};

}  // namespace varscope
