// The process-wide cache of cuDNN convolution algorithm choices: the search (cudnnFind*Ex, which
// times every algorithm) runs once per problem, later calls with the same key reuse its result.
// Thread-safe: lookups share a lock, inserts take it exclusively; two threads that miss the same
// key at once both search and the first result stays.
#pragma once

#include <cudnn.h>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <shared_mutex>
#include <utility>
#include <vector>

namespace varscope::cuda {

/// Which of the three convolution passes.
enum class ConvPass : std::uint8_t { kForward, kBackwardData, kBackwardFilter };

/// The memory layout the cuDNN call sees for activations (and, matching it, the filter).
enum class ConvLayout : std::uint8_t { kNhwc, kNchw };

/// Which layouts a float32 convolution may run in (float64 always runs in NCHW).
enum class ConvLayoutChoice : std::uint8_t {
  kFastest,  // the default: both are searched, and the faster, layout copies included, is kept
  kNhwc,     // NHWC only (NCHW only if cuDNN has no NHWC algorithm), for tests and comparisons
  kNchw,     // NCHW only
};

/// The process-wide choice for searches from now on (entries already cached stay as they are:
/// the choice is part of their key). Thread-safe.
void set_conv_layout_choice(ConvLayoutChoice choice) noexcept;
ConvLayoutChoice conv_layout_choice() noexcept;

/// Everything the choice of algorithm depends on. Dims are the (padded) input and the filter as
/// cuDNN sees them, in logical NHWC and (KH, KW, C_in, C_out) order.
struct ConvAlgorithmKey {
  ConvPass pass{};
  int device{};
  cudnnDataType_t data_type{};
  bool allow_tf32{};
  ConvLayoutChoice layout_choice{};
  std::array<std::int64_t, 4> input{};   // N, H, W, C (after explicit padding)
  std::array<std::int64_t, 4> filter{};  // KH, KW, C_in, C_out
  std::array<std::int64_t, 2> padding{};
  std::array<std::int64_t, 2> strides{};
  std::array<std::int64_t, 2> dilations{};

  auto operator<=>(const ConvAlgorithmKey&) const = default;
};

/// The algorithm a search picked, with the math type it ran under, the workspace it needs and
/// what the search measured.
struct ConvAlgorithm {
  ConvLayout layout{};
  int algorithm{};  // a cudnnConvolution{Fwd,BwdData,BwdFilter}Algo_t, by pass
  cudnnMathType_t math_type{};
  std::size_t workspace_bytes{};
  float algorithm_ms{};  // cuDNN's time for the algorithm
  float copies_ms{};     // the layout copies (permutes, pads, crops) around it; 0 when not timed

  float total_ms() const { return algorithm_ms + copies_ms; }
};

class ConvAlgorithmCache {
 public:
  /// The cache every convolution kernel uses.
  static ConvAlgorithmCache& global();

  std::optional<ConvAlgorithm> find(const ConvAlgorithmKey& key) const;
  /// Adds `algorithm` unless the key is already there (then the existing entry stays).
  void insert(const ConvAlgorithmKey& key, const ConvAlgorithm& algorithm);
  std::size_t size() const;
  /// A copy of every entry, in key order.
  std::vector<std::pair<ConvAlgorithmKey, ConvAlgorithm>> entries() const;

 private:
  mutable std::shared_mutex mutex_;
  std::map<ConvAlgorithmKey, ConvAlgorithm> entries_;
};

}  // namespace varscope::cuda
