// OpDefs of the neural-network ops (NHWC, as TF's default data_format): Conv2D and its two
// backprops, BiasAdd(Grad), MaxPool/AvgPool and their grads, the activations and their grads,
// Softmax/LogSoftmax and both softmax cross entropies. Also the few array/math ops only the nn
// gradient rules use: ExpandDims, PreventGradient, Exp.
//
// Errors lead with op and node (InferenceContext::fail) and name the shapes or attrs at fault:
//   "[Conv2D] node 'conv1/Conv2D': input must be rank 4 (N, H, W, C), got shape (8, 28, 28)".
#include <string>
#include <vector>

#include "core/op_def.h"
#include "core/ops/shape_fns.h"
#include "core/ops/window_geometry.h"

namespace varscope {
namespace {

using namespace shape_fns;

// Dimension i of `s`, or unknown when the rank is unknown.
std::int64_t dim_of(const Shape& s, int i) {
  return s.has_known_rank() ? s.dim(i) : Shape::kUnknownDim;
}

// Merges two possibly-unknown sizes; -2 signals a conflict.
std::int64_t merge_dim(std::int64_t a, std::int64_t b) {
  if (a < 0) return b;
  if (b < 0 || a == b) return a;
  return -2;
}

void expect_rank4(const InferenceContext& ctx, int i, const char* what, const char* layout) {
  const Shape& s = ctx.input_shape(i);
  if (s.has_known_rank() && s.rank() != 4) {
    ctx.fail(std::string(what) + " must be rank 4 " + layout + ", got shape " + s.to_string());
  }
}

void expect_floating_input(const InferenceContext& ctx, int i) {
  expect_floating(ctx, ctx.input_dtype(i));
  check_dtype_attr(ctx, "T", ctx.input_dtype(i));
}

void check_data_format(const InferenceContext& ctx) {
  const std::string format = attr_or(ctx, "data_format", std::string("NHWC"));
  if (format != "NHWC") ctx.fail("data_format \"" + format + "\" is not supported (only \"NHWC\")");
}

bool same_padding(const InferenceContext& ctx) {
  const std::string& padding = ctx.attr<std::string>("padding");
  if (padding == "SAME") return true;
  if (padding == "VALID") return false;
  ctx.fail("padding must be \"SAME\" or \"VALID\", got \"" + padding + "\"");
}

// A 4-entry NHWC window attr (strides, dilations, ksize): positive, 1 for batch and channels.
std::vector<std::int64_t> window_attr(const InferenceContext& ctx, const char* name,
                                      bool optional = false) {
  if (optional && !ctx.has_attr(name)) return {1, 1, 1, 1};
  const auto& values = ctx.attr<std::vector<std::int64_t>>(name);
  if (values.size() != 4) {
    ctx.fail(std::string(name) + " must have 4 entries (N, H, W, C), got " +
             list_to_string(values));
  }
  for (std::int64_t v : values) {
    if (v < 1) ctx.fail(std::string(name) + " must be positive, got " + list_to_string(values));
  }
  if (values[0] != 1 || values[3] != 1) {
    ctx.fail(std::string(name) + " " + list_to_string(values) +
             " must be 1 in the batch and channel dimensions (only H and W are supported)");
  }
  return values;
}

struct Window {
  std::vector<std::int64_t> size{};  // filter or ksize extent per NHWC entry (H and W used)
  std::vector<std::int64_t> strides{};
  std::vector<std::int64_t> dilations{};
  bool same = false;
};

// Output H or W of a windowed op, unknown when the input or window size is unknown.
std::int64_t spatial_out(const InferenceContext& ctx, std::int64_t input, std::int64_t window,
                         std::int64_t dilation, std::int64_t stride, bool same) {
  if (input < 0 || window < 0) return Shape::kUnknownDim;
  const window::Dim d = window::output_dim(input, window, dilation, stride, same);
  if (d.output < 0)
    ctx.fail(window::negative_output_message(d.output, input, window, dilation, stride));
  return d.output;
}

// (N, out_h, out_w, channels) of a windowed op over `input` (NHWC).
Shape windowed_shape(const InferenceContext& ctx, const Shape& input, std::int64_t kh,
                     std::int64_t kw, const Window& w, std::int64_t channels) {
  return Shape({dim_of(input, 0),
                spatial_out(ctx, dim_of(input, 1), kh, w.dilations[1], w.strides[1], w.same),
                spatial_out(ctx, dim_of(input, 2), kw, w.dilations[2], w.strides[2], w.same),
                channels});
}

Window conv_window(const InferenceContext& ctx) {
  check_data_format(ctx);
  Window w;
  w.strides = window_attr(ctx, "strides");
  w.dilations = window_attr(ctx, "dilations", /*optional=*/true);
  w.same = same_padding(ctx);
  return w;
}

// The Conv2D output shape of input (NHWC) and filter (KH, KW, C_in, C_out); checks the depths
// agree.
Shape conv_output_shape(const InferenceContext& ctx, const Shape& input, const Shape& filter,
                        const Window& w) {
  const std::int64_t in_depth = dim_of(input, 3), filter_depth = dim_of(filter, 2);
  if (in_depth >= 0 && filter_depth >= 0 && in_depth != filter_depth) {
    ctx.fail("input depth " + std::to_string(in_depth) + " (input shape " + input.to_string() +
             ") does not match the filter's input depth " + std::to_string(filter_depth) +
             " (filter shape " + filter.to_string() + ")");
  }
  return windowed_shape(ctx, input, dim_of(filter, 0), dim_of(filter, 1), w, dim_of(filter, 3));
}

// The shape held by a size vector (input_sizes, filter_sizes, orig_input_shape). Besides what
// shape_from_input knows (Const, Shape), an output of ShapeN (the Conv2D gradient's) is as known
// as the matching ShapeN input, so gradients keep the full static shape.
Shape sizes_from_input(const InferenceContext& ctx, int i, const char* what) {
  expect_index_dtype(ctx, i, what);
  expect_rank(ctx, i, 1, what);
  const Output& in = ctx.input(i);
  Shape shape;
  if (in.node != nullptr && in.node->op() == "ShapeN" &&
      in.index < static_cast<int>(in.node->inputs().size()) &&
      in.node->inputs()[static_cast<std::size_t>(in.index)].shape().has_known_rank()) {
    shape = in.node->inputs()[static_cast<std::size_t>(in.index)].shape();
  } else {
    shape = shape_from_input(ctx, i, what);
  }
  if (!shape.has_known_rank()) return unknown_dims(4);
  if (shape.rank() != 4)
    ctx.fail(std::string(what) + " must have 4 entries, got shape " + shape.to_string());
  return shape;
}

// Fails unless `actual` is compatible with `expected` (both describing input `what`).
void expect_compatible(const InferenceContext& ctx, const Shape& actual, const Shape& expected,
                       const char* what, const std::string& because) {
  if (!actual.is_compatible_with(expected)) {
    ctx.fail(std::string(what) + " shape " + actual.to_string() + " does not match " +
             expected.to_string() + ", " + because);
  }
}

void infer_conv2d(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_same_dtype(ctx, 0, 1);
  expect_floating_input(ctx, 0);
  expect_rank4(ctx, 0, "input", "(N, H, W, C)");
  expect_rank4(ctx, 1, "filter", "(KH, KW, C_in, C_out)");
  const Window w = conv_window(ctx);
  ctx.add_output(ctx.input_dtype(0),
                 conv_output_shape(ctx, ctx.input_shape(0), ctx.input_shape(1), w));
}

// Conv2DBackpropInput(input_sizes, filter, out_backprop) -> input-shaped gradient.
void infer_conv2d_backprop_input(InferenceContext& ctx) {
  ctx.expect_num_inputs(3);
  expect_same_dtype(ctx, 1, 2);
  expect_floating_input(ctx, 1);
  expect_rank4(ctx, 1, "filter", "(KH, KW, C_in, C_out)");
  expect_rank4(ctx, 2, "out_backprop", "(N, H, W, C)");
  const Window w = conv_window(ctx);
  Shape input = sizes_from_input(ctx, 0, "input_sizes");
  const Shape& filter = ctx.input_shape(1);
  const Shape expected = conv_output_shape(ctx, input, filter, w);
  expect_compatible(ctx, ctx.input_shape(2), expected, "out_backprop",
                    "the Conv2D output for input_sizes " + input.to_string() + " and filter " +
                        filter.to_string());
  const std::int64_t depth = merge_dim(input.dim(3), dim_of(filter, 2));
  ctx.add_output(ctx.input_dtype(1),
                 Shape({input.dim(0) >= 0 ? input.dim(0) : dim_of(ctx.input_shape(2), 0),
                        input.dim(1), input.dim(2), depth}));
}

// Conv2DBackpropFilter(input, filter_sizes, out_backprop) -> filter-shaped gradient.
void infer_conv2d_backprop_filter(InferenceContext& ctx) {
  ctx.expect_num_inputs(3);
  expect_same_dtype(ctx, 0, 2);
  expect_floating_input(ctx, 0);
  expect_rank4(ctx, 0, "input", "(N, H, W, C)");
  expect_rank4(ctx, 2, "out_backprop", "(N, H, W, C)");
  const Window w = conv_window(ctx);
  Shape filter = sizes_from_input(ctx, 1, "filter_sizes");
  const Shape& input = ctx.input_shape(0);
  const Shape expected = conv_output_shape(ctx, input, filter, w);
  expect_compatible(ctx, ctx.input_shape(2), expected, "out_backprop",
                    "the Conv2D output for input " + input.to_string() + " and filter_sizes " +
                        filter.to_string());
  ctx.add_output(ctx.input_dtype(0), filter);
}

void infer_bias_add(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_same_dtype(ctx, 0, 1);
  expect_numeric(ctx, ctx.input_dtype(0));
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  check_data_format(ctx);
  const Shape& value = ctx.input_shape(0);
  const Shape& bias = ctx.input_shape(1);
  if (value.has_known_rank() && value.rank() < 2) {
    ctx.fail("value must be at least rank 2, got shape " + value.to_string());
  }
  expect_rank(ctx, 1, 1, "bias");
  if (!value.has_known_rank()) {
    ctx.add_output(ctx.input_dtype(0), Shape::unknown());
    return;
  }
  std::vector<std::int64_t> dims = value.dims();
  const std::int64_t channels = merge_dim(dims.back(), dim_of(bias, 0));
  if (channels == -2) {
    ctx.fail("bias shape " + bias.to_string() +
             " does not match the last dimension of value shape " + value.to_string());
  }
  dims.back() = channels;
  ctx.add_output(ctx.input_dtype(0), Shape(std::move(dims)));
}

void infer_bias_add_grad(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  expect_numeric(ctx, ctx.input_dtype(0));
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  check_data_format(ctx);
  const Shape& in = ctx.input_shape(0);
  if (in.has_known_rank() && in.rank() < 2) {
    ctx.fail("out_backprop must be at least rank 2, got shape " + in.to_string());
  }
  ctx.add_output(ctx.input_dtype(0),
                 Shape({in.has_known_rank() ? in.dim(-1) : Shape::kUnknownDim}));
}

Window pool_window(const InferenceContext& ctx) {
  check_data_format(ctx);
  Window w;
  w.size = window_attr(ctx, "ksize");
  w.strides = window_attr(ctx, "strides");
  w.dilations = {1, 1, 1, 1};
  w.same = same_padding(ctx);
  return w;
}

Shape pooled_shape(const InferenceContext& ctx, const Shape& input, const Window& w) {
  return windowed_shape(ctx, input, w.size[1], w.size[2], w, dim_of(input, 3));
}

void infer_pool(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  expect_floating_input(ctx, 0);
  expect_rank4(ctx, 0, "input", "(N, H, W, C)");
  const Window w = pool_window(ctx);
  ctx.add_output(ctx.input_dtype(0), pooled_shape(ctx, ctx.input_shape(0), w));
}

// MaxPoolGrad(orig_input, orig_output, grad) -> orig_input-shaped gradient.
void infer_max_pool_grad(InferenceContext& ctx) {
  ctx.expect_num_inputs(3);
  expect_same_dtype(ctx, 0, 1);
  expect_same_dtype(ctx, 0, 2);
  expect_floating_input(ctx, 0);
  expect_rank4(ctx, 0, "orig_input", "(N, H, W, C)");
  expect_rank4(ctx, 1, "orig_output", "(N, H, W, C)");
  expect_rank4(ctx, 2, "grad", "(N, H, W, C)");
  const Window w = pool_window(ctx);
  const Shape& input = ctx.input_shape(0);
  const Shape expected = pooled_shape(ctx, input, w);
  const std::string because = "the MaxPool output for orig_input " + input.to_string();
  expect_compatible(ctx, ctx.input_shape(1), expected, "orig_output", because);
  expect_compatible(ctx, ctx.input_shape(2), expected, "grad", because);
  ctx.add_output(ctx.input_dtype(0), input.has_known_rank() ? input : unknown_dims(4));
}

// AvgPoolGrad(orig_input_shape, grad) -> a gradient of shape orig_input_shape.
void infer_avg_pool_grad(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_floating_input(ctx, 1);
  expect_rank4(ctx, 1, "grad", "(N, H, W, C)");
  const Window w = pool_window(ctx);
  const Shape input = sizes_from_input(ctx, 0, "orig_input_shape");
  expect_compatible(ctx, ctx.input_shape(1), pooled_shape(ctx, input, w), "grad",
                    "the AvgPool output for orig_input_shape " + input.to_string());
  ctx.add_output(ctx.input_dtype(1), input);
}

void infer_floating_unary(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  expect_floating_input(ctx, 0);
  ctx.add_output(ctx.input_dtype(0), ctx.input_shape(0));
}

// ReluGrad(gradients, features), SigmoidGrad(y, dy), TanhGrad(y, dy): two same-shaped inputs.
void infer_activation_grad(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_same_dtype(ctx, 0, 1);
  expect_floating_input(ctx, 0);
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (!a.is_compatible_with(b))
    ctx.fail("input shapes " + a.to_string() + " and " + b.to_string() + " differ");
  ctx.add_output(ctx.input_dtype(0), a.merge_with(b));
}

void infer_softmax(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  expect_floating_input(ctx, 0);
  const Shape& in = ctx.input_shape(0);
  if (in.has_known_rank() && in.rank() < 1)
    ctx.fail("logits must have at least 1 dimension, got shape ()");
  ctx.add_output(ctx.input_dtype(0), in);
}

// SoftmaxCrossEntropyWithLogits(features, labels) -> (loss (batch,), backprop (batch, classes)).
void infer_softmax_xent(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_same_dtype(ctx, 0, 1);
  expect_floating_input(ctx, 0);
  expect_rank(ctx, 0, 2, "logits");
  expect_rank(ctx, 1, 2, "labels");
  const Shape& logits = ctx.input_shape(0);
  const Shape& labels = ctx.input_shape(1);
  if (!logits.is_compatible_with(labels)) {
    ctx.fail("logits and labels must have the same shape, got logits " + logits.to_string() +
             " and labels " + labels.to_string());
  }
  const Shape both = logits.has_known_rank() ? logits.merge_with(labels) : labels;
  const Shape matrix = both.has_known_rank() ? both : unknown_dims(2);
  ctx.add_output(ctx.input_dtype(0), Shape({matrix.dim(0)}));
  ctx.add_output(ctx.input_dtype(0), matrix);
}

// SparseSoftmaxCrossEntropyWithLogits(features (batch, classes), labels (batch,) int32/int64).
void infer_sparse_softmax_xent(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_floating_input(ctx, 0);
  expect_index_dtype(ctx, 1, "labels");
  check_dtype_attr(ctx, "Tlabels", ctx.input_dtype(1));
  expect_rank(ctx, 0, 2, "logits");
  expect_rank(ctx, 1, 1, "labels");
  const Shape& logits = ctx.input_shape(0);
  const Shape& labels = ctx.input_shape(1);
  const std::int64_t batch = merge_dim(dim_of(logits, 0), dim_of(labels, 0));
  if (batch == -2) {
    ctx.fail("labels shape " + labels.to_string() +
             " must equal the first dimension of logits shape " + logits.to_string());
  }
  ctx.add_output(ctx.input_dtype(0), Shape({batch}));
  ctx.add_output(ctx.input_dtype(0), Shape({batch, dim_of(logits, 1)}));
}

// ExpandDims(input, dim): a 1 inserted at `dim` in [-rank - 1, rank].
void infer_expand_dims(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  expect_index_dtype(ctx, 1, "dim");
  check_dtype_attr(ctx, "Tdim", ctx.input_dtype(1));
  const Shape& dim_shape = ctx.input_shape(1);
  if (dim_shape.is_fully_defined() && dim_shape.num_elements() != 1) {
    ctx.fail("dim must be a scalar, got shape " + dim_shape.to_string());
  }
  const Shape& in = ctx.input_shape(0);
  auto dim = constant_ints(ctx, 1);
  if (!in.has_known_rank()) {
    ctx.add_output(ctx.input_dtype(0), Shape::unknown());
    return;
  }
  const int rank = in.rank();
  if (!dim) {
    ctx.add_output(ctx.input_dtype(0), unknown_dims(rank + 1));
    return;
  }
  std::int64_t axis = dim->at(0);
  if (axis < -rank - 1 || axis > rank) {
    ctx.fail("dim " + std::to_string(axis) + " is out of range [" + std::to_string(-rank - 1) +
             ", " + std::to_string(rank) + "] for input shape " + in.to_string());
  }
  if (axis < 0) axis += rank + 1;
  std::vector<std::int64_t> dims = in.dims();
  dims.insert(dims.begin() + axis, 1);
  ctx.add_output(ctx.input_dtype(0), Shape(std::move(dims)));
}

void infer_prevent_gradient(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  ctx.add_output(ctx.input_dtype(0), ctx.input_shape(0));
}

}  // namespace

void register_nn_ops(OpRegistry& registry) {
  registry.add({.name = "Conv2D", .infer = infer_conv2d});
  registry.add({.name = "Conv2DBackpropInput", .infer = infer_conv2d_backprop_input});
  registry.add({.name = "Conv2DBackpropFilter", .infer = infer_conv2d_backprop_filter});
  registry.add({.name = "BiasAdd", .infer = infer_bias_add});
  registry.add({.name = "BiasAddGrad", .infer = infer_bias_add_grad});
  registry.add({.name = "MaxPool", .infer = infer_pool});
  registry.add({.name = "AvgPool", .infer = infer_pool});
  registry.add({.name = "MaxPoolGrad", .infer = infer_max_pool_grad});
  registry.add({.name = "AvgPoolGrad", .infer = infer_avg_pool_grad});
  registry.add({.name = "Relu", .infer = infer_floating_unary});
  registry.add({.name = "Sigmoid", .infer = infer_floating_unary});
  registry.add({.name = "Tanh", .infer = infer_floating_unary});
  registry.add({.name = "ReluGrad", .infer = infer_activation_grad});
  registry.add({.name = "SigmoidGrad", .infer = infer_activation_grad});
  registry.add({.name = "TanhGrad", .infer = infer_activation_grad});
  registry.add({.name = "Softmax", .infer = infer_softmax});
  registry.add({.name = "LogSoftmax", .infer = infer_softmax});
  registry.add({.name = "SoftmaxCrossEntropyWithLogits", .infer = infer_softmax_xent});
  registry.add({.name = "SparseSoftmaxCrossEntropyWithLogits", .infer = infer_sparse_softmax_xent});
  // Used by the nn gradient rules (TF's array_ops / math_ops define them).
  registry.add({.name = "ExpandDims", .infer = infer_expand_dims});
  registry.add({.name = "PreventGradient", .infer = infer_prevent_gradient});
  registry.add({.name = "Exp", .infer = infer_floating_unary});
}

}  // namespace varscope
