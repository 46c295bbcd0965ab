// Gradient rules of the nn ops, written as TF1.15's nn_grad.py (and, for Exp, ExpandDims and
// PreventGradient, math_grad.py / array_grad.py) so the ops under "gradients/<op>_grad/" carry
// TF's names: "gradients/conv1/Conv2D_grad/ShapeN", ".../Conv2DBackpropInput".
#include <string>

#include "core/grad/grad_util.h"
#include "core/gradient_registry.h"
#include "core/op_builder.h"
#include "varscope/error.h"
#include "varscope/name_scope.h"
#include "varscope/nn.h"
#include "varscope/ops.h"

namespace varscope {
namespace {

using namespace builder;
using grad_util::shape_of;  // TF's array_ops.shape: a Const "Shape" when the shape is static
using Ints = std::vector<std::int64_t>;

template <class T>
T attr_or(const Node& op, std::string_view name, T fallback) {
  return op.has_attr(name) ? op.attr_as<T>(name) : fallback;
}

struct WindowAttrs {
  Ints strides{};
  Ints dilations{};
  Ints ksize{};
  std::string padding{};
};

WindowAttrs window_attrs(const Node& op) {
  WindowAttrs a;
  a.strides = op.attr_as<Ints>("strides");
  a.padding = op.attr_as<std::string>("padding");
  a.dilations = attr_or(op, "dilations", Ints{1, 1, 1, 1});
  a.ksize = attr_or(op, "ksize", Ints{});
  return a;
}

// array_ops.expand_dims(x, axis): the Python int becomes "ExpandDims/dim" inside the op's scope.
Output expand_dims(const Output& x, std::int32_t axis) {
  Graph& graph = graph_of("ExpandDims", {x});
  UseGraph use{graph};
  NameScope ns{std::nullopt, "ExpandDims"};
  Output dim = make_const(graph, Tensor::scalar(axis), "dim");
  return make_node(graph, "ExpandDims", ns.name(), {x, dim},
                   {{"T", x.dtype()}, {"Tdim", DType::kInt32}});
}

// nn_grad._BroadcastMul: vec (D0,) times mat (D0, D1), vec expanded to (D0, 1).
Output broadcast_mul(const Output& vec, const Output& mat) { return expand_dims(vec, -1) * mat; }

std::vector<Output> conv2d_grad(Node& op, const std::vector<Output>& grads) {
  const WindowAttrs a = window_attrs(op);
  const Output& input = op.inputs()[0];
  const Output& filter = op.inputs()[1];
  const std::vector<Output> shapes = shape_n({input, filter});
  return {
      nn::conv2d_backprop_input(shapes[0], filter, grads[0], a.strides, a.padding, a.dilations),
      nn::conv2d_backprop_filter(input, shapes[1], grads[0], a.strides, a.padding, a.dilations)};
}

// Conv2DBackpropInput(input_sizes, filter, dy) is linear in filter and dy.
std::vector<Output> conv2d_backprop_input_grad(Node& op, const std::vector<Output>& grads) {
  const WindowAttrs a = window_attrs(op);
  const Output& filter = op.inputs()[1];
  const Output& dy = op.inputs()[2];
  return {
      Output(),
      nn::conv2d_backprop_filter(grads[0], shape_of(filter), dy, a.strides, a.padding, a.dilations),
      nn::conv2d(grads[0], filter, a.strides, a.padding, a.dilations)};
}

// Conv2DBackpropFilter(input, filter_sizes, dy) is linear in input and dy.
std::vector<Output> conv2d_backprop_filter_grad(Node& op, const std::vector<Output>& grads) {
  const WindowAttrs a = window_attrs(op);
  const Output& input = op.inputs()[0];
  const Output& dy = op.inputs()[2];
  return {
      nn::conv2d_backprop_input(shape_of(input), grads[0], dy, a.strides, a.padding, a.dilations),
      Output(), nn::conv2d(input, grads[0], a.strides, a.padding, a.dilations)};
}

std::vector<Output> bias_add_grad(Node&, const std::vector<Output>& grads) {
  return {grads[0], nn::bias_add_grad(grads[0])};
}

std::vector<Output> max_pool_grad(Node& op, const std::vector<Output>& grads) {
  const WindowAttrs a = window_attrs(op);
  return {nn::max_pool_grad(op.inputs()[0], op.output(0), grads[0], a.ksize, a.strides, a.padding)};
}

std::vector<Output> avg_pool_grad(Node& op, const std::vector<Output>& grads) {
  const WindowAttrs a = window_attrs(op);
  return {nn::avg_pool_grad(shape_of(op.inputs()[0]), grads[0], a.ksize, a.strides, a.padding)};
}

// TF differentiates Relu, Sigmoid and Tanh through their output.
std::vector<Output> relu_grad(Node& op, const std::vector<Output>& grads) {
  return {nn::relu_grad(grads[0], op.output(0))};
}

std::vector<Output> sigmoid_grad(Node& op, const std::vector<Output>& grads) {
  return {nn::sigmoid_grad(op.output(0), grads[0])};
}

std::vector<Output> tanh_grad(Node& op, const std::vector<Output>& grads) {
  return {nn::tanh_grad(op.output(0), grads[0])};
}

// (grad - sum(grad * softmax, -1)) * softmax.
std::vector<Output> softmax_grad(Node& op, const std::vector<Output>& grads) {
  const Output softmax = op.output(0);
  const Output sum_channels = reduce_sum(grads[0] * softmax, Ints{-1}, /*keepdims=*/true);
  return {(grads[0] - sum_channels) * softmax};
}

// grad - sum(grad, -1) * exp(log_softmax).
std::vector<Output> log_softmax_grad(Node& op, const std::vector<Output>& grads) {
  const Output softmax = unary("Exp", op.output(0), "Exp");
  return {grads[0] - reduce_sum(grads[0], Ints{-1}, /*keepdims=*/true) * softmax};
}

std::vector<Output> exp_grad(Node& op, const std::vector<Output>& grads) {
  return {grads[0] * op.output(0)};
}

// d(loss)/d(logits) = grad_loss[:, None] * backprop (the op's second output); d/d(labels) =
// grad_loss[:, None] * -log_softmax(logits). A gradient reaching the backprop output itself
// (second derivatives) adds (g - sum(g * softmax, -1)) * softmax, TF's matmul/squeeze form of it.
std::vector<Output> softmax_xent_grad(Node& op, const std::vector<Output>& grads) {
  const Output& logits = op.inputs()[0];
  const bool has_loss_grad = grads[0].valid();
  Output grad = has_loss_grad ? broadcast_mul(grads[0], op.output(1)) : Output();
  if (grads.size() > 1 && grads[1].valid()) {
    const Output softmax = nn::softmax(logits);
    const Output projected = reduce_sum(grads[1] * softmax, Ints{-1}, /*keepdims=*/true);
    const Output second = (grads[1] - projected) * softmax;
    grad = has_loss_grad ? grad + second : second;
  }
  if (!has_loss_grad) return {grad, Output()};
  return {grad, broadcast_mul(grads[0], -nn::log_softmax(logits))};
}

std::vector<Output> sparse_softmax_xent_grad(Node& op, const std::vector<Output>& grads) {
  // TF forbids second derivatives here: the fused backprop output is not differentiable.
  // TF ignores a gradient reaching the backprop output (the rule's `_` argument).
  if (!grads[0].valid()) return {Output(), Output()};
  Graph& graph = op.graph();
  const Output backprop = make_node(
      graph, "PreventGradient", "PreventGradient", {op.output(1)},
      {{"T", op.output_dtype(1)},
       {"message",
        std::string("Currently there is no way to take the second derivative of "
                    "sparse_softmax_cross_entropy_with_logits due to the fused implementation's "
                    "interaction with tf.gradients()")}});
  return {broadcast_mul(grads[0], backprop), Output()};
}

std::vector<Output> prevent_gradient_grad(Node& op, const std::vector<Output>&) {
  throw NotFoundError("Gradient explicitly disabled. Reason: " +
                      op.attr_as<std::string>("message"));
}

// ExpandDims only adds a 1: reshape the gradient back to the input's run-time shape.
std::vector<Output> expand_dims_grad(Node& op, const std::vector<Output>& grads) {
  return {reshape(grads[0], shape_of(op.inputs()[0])), Output()};
}

}  // namespace

void register_nn_gradients(GradientRegistry& registry) {
  registry.add("Conv2D", conv2d_grad);
  registry.add("Conv2DBackpropInput", conv2d_backprop_input_grad);
  registry.add("Conv2DBackpropFilter", conv2d_backprop_filter_grad);
  registry.add("BiasAdd", bias_add_grad);
  registry.add("MaxPool", max_pool_grad);
  registry.add("AvgPool", avg_pool_grad);
  registry.add("Relu", relu_grad);
  registry.add("Sigmoid", sigmoid_grad);
  registry.add("Tanh", tanh_grad);
  registry.add("Softmax", softmax_grad);
  registry.add("LogSoftmax", log_softmax_grad);
  registry.add("SoftmaxCrossEntropyWithLogits", softmax_xent_grad);
  registry.add("SparseSoftmaxCrossEntropyWithLogits", sparse_softmax_xent_grad);
  // The helper ops the rules above build (ops registered in core/ops/nn_ops.cpp).
  registry.add("Exp", exp_grad);
  registry.add("ExpandDims", expand_dims_grad);
  registry.add("PreventGradient", prevent_gradient_grad);
}

}  // namespace varscope
