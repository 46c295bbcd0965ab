// Neural-network ops (tf.nn), NHWC like TF's default data_format. Names follow TF1: the op type is
// the default name ("Conv2D", "Relu", "MaxPool"); composite builders open a name scope
// ("dropout/...", "SparseSoftmaxCrossEntropyWithLogits/...") as TF's Python does.
//
//   auto h = nn::relu(nn::bias_add(nn::conv2d(x, w, {1, 1, 1, 1}, "SAME"), b));  // Conv2D, BiasAdd, Relu
//   auto p = nn::max_pool(h, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");               // MaxPool
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "varscope/graph.h"

namespace varscope::nn {

/// Conv2D: input [N, H, W, C_in], filter [KH, KW, C_in, C_out]; `strides` and `dilations` have 4
/// entries (batch and channel entries must be 1); padding "SAME" or "VALID".
Output conv2d(const Output& input, const Output& filter, const std::vector<std::int64_t>& strides,
              std::string_view padding, const std::vector<std::int64_t>& dilations = {1, 1, 1, 1},
              std::string_view name = "Conv2D");
/// Conv2DBackpropInput: the gradient of conv2d with respect to its input; `input_sizes` is an int32
/// vector [N, H, W, C_in] (a Shape op output in gradients).
Output conv2d_backprop_input(const Output& input_sizes, const Output& filter, const Output& out_backprop,
                             const std::vector<std::int64_t>& strides, std::string_view padding,
                             const std::vector<std::int64_t>& dilations = {1, 1, 1, 1},
                             std::string_view name = "Conv2DBackpropInput");
/// Conv2DBackpropFilter: the gradient with respect to the filter; `filter_sizes` is int32 [KH, KW, C_in, C_out].
Output conv2d_backprop_filter(const Output& input, const Output& filter_sizes, const Output& out_backprop,
                              const std::vector<std::int64_t>& strides, std::string_view padding,
                              const std::vector<std::int64_t>& dilations = {1, 1, 1, 1},
                              std::string_view name = "Conv2DBackpropFilter");

/// BiasAdd: value [..., C] + bias [C].
Output bias_add(const Output& value, const Output& bias, std::string_view name = "BiasAdd");
/// BiasAddGrad: sums out_backprop [..., C] over all but the last axis.
Output bias_add_grad(const Output& out_backprop, std::string_view name = "BiasAddGrad");

/// MaxPool / AvgPool over NHWC: `ksize` and `strides` have 4 entries (batch and channel entries 1).
Output max_pool(const Output& value, const std::vector<std::int64_t>& ksize, const std::vector<std::int64_t>& strides,
                std::string_view padding, std::string_view name = "MaxPool");
Output avg_pool(const Output& value, const std::vector<std::int64_t>& ksize, const std::vector<std::int64_t>& strides,
                std::string_view padding, std::string_view name = "AvgPool");
/// MaxPoolGrad: routes `grad` (shaped like the pool output) to the arg-max of each window of `orig_input`.
Output max_pool_grad(const Output& orig_input, const Output& orig_output, const Output& grad,
                     const std::vector<std::int64_t>& ksize, const std::vector<std::int64_t>& strides,
                     std::string_view padding, std::string_view name = "MaxPoolGrad");
/// AvgPoolGrad: `orig_input_shape` is int32 [N, H, W, C].
Output avg_pool_grad(const Output& orig_input_shape, const Output& grad, const std::vector<std::int64_t>& ksize,
                     const std::vector<std::int64_t>& strides, std::string_view padding,
                     std::string_view name = "AvgPoolGrad");

/// Activations. Floating dtypes only.
Output relu(const Output& features, std::string_view name = "Relu");
Output sigmoid(const Output& x, std::string_view name = "Sigmoid");
Output tanh(const Output& x, std::string_view name = "Tanh");
/// ReluGrad(gradients, features): gradients where features > 0, else 0.
Output relu_grad(const Output& gradients, const Output& features, std::string_view name = "ReluGrad");
/// SigmoidGrad(y, dy) = dy * y * (1 - y); TanhGrad(y, dy) = dy * (1 - y^2), y the forward output.
Output sigmoid_grad(const Output& y, const Output& dy, std::string_view name = "SigmoidGrad");
Output tanh_grad(const Output& y, const Output& dy, std::string_view name = "TanhGrad");

/// Softmax / LogSoftmax over the last axis.
Output softmax(const Output& logits, std::string_view name = "Softmax");
Output log_softmax(const Output& logits, std::string_view name = "LogSoftmax");

/// tf.nn.softmax_cross_entropy_with_logits_v2: per-row loss [batch] of `labels` (a distribution per
/// row) against `logits` [batch, classes]. Gradients flow to logits and labels.
Output softmax_cross_entropy_with_logits(const Output& labels, const Output& logits,
                                         std::string_view name = "softmax_cross_entropy_with_logits");
/// tf.nn.sparse_softmax_cross_entropy_with_logits: `labels` int32/int64 [batch] of class indices.
/// A label outside [0, classes) is an InvalidArgumentError at run time naming the row and value.
Output sparse_softmax_cross_entropy_with_logits(const Output& labels, const Output& logits,
                                                std::string_view name = "SparseSoftmaxCrossEntropyWithLogits");

/// tf.nn.dropout(x, rate=rate, seed=seed): keeps each element with probability 1 - rate and scales
/// kept ones by 1 / (1 - rate); a fresh mask every run (seeded like random_uniform). rate in [0, 1).
Output dropout(const Output& x, double rate, std::optional<std::int64_t> seed = std::nullopt,
               std::string_view name = "dropout");

}  // namespace varscope::nn
