// The op builders of varscope/nn.h, named as TF1.15's Python names them: plain gen_nn_ops calls
// take the op type as default name ("Conv2D", "Relu"); wrappers that open a name scope in Python
// (bias_add, max_pool, avg_pool, sigmoid, tanh, the cross entropies, dropout) do so here too, and
// their op takes the scope's name verbatim.
#include "varscope/nn.h"

#include <sstream>
#include <string>

#include "core/grad/grad_util.h"
#include "core/op_builder.h"
#include "varscope/error.h"
#include "varscope/name_scope.h"
#include "varscope/ops.h"

namespace varscope::nn {
namespace {

using namespace builder;

AttrMap conv_attrs(DType dtype, const std::vector<std::int64_t>& strides, std::string_view padding,
                   const std::vector<std::int64_t>& dilations) {
  return {{"T", dtype},
          {"strides", strides},
          {"padding", std::string(padding)},
          {"dilations", dilations},
          {"data_format", std::string("NHWC")},
          {"use_cudnn_on_gpu", true},
          {"explicit_paddings", std::vector<std::int64_t>{}}};
}

AttrMap pool_attrs(DType dtype, const std::vector<std::int64_t>& ksize,
                   const std::vector<std::int64_t>& strides, std::string_view padding) {
  return {{"T", dtype},
          {"ksize", ksize},
          {"strides", strides},
          {"padding", std::string(padding)},
          {"data_format", std::string("NHWC")}};
}

// `with ops.name_scope(name, default_name, [inputs]) as name: return gen_op(..., name=name)`.
Output scoped_node(const char* op, const char* default_name, std::string_view name,
                   const std::vector<Output>& inputs, AttrMap attrs) {
  Graph& graph = graph_of(op, inputs);
  UseGraph use{graph};
  NameScope ns{scope_arg(name), default_name};
  return make_node(graph, op, ns.name(), inputs, std::move(attrs));
}

// The Python `a - b` / `a / b` with a number on the left: "<scope>/x" Const, then the op.
Output number_minus(Graph& graph, double number, const Output& y) {
  NameScope ns{std::nullopt, "sub"};
  Output x = make_const(graph, number_as(number, y.dtype()), "x");
  return make_node(graph, "Sub", ns.name(), {x, y}, {{"T", y.dtype()}});
}

Output number_over(Graph& graph, double number, const Output& y) {
  NameScope ns{std::nullopt, "truediv"};
  Output x = make_const(graph, number_as(number, y.dtype()), "x");
  return make_node(graph, "RealDiv", ns.name(), {x, y}, {{"T", y.dtype()}});
}

// TF computes the cross entropies of 16-bit floats in float32 and casts the loss back.
bool is_reduced_float(DType dtype) { return dtype == DType::kFloat16 || dtype == DType::kBFloat16; }

}  // namespace

Output conv2d(const Output& input, const Output& filter, const std::vector<std::int64_t>& strides,
              std::string_view padding, const std::vector<std::int64_t>& dilations,
              std::string_view name) {
  Graph& graph = graph_of("Conv2D", {input, filter});
  return make_node(graph, "Conv2D", name, {input, filter},
                   conv_attrs(input.dtype(), strides, padding, dilations));
}

Output conv2d_backprop_input(const Output& input_sizes, const Output& filter,
                             const Output& out_backprop, const std::vector<std::int64_t>& strides,
                             std::string_view padding, const std::vector<std::int64_t>& dilations,
                             std::string_view name) {
  Graph& graph = graph_of("Conv2DBackpropInput", {input_sizes, filter, out_backprop});
  return make_node(graph, "Conv2DBackpropInput", name, {input_sizes, filter, out_backprop},
                   conv_attrs(filter.dtype(), strides, padding, dilations));
}

Output conv2d_backprop_filter(const Output& input, const Output& filter_sizes,
                              const Output& out_backprop, const std::vector<std::int64_t>& strides,
                              std::string_view padding, const std::vector<std::int64_t>& dilations,
                              std::string_view name) {
  Graph& graph = graph_of("Conv2DBackpropFilter", {input, filter_sizes, out_backprop});
  return make_node(graph, "Conv2DBackpropFilter", name, {input, filter_sizes, out_backprop},
                   conv_attrs(input.dtype(), strides, padding, dilations));
}

Output bias_add(const Output& value, const Output& bias, std::string_view name) {
  return scoped_node("BiasAdd", "BiasAdd", name, {value, bias},
                     {{"T", value.dtype()}, {"data_format", std::string("NHWC")}});
}

Output bias_add_grad(const Output& out_backprop, std::string_view name) {
  Graph& graph = graph_of("BiasAddGrad", {out_backprop});
  return make_node(graph, "BiasAddGrad", name, {out_backprop},
                   {{"T", out_backprop.dtype()}, {"data_format", std::string("NHWC")}});
}

Output max_pool(const Output& value, const std::vector<std::int64_t>& ksize,
                const std::vector<std::int64_t>& strides, std::string_view padding,
                std::string_view name) {
  return scoped_node("MaxPool", "MaxPool", name, {value},
                     pool_attrs(value.dtype(), ksize, strides, padding));
}

Output avg_pool(const Output& value, const std::vector<std::int64_t>& ksize,
                const std::vector<std::int64_t>& strides, std::string_view padding,
                std::string_view name) {
  return scoped_node("AvgPool", "AvgPool", name, {value},
                     pool_attrs(value.dtype(), ksize, strides, padding));
}

Output max_pool_grad(const Output& orig_input, const Output& orig_output, const Output& grad,
                     const std::vector<std::int64_t>& ksize,
                     const std::vector<std::int64_t>& strides, std::string_view padding,
                     std::string_view name) {
  Graph& graph = graph_of("MaxPoolGrad", {orig_input, orig_output, grad});
  return make_node(graph, "MaxPoolGrad", name, {orig_input, orig_output, grad},
                   pool_attrs(orig_input.dtype(), ksize, strides, padding));
}

Output avg_pool_grad(const Output& orig_input_shape, const Output& grad,
                     const std::vector<std::int64_t>& ksize,
                     const std::vector<std::int64_t>& strides, std::string_view padding,
                     std::string_view name) {
  Graph& graph = graph_of("AvgPoolGrad", {orig_input_shape, grad});
  return make_node(graph, "AvgPoolGrad", name, {orig_input_shape, grad},
                   pool_attrs(grad.dtype(), ksize, strides, padding));
}

Output relu(const Output& features, std::string_view name) { return unary("Relu", features, name); }

Output sigmoid(const Output& x, std::string_view name) {
  return scoped_node("Sigmoid", "Sigmoid", name, {x}, {{"T", x.dtype()}});
}

Output tanh(const Output& x, std::string_view name) {
  return scoped_node("Tanh", "Tanh", name, {x}, {{"T", x.dtype()}});
}

Output relu_grad(const Output& gradients, const Output& features, std::string_view name) {
  return binary("ReluGrad", gradients, features, name);
}

Output sigmoid_grad(const Output& y, const Output& dy, std::string_view name) {
  return binary("SigmoidGrad", y, dy, name);
}

Output tanh_grad(const Output& y, const Output& dy, std::string_view name) {
  return binary("TanhGrad", y, dy, name);
}

Output softmax(const Output& logits, std::string_view name) {
  return unary("Softmax", logits, name);
}

Output log_softmax(const Output& logits, std::string_view name) {
  return unary("LogSoftmax", logits, name);
}

// tf.nn.softmax_cross_entropy_with_logits_v2 for rank-2 inputs. TF's Python wraps the op in
// Rank/Shape/Slice/concat/Reshape helpers that flatten higher ranks and restore the shape with
// set_shape; for (batch, classes) they are identities, and without set_shape they would lose the
// static batch size, so only the op is built, named as TF names it (the scope's name).
Output softmax_cross_entropy_with_logits(const Output& labels, const Output& logits,
                                         std::string_view name) {
  const char* op = "SoftmaxCrossEntropyWithLogits";
  Graph& graph = graph_of(op, {labels, logits});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "softmax_cross_entropy_with_logits"};
  for (const Output* t : {&logits, &labels}) {
    if (t->shape().has_known_rank() && t->shape().rank() != 2) {
      throw ValueError("[" + std::string(op) + "] " +
                       std::string(t == &logits ? "logits" : "labels") +
                       " must be rank 2 (batch, classes), got shape " + t->shape().to_string());
    }
  }
  expect_floating_dtype(op, logits.dtype());
  const DType dtype = logits.dtype();
  const bool to_float32 = is_reduced_float(dtype);
  Output precise_logits = to_float32 ? cast(logits, DType::kFloat32) : logits;
  Output precise_labels =
      labels.dtype() == precise_logits.dtype() ? labels : cast(labels, precise_logits.dtype());
  Output cost = make_multi_output_node(graph, op, ns.name(), {precise_logits, precise_labels},
                                       {{"T", precise_logits.dtype()}})[0];
  return to_float32 ? cast(cost, dtype) : cost;
}

