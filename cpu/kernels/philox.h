// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11), as
// TensorFlow's random ops use it: a 64-bit key (seed) and a 128-bit counter (seed2 in the high
// half); each call of the generator encrypts the counter into four uint32 and advances it by one.
// Plain, device-agnostic code (no std:: containers, no exceptions), so a CUDA kernel can include
// it: a .cu file defines VS_PHILOX_FN as `__host__ __device__ inline` before including this header
// (the CUDA switch stays in cuda/, the core and CPU code never test for nvcc).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#ifndef VS_PHILOX_FN
#define VS_PHILOX_FN inline
#endif

namespace varscope::philox {

/// Four uint32 outputs of one Philox call.
struct Block {
  std::uint32_t v[4];
};

/// The counter-based generator. Copies are independent streams at the same position.
class Philox4x32 {
 public:
  static constexpr std::uint32_t kW32A = 0x9E3779B9;  // key schedule (golden ratio)
  static constexpr std::uint32_t kW32B = 0xBB67AE85;  // key schedule (sqrt(3) - 1)
  static constexpr std::uint32_t kM4x32A = 0xD2511F53;
  static constexpr std::uint32_t kM4x32B = 0xCD9E8D57;

  Philox4x32() = default;
  /// TF's PhiloxRandom(seed, seed2): the key is `seed`, the counter's high 64 bits are `seed2`.
  VS_PHILOX_FN Philox4x32(std::uint64_t seed, std::uint64_t seed2) {
    key_[0] = static_cast<std::uint32_t>(seed);
    key_[1] = static_cast<std::uint32_t>(seed >> 32);
    counter_[2] = static_cast<std::uint32_t>(seed2);
    counter_[3] = static_cast<std::uint32_t>(seed2 >> 32);
  }
  /// Raw access, for known-answer tests and device code.
  VS_PHILOX_FN Philox4x32(const std::uint32_t counter[4], const std::uint32_t key[2]) {
    for (int i = 0; i < 4; ++i) counter_[i] = counter[i];
    key_[0] = key[0];
    key_[1] = key[1];
  }

  /// Advances the 128-bit counter by `count` blocks.
  VS_PHILOX_FN void skip(std::uint64_t count) {
    const auto count_lo = static_cast<std::uint32_t>(count);
    auto count_hi = static_cast<std::uint32_t>(count >> 32);
    counter_[0] += count_lo;
    if (counter_[0] < count_lo) ++count_hi;
    counter_[1] += count_hi;
    if (counter_[1] < count_hi) {
      if (++counter_[2] == 0) ++counter_[3];
    }
  }

  /// The next block: ten rounds over the counter, then the counter moves on by one.
  VS_PHILOX_FN Block operator()() {
    Block ctr{{counter_[0], counter_[1], counter_[2], counter_[3]}};
    std::uint32_t k0 = key_[0], k1 = key_[1];
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k0 += kW32A;
        k1 += kW32B;
      }
      const std::uint64_t p0 = static_cast<std::uint64_t>(kM4x32A) * ctr.v[0];
      const std::uint64_t p1 = static_cast<std::uint64_t>(kM4x32B) * ctr.v[2];
      ctr = Block{{static_cast<std::uint32_t>(p1 >> 32) ^ ctr.v[1] ^ k0, static_cast<std::uint32_t>(p1),
                   static_cast<std::uint32_t>(p0 >> 32) ^ ctr.v[3] ^ k1, static_cast<std::uint32_t>(p0)}};
    }
    skip(1);
    return ctr;
  }

 private:
  std::uint32_t counter_[4] = {0, 0, 0, 0};
  std::uint32_t key_[2] = {0, 0};
};

/// Hands out one uint32 at a time from successive blocks (TF's SingleSampleAdapter).
class SingleSample {
 public:
  VS_PHILOX_FN explicit SingleSample(Philox4x32* gen) : gen_(gen) {}
  VS_PHILOX_FN std::uint32_t operator()() {
    if (used_ == 4) {
      block_ = (*gen_)();
      used_ = 0;
    }
    return block_.v[used_++];
  }

 private:
  Philox4x32* gen_;
  Block block_{};
  int used_ = 4;
};

/// A float in [0, 1) from 23 random mantissa bits: 1.m - 1 (exact, never rounds up to 1).
VS_PHILOX_FN float uint32_to_float(std::uint32_t x) {
  const std::uint32_t bits = (127u << 23) | (x & 0x7fffffu);
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f - 1.0f;
}

/// A double in [0, 1) from 52 random mantissa bits (20 from x0, 32 from x1).
VS_PHILOX_FN double uint64_to_double(std::uint32_t x0, std::uint32_t x1) {
  const std::uint64_t mantissa = (static_cast<std::uint64_t>(x0 & 0xfffffu) << 32) | x1;
  const std::uint64_t bits = (std::uint64_t{1023} << 52) | mantissa;
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d - 1.0;
}

/// The bits of a float16 in [1, 2) from 10 random mantissa bits (subtract 1 after converting).
VS_PHILOX_FN std::uint16_t uint16_to_half_bits_1_2(std::uint32_t x) {
  return static_cast<std::uint16_t>((15u << 10) | (x & 0x3ffu));
}
/// The bits of a bfloat16 in [1, 2) from 7 random mantissa bits.
VS_PHILOX_FN std::uint16_t uint16_to_bfloat16_bits_1_2(std::uint32_t x) {
  return static_cast<std::uint16_t>((127u << 7) | (x & 0x7fu));
}

/// Box-Muller: two standard normals from two uint32 (u1 is kept away from 0 for the log).
VS_PHILOX_FN void box_muller_float(std::uint32_t x0, std::uint32_t x1, float* f0, float* f1) {
  const float epsilon = 1.0e-7f;
  float u1 = uint32_to_float(x0);
  if (u1 < epsilon) u1 = epsilon;
  const float v1 = static_cast<float>(2.0f * M_PI * uint32_to_float(x1));
  const float u2 = std::sqrt(-2.0f * std::log(u1));
  *f0 = std::sin(v1) * u2;
  *f1 = std::cos(v1) * u2;
}

/// Box-Muller in double precision: two standard normals from four uint32.
VS_PHILOX_FN void box_muller_double(std::uint32_t x0, std::uint32_t x1, std::uint32_t x2, std::uint32_t x3,
                                    double* d0, double* d1) {
  const double epsilon = 1.0e-7;
  double u1 = uint64_to_double(x0, x1);
  if (u1 < epsilon) u1 = epsilon;
  const double v1 = 2 * M_PI * uint64_to_double(x2, x3);
  const double u2 = std::sqrt(-2.0 * std::log(u1));
  *d0 = std::sin(v1) * u2;
  *d1 = std::cos(v1) * u2;
}

/// Samples each output reserves in TF's scheme: an op run of n values advances its stream by
/// n * kReservedSamplesPerOutput blocks, and truncated normal's group g starts at block
/// g * (group size * 256 / 4), so every group can be drawn independently (in parallel).
inline constexpr std::uint64_t kReservedSamplesPerOutput = 256;

}  // namespace varscope::philox
