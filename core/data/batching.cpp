// Batching helpers of a training loop: a reproducible epoch order and row gathering.
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "varscope/data.h"

namespace varscope::data {
namespace {

// A uniform draw from [0, bound) by rejection: unbiased, and unlike std::uniform_int_distribution
// (whose algorithm each standard library chooses) the same everywhere.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
  for (;;) {
    const std::uint64_t r = rng();
    if (r >= threshold) return r % bound;
  }
}

}  // namespace

std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, std::uint64_t epoch) {
  if (n < 0) {
    throw InvalidArgumentError("[epoch_order] n must be non-negative, got " + std::to_string(n));
  }
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(epoch), static_cast<std::uint32_t>(epoch >> 32)};
  std::mt19937_64 rng(seq);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  // Fisher-Yates, from the back.
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[uniform_below(rng, i)]);
  }
  return order;
}

Tensor gather_rows(const Tensor& source, std::span<const std::int64_t> rows) {
  if (!source.defined() || source.shape().rank() < 1) {
    throw InvalidArgumentError(
        "[gather_rows] source must have at least one dimension, got " +
        (source.defined() ? source.debug_string() : std::string("Tensor<undefined>")));
  }
  const std::int64_t available = source.shape().dim(0);
  std::vector<std::int64_t> dims = source.shape().dims();
  dims[0] = static_cast<std::int64_t>(rows.size());
  Tensor out(source.dtype(), Shape(dims));
  const std::size_t row_bytes =
      available == 0 ? 0 : source.nbytes() / static_cast<std::size_t>(available);
  const auto* in = static_cast<const unsigned char*>(source.raw_data());
  auto* o = static_cast<unsigned char*>(out.raw_data());
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const std::int64_t r = rows[k];
    if (r < 0 || r >= available) {
      throw InvalidArgumentError("[gather_rows] row index " + std::to_string(r) + " at position " +
                                 std::to_string(k) + " is out of range for " +
                                 std::to_string(available) + " rows of shape " +
                                 source.shape().to_string());
    }
    std::memcpy(o + k * row_bytes, in + static_cast<std::size_t>(r) * row_bytes, row_bytes);
  }
  return out;
}

}  // namespace varscope::data