// tf.nn.sparse_softmax_cross_entropy_with_logits (TF1.15 nn_ops): Python's static checks with its
// ValueError texts, the "Shape" of the labels it makes, then for rank-2 logits the op itself,
// named `name` inside the scope `name`.
Output sparse_softmax_cross_entropy_with_logits(const Output& labels, const Output& logits,
                                                std::string_view name) {
  const char* op = "SparseSoftmaxCrossEntropyWithLogits";
  Graph& graph = graph_of(op, {labels, logits});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), op};
  expect_floating_dtype(op, logits.dtype());
  const DType dtype = logits.dtype();
  const bool to_float32 = is_reduced_float(dtype);
  Output precise_logits = to_float32 ? cast(logits, DType::kFloat32) : logits;
  const Shape& labels_shape = labels.shape();
  const Shape& logits_shape = logits.shape();
  grad_util::shape_of(
      labels);  // TF's labels_shape (array_ops.shape), used only when reshaping rank > 2
  if (logits_shape.rank() == 0) {
    throw ValueError("Logits cannot be scalars - received shape " + logits_shape.to_string() + ".");
  }
  if (logits_shape.has_known_rank() && labels_shape.has_known_rank() &&
      labels_shape.rank() != logits_shape.rank() - 1) {
    throw ValueError("Rank mismatch: Rank of labels (received " +
                     std::to_string(labels_shape.rank()) +
                     ") should equal rank of logits minus 1 (received " +
                     std::to_string(logits_shape.rank()) + ").");
  }
  if (labels_shape.is_fully_defined() && logits_shape.has_known_rank()) {
    const std::vector<std::int64_t> outer(logits_shape.dims().begin(),
                                          logits_shape.dims().end() - 1);
    const Shape outer_shape(outer);
    if (outer_shape.is_fully_defined() && outer_shape != labels_shape) {
      throw ValueError(
          "Shape mismatch: The shape of labels (received " + labels_shape.to_string() +
          ") should equal the shape of logits except for the last dimension (received " +
          logits_shape.to_string() + ").");
    }
  }
  if (logits_shape.has_known_rank() && logits_shape.rank() != 2) {
    throw ValueError("[" + std::string(op) +
                     "] logits must be rank 2 (batch, classes), got shape " +
                     logits_shape.to_string());
  }
  const std::string op_name = name.empty() ? std::string(op) : std::string(name);
  Output cost =
      make_multi_output_node(graph, op, op_name, {precise_logits, labels},
                             {{"T", precise_logits.dtype()}, {"Tlabels", labels.dtype()}})[0];
  return to_float32 ? cast(cost, dtype) : cost;
}

