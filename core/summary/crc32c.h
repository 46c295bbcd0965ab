// CRC-32C (Castagnoli) and the "masked" form TFRecord files store (TF's crc32c::Mask).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace varscope::summary {

/// The CRC-32C of `crc`'s bytes followed by `data[0, n)`, where `crc` is the (final) CRC of the
/// bytes before; 0 starts a new CRC. crc32c_extend(crc32c(a), b) == crc32c(a + b).
std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n);

/// The CRC-32C of `bytes`: crc32c("123456789") == 0xE3069283.
inline std::uint32_t crc32c(std::string_view bytes) {
  return crc32c_extend(0, bytes.data(), bytes.size());
}

/// Added after rotating, so that a CRC stored inside CRC'd data does not make the outer CRC
/// trivial.
inline constexpr std::uint32_t kMaskDelta = 0xa282ead8u;

/// The CRC as TFRecord stores it: rotated right by 15 bits, plus kMaskDelta.
constexpr std::uint32_t mask_crc(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

/// The inverse of mask_crc.
constexpr std::uint32_t unmask_crc(std::uint32_t masked) {
  const std::uint32_t rotated = masked - kMaskDelta;
  return (rotated >> 17) | (rotated << 15);
}

}  // namespace varscope::summary
