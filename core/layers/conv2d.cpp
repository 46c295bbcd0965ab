// tf.layers.conv2d (tf_keras Conv2D with the legacy tf.layers base): argument checks in
// constructor order, then the scope, the input checks, kernel and bias, Conv2D, BiasAdd,
// activation.
#include <algorithm>

#include "core/layers/layer_scope.h"
#include "core/op_builder.h"
#include "varscope/error.h"
#include "varscope/nn.h"

namespace varscope::layers {
namespace {

// The spatial output size of one dimension (conv_utils.conv_output_length).
std::int64_t conv_output_length(std::int64_t input, std::int64_t kernel, const std::string& padding,
                                std::int64_t stride, std::int64_t dilation) {
  if (input < 0) return -1;
  const std::int64_t dilated = (kernel - 1) * dilation + 1;
  const std::int64_t length = padding == "same" ? input : input - dilated + 1;
  return (length + stride - 1) / stride;
}

std::string python_list(const Shape& shape) {
  std::string text = "[";
  for (int i = 0; i < shape.rank(); ++i) {
    const std::int64_t d = shape.dim(i);
    text += (i ? ", " : "") + (d < 0 ? std::string("None") : std::to_string(d));
  }
  return text + "]";
}

}  // namespace

Output conv2d(const Output& inputs, std::int64_t filters, const IntPair& kernel_size,
              Conv2DOptions options) {
  if (!inputs.valid()) throw ValueError("[conv2d] the inputs are a null tensor");
  if (filters <= 0) {
    throw ValueError(
        "Invalid value for argument `filters`. Expected a strictly positive value. Received "
        "filters=" +
        std::to_string(filters) + ".");
  }
  const auto kernel = normalize_pair(kernel_size, "kernel_size", false);
  const auto strides = normalize_pair(options.strides, "strides", true);
  const std::string padding = normalize_padding(options.padding);
  const auto dilation = normalize_pair(options.dilation_rate, "dilation_rate", false);
  if (strides[0] == 0 || strides[1] == 0) {
    throw ValueError("The argument `strides` cannot contains 0(s). Received: " +
                     tuple_repr(strides));
  }
  if (padding == "causal")
    throw ValueError("Causal padding is only supported for `Conv1D`and `SeparableConv1D`.");
  if (std::max(strides[0], strides[1]) > 1 && std::max(dilation[0], dilation[1]) > 1) {
    throw ValueError(
        "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: strides=" +
        tuple_repr(strides) + " and dilation_rate=" + tuple_repr(dilation));
  }

  builder::UseGraph use{inputs.graph()};
  LayerScope scope{"conv2d", options.name, options.reuse, /*name_opens_scope=*/true};
  const std::string layer = scope.layer_name();
  expect_min_ndim(inputs, layer, 4);
  expect_ndim(inputs, layer, 4);
  const Shape& in = inputs.shape();
  if (!in.has_known_rank()) {
    throw ValueError("[conv2d] layer \"" + layer +
                     "\": the rank of the inputs must be known (N, H, W, C), got " +
                     in.to_string());
  }
  const std::int64_t channels = in.dim(3);
  if (channels < 0) {
    throw ValueError(
        "The channel dimension of the inputs should be defined. The input_shape received is " +
        in.to_string() +
        ", where axis -1 (0-based) is the channel dimension, which found to be `None`.");
  }
  for (int d = 0; d < 2; ++d) {
    const std::int64_t out =
        conv_output_length(in.dim(1 + d), kernel[d], padding, strides[d], dilation[d]);
    if (in.dim(1 + d) >= 0 && out <= 0) {
      throw ValueError(
          "One of the dimensions in the output is <= 0 due to downsampling in " + layer +
          ". Consider increasing the input size. Received input shape " + python_list(in) +
          " which would produce output shape with a zero or negative value in a dimension.");
    }
  }

  const DType dtype = inputs.dtype();
  Variable w =
      scope.add_weight("kernel", Shape{kernel[0], kernel[1], channels, filters}, dtype,
                       options.kernel_initializer, options.kernel_regularizer, options.trainable);
  Variable b;
  if (options.use_bias) {
    b = scope.add_weight("bias", Shape{filters}, dtype, options.bias_initializer,
                         options.bias_regularizer, options.trainable);
  }
  const std::string tf_padding = padding == "same" ? "SAME" : "VALID";
  Output outputs = nn::conv2d(inputs, w, {1, strides[0], strides[1], 1}, tf_padding,
                              {1, dilation[0], dilation[1], 1}, "Conv2D");
  if (b) outputs = nn::bias_add(outputs, b);
  if (options.activation) outputs = options.activation(outputs, "");
  return outputs;
}

}  // namespace varscope::layers
