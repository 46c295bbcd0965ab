// Byte-at-a-time table lookup: event files are small, so the 256-entry table is fast enough and
// needs no CPU feature (SSE4.2's crc32 instruction computes the same CRC if it ever matters).
#include "core/summary/crc32c.h"

#include <array>

namespace varscope::summary {
namespace {

constexpr std::uint32_t kReflectedPolynomial = 0x82F63B78u;  // 0x1EDC6F41 bit-reversed

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? kReflectedPolynomial : 0u);
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kTable = make_table();

}  // namespace

std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t reg = ~crc;  // the register holds the complement of a finished CRC
  for (std::size_t i = 0; i < n; ++i) reg = kTable[(reg ^ p[i]) & 0xffu] ^ (reg >> 8);
  return ~reg;
}

}  // namespace varscope::summary
