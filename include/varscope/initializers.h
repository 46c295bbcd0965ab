// Initializers: what gives a new variable its first value (tf.*_initializer).
//
// An Initializer is one of
//   - a callable (shape, dtype, partition_info) -> Output that builds the initial value in the graph
//     (every stock initializer below; called under the name scope "<variable>/Initializer/");
//   - a callable with no arguments -> Output (TF's `lambda: [2]`), allowed without a shape;
//   - a constant: a graph tensor (Output) or a host value (Tensor, or a number: 4 is int32 and 0.5
//     is float32, as Python literals are in TF). A constant fixes the variable's dtype and shape,
//     so get_variable must not be given a shape ("If initializer is a constant, do not specify shape.").
// Random initializers draw from the Philox counter-based generator seeded by (graph seed, op seed),
// so a set seed gives the same values on every run and every backend.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "varscope/graph.h"

namespace varscope {

struct PartitionInfo;

class Initializer {
 public:
  using ShapeFn = std::function<Output(const Shape& shape, DType dtype, const PartitionInfo* partition_info)>;
  using NoArgFn = std::function<Output()>;
  enum class Kind { kNone, kCallable, kNoArgCallable, kTensor, kValue };

  /// None: inherit the scope's initializer, else the dtype's default.
  Initializer() = default;
  Initializer(ShapeFn fn) : kind_(Kind::kCallable), fn_(std::move(fn)) {}
  Initializer(NoArgFn fn) : kind_(Kind::kNoArgCallable), no_arg_fn_(std::move(fn)) {}
  /// A graph tensor as the initial value.
  Initializer(Output tensor) : kind_(Kind::kTensor), tensor_(tensor) {}
  /// A host value as the initial value.
  Initializer(Tensor value) : kind_(Kind::kValue), value_(std::move(value)) {}
  /// Python-literal semantics: int -> int32, float and double -> float32.
  Initializer(int value) : Initializer(Tensor::scalar<std::int32_t>(value)) {}
  Initializer(float value) : Initializer(Tensor::scalar<float>(value)) {}
  Initializer(double value) : Initializer(Tensor::scalar<float>(static_cast<float>(value))) {}

  Kind kind() const { return kind_; }
  bool empty() const { return kind_ == Kind::kNone; }
  /// True for both callable kinds.
  bool is_callable() const { return kind_ == Kind::kCallable || kind_ == Kind::kNoArgCallable; }
  /// True for a constant (tensor or host value).
  bool is_constant() const { return kind_ == Kind::kTensor || kind_ == Kind::kValue; }

  const ShapeFn& fn() const { return fn_; }
  const NoArgFn& no_arg_fn() const { return no_arg_fn_; }
  const Output& tensor() const { return tensor_; }
  const Tensor& value() const { return value_; }
  /// dtype and shape of a constant initializer.
  DType constant_dtype() const;
  Shape constant_shape() const;

 private:
  Kind kind_ = Kind::kNone;
  ShapeFn fn_;
  NoArgFn no_arg_fn_;
  Output tensor_;
  Tensor value_;
};

/// tf.zeros_initializer: all zeros (false for bool). Works for every dtype.
Initializer zeros_initializer();
/// tf.ones_initializer.
Initializer ones_initializer();
/// tf.constant_initializer(value): every element `value`, converted to the variable's dtype.
Initializer constant_initializer(double value);
/// tf.constant_initializer(list): the values in row-major order; when fewer than needed, the
/// last value fills the rest (TF1). Throws ValueError when there are more values than elements.
Initializer constant_initializer(const Tensor& values);

struct RandomUniformOptions {
  double minval = 0.0;
  double maxval = 1.0;
  std::optional<std::int64_t> seed{};
};
/// tf.random_uniform_initializer: uniform in [minval, maxval).
Initializer random_uniform_initializer(RandomUniformOptions options = {});

struct RandomNormalOptions {
  double mean = 0.0;
  double stddev = 1.0;
  std::optional<std::int64_t> seed{};
};
/// tf.random_normal_initializer.
Initializer random_normal_initializer(RandomNormalOptions options = {});
/// tf.truncated_normal_initializer: normal, redrawn beyond two standard deviations.
Initializer truncated_normal_initializer(RandomNormalOptions options = {});

enum class FanMode { kFanIn, kFanOut, kFanAvg };
enum class Distribution { kTruncatedNormal, kUntruncatedNormal, kUniform };

struct VarianceScalingOptions {
  double scale = 1.0;
  FanMode mode = FanMode::kFanIn;
  Distribution distribution = Distribution::kTruncatedNormal;
  std::optional<std::int64_t> seed{};
};
/// tf.variance_scaling_initializer. Fans come from the full shape (the whole variable for a shard):
/// rank 0 -> (1, 1); rank 1 -> (n, n); rank 2 -> (d0, d1); rank >= 3 -> receptive field times
/// d[-2] and d[-1]. Uniform: limit sqrt(3 scale / n); truncated normal: stddev sqrt(scale / n) /
/// 0.87962566103423978. Throws ValueError for scale <= 0.
Initializer variance_scaling_initializer(VarianceScalingOptions options = {});
/// tf.glorot_uniform_initializer: variance scaling, fan_avg, uniform; TF's default for floats.
Initializer glorot_uniform_initializer(std::optional<std::int64_t> seed = std::nullopt);
/// tf.glorot_normal_initializer: variance scaling, fan_avg, truncated normal.
Initializer glorot_normal_initializer(std::optional<std::int64_t> seed = std::nullopt);
/// He (scale 2, fan_in) and LeCun (scale 1, fan_in) initializers, as in tf.keras.
Initializer he_normal_initializer(std::optional<std::int64_t> seed = std::nullopt);
Initializer he_uniform_initializer(std::optional<std::int64_t> seed = std::nullopt);
Initializer lecun_normal_initializer(std::optional<std::int64_t> seed = std::nullopt);
Initializer lecun_uniform_initializer(std::optional<std::int64_t> seed = std::nullopt);

// Short names used in examples and DESIGN.md (`vs::zeros()`, `vs::glorot_uniform()`).
inline Initializer zeros() { return zeros_initializer(); }
inline Initializer ones() { return ones_initializer(); }
inline Initializer glorot_uniform(std::optional<std::int64_t> seed = std::nullopt) {
  return glorot_uniform_initializer(seed);
}
inline Initializer glorot_normal(std::optional<std::int64_t> seed = std::nullopt) {
  return glorot_normal_initializer(seed);
}

}  // namespace varscope