// tf.nn.dropout(x, rate=rate) as TF1.15 builds it (nn_ops.dropout_v2):
//   rate, Shape (a Const when x's shape is static), random_uniform/{min,max,RandomUniform,sub,mul},
//   random_uniform, sub/x, sub
//   (keep_prob), truediv/x, truediv (scale), GreaterEqual, mul (x * scale), Cast, mul_1.
Output dropout(const Output& x, double rate, std::optional<std::int64_t> seed,
               std::string_view name) {
  Graph& graph = graph_of("dropout", {x});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "dropout"};
  const DType dtype = x.dtype();
  if (!is_floating(dtype)) {
    throw ValueError("x has to be a floating point tensor since it's going to be scaled. Got a " +
                     std::string(dtype_name(dtype)) + " tensor instead.");
  }
  if (!(rate >= 0 && rate < 1)) {
    std::ostringstream text;
    text << "rate must be a scalar tensor or a float in the range [0, 1), got " << rate;
    throw ValueError(text.str());
  }
  if (rate == 0) return x;  // TF returns x itself: nothing to drop
  Output rate_tensor = make_const(graph, number_as(rate, dtype), "rate");
  Output noise_shape = grad_util::shape_of(x);  // array_ops.shape: a Const when x's shape is static
  Output random = random_uniform(noise_shape, dtype, 0.0, 1.0, seed);
  Output keep_prob = number_minus(graph, 1.0, rate_tensor);
  Output scale = number_over(graph, 1.0, keep_prob);
  // `random >= rate` keeps a draw equal to rate, as TF's comment explains.
  Output keep_mask = greater_equal(random, rate_tensor);
  Output scaled = x * scale;
  Output mask = cast(keep_mask, dtype);
  return scaled * mask;
}

}  // namespace varscope::nn
