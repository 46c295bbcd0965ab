// Functional layers (tf.compat.v1.layers): each call is a fresh layer object that opens its own
// variable scope, creates its variables with get_variable and builds its ops under that scope's
// name scope, exactly as TF1's legacy layers do.
//
//   auto h = layers::conv2d(x, 32, 5, {.padding = "same", .activation = nn::relu});
//   //   variables "conv2d/kernel" (5, 5, C, 32) glorot_uniform, "conv2d/bias" (32,) zeros;
//   //   ops "conv2d/Conv2D", "conv2d/BiasAdd", "conv2d/Relu"
//   h = layers::max_pooling2d(h, 2, 2);                          // "max_pooling2d/MaxPool"
//   h = layers::flatten(h);                                      // "flatten/Const",
//   "flatten/Reshape" auto y = layers::dense(h, 10, {.name = "logits"});           //
//   "logits/kernel", "logits/MatMul"
//
// Scopes, as TF: a layer named by `name` (conv2d, dense) opens variable_scope(name) and so inherits
// the enclosing reuse: two towers under variable_scope("model", reuse=AUTO_REUSE) share
// "model/conv1/kernel" while their ops go to "model/conv1/..." and "model_1/conv1/...". An unnamed
// layer opens variable_scope(None, default_name="conv2d"), uniquified per enclosing scope entry
// ("conv2d", "conv2d_1"), so an unnamed layer in a re-entered reuse=True scope finds the variables
// of the first entry. `reuse` (true or AUTO_REUSE) shares the variables of an earlier layer of that
// name; its ops then go to a fresh name scope ("conv1_1/Conv2D"). Pooling, dropout and flatten have
// no variables and always take a default-name scope ("pool", "pool_1").
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "varscope/graph.h"
#include "varscope/initializers.h"
#include "varscope/regularizers.h"
#include "varscope/variable_scope.h"

namespace varscope::layers {

/// An activation applied to a layer's output: called as activation(x, "") so the op takes its
/// default name ("Relu"); `.activation = nn::relu` works.
using Activation = std::function<Output(const Output&, std::string_view)>;

/// An integer for both spatial dimensions, or {height, width} (TF's int-or-tuple arguments).
/// The count and values are checked by the layer, which names the argument in its errors.
class IntPair {
 public:
  IntPair(std::int64_t both) : values_{both}, scalar_(true) {}
  IntPair(std::initializer_list<std::int64_t> values) : values_(values) {}
  explicit IntPair(std::vector<std::int64_t> values) : values_(std::move(values)) {}

  const std::vector<std::int64_t>& values() const { return values_; }
  /// Given as one integer (printed "3" rather than "[3]" in errors).
  bool scalar() const { return scalar_; }

 private:
  std::vector<std::int64_t> values_;
  bool scalar_ = false;
};

/// Options of conv2d, in tf.layers.conv2d's keyword order (data_format is always channels_last).
struct Conv2DOptions {
  IntPair strides = 1;
  /// "valid" or "same" (any case).
  std::string padding = "valid";
  IntPair dilation_rate = 1;
  Activation activation{};
  bool use_bias = true;
  /// Unset: the scope's initializer, else glorot_uniform.
  Initializer kernel_initializer{};
  Initializer bias_initializer = zeros_initializer();
  Regularizer kernel_regularizer{};
  Regularizer bias_regularizer{};
  bool trainable = true;
  std::string name{};
  Reuse reuse{};
};

/// tf.layers.conv2d on NHWC `inputs` (exactly rank 4, known channels; TF also folds extra batch
/// dims): kernel (kh, kw, C, filters), bias (filters,), ops Conv2D, BiasAdd, activation. Throws
/// ValueError with TF's texts for a bad rank
/// ("Input 0 of layer \"conv2d\" is incompatible with the layer: expected min_ndim=4, found ndim=3.
/// Full shape received: (?, 8, 8)"), an unknown channel dimension, bad filters / kernel_size /
/// strides / dilation_rate / padding. A dilated convolution is one Conv2D with `dilations` (TF
/// builds it with SpaceToBatchND around the Conv2D: same values, other ops).
Output conv2d(const Output& inputs, std::int64_t filters, const IntPair& kernel_size,
              Conv2DOptions options = {});

/// Options of dense, in tf.layers.dense's keyword order.
struct DenseOptions {
  Activation activation{};
  bool use_bias = true;
  /// Unset: the scope's initializer, else glorot_uniform.
  Initializer kernel_initializer{};
  Initializer bias_initializer = zeros_initializer();
  Regularizer kernel_regularizer{};
  Regularizer bias_regularizer{};
  bool trainable = true;
  std::string name{};
  Reuse reuse{};
};

/// tf.layers.dense on rank-2 `inputs` (batch, features) with a known last dimension: kernel
/// (features, units), bias (units,), ops MatMul, BiasAdd, activation. Inputs of higher rank
/// (TF's tensordot) throw UnimplementedError; flatten them first.
Output dense(const Output& inputs, std::int64_t units, DenseOptions options = {});

/// tf.layers.max_pooling2d on NHWC `inputs` (rank 4): op MaxPool. padding "valid" or "same".
Output max_pooling2d(const Output& inputs, const IntPair& pool_size, const IntPair& strides,
                     std::string_view padding = "valid", std::string_view name = "");

/// tf.layers.dropout: with training true and rate > 0, nn::dropout under "dropout/dropout/...";
/// otherwise an Identity "dropout/Identity". rate must be in [0, 1] (ValueError otherwise).
Output dropout(const Output& inputs, double rate = 0.5, bool training = false,
               std::optional<std::int64_t> seed = std::nullopt, std::string_view name = "");

/// tf.layers.flatten: (batch, ...) -> (batch, product of the rest), a Reshape to a Const shape
/// ("flatten/Const", "flatten/Reshape") of [-1, n] when the non-batch dimensions are known, else
/// [batch, -1] when the batch is; with both unknown the shape is computed (TF: Shape,
/// strided_slice, Pack; here Shape, Slice, ConcatV2). Rank 1 becomes (n, 1) by a Reshape (TF:
/// ExpandDims). Throws ValueError for rank 0 ("expected min_ndim=1, found ndim=0") or an unknown
/// rank.
Output flatten(const Output& inputs, std::string_view name = "");

}  // namespace varscope::layers
