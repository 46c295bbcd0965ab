#include "core/format_bytes.h"

#include <fmt/format.h>

#include <array>
#include <cstddef>

namespace varscope {

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

}  // namespace varscope
