// Gradient rules of the math ops, written as TF's math_grad.py builds them so the ops under
// "gradients/<op>_grad/" carry TF's names:
//
// - Broadcasting binary ops (Add, Sub, Mul, Maximum, RealDiv) follow TF1: equal, fully defined
//   shapes pass the gradient through; otherwise Shape, Shape_1, BroadcastGradientArgs, then per
//   input Sum over the broadcast axes and Reshape back (SmartBroadcastGradientArgs computes the
//   axes statically when both shapes are fully defined, and skips inputs that need no reduction).
// - Reductions (Sum, Mean, Max) follow TF 2's _SumGrad/_MeanGrad/_MinOrMaxGrad: Reshape + Tile when
//   the shapes are static or all axes are reduced, else reduced_shape (DynamicStitch) +
//   BroadcastTo, so unknown batch dimensions work.
// Deviation: RealDiv uses the realdiv/mul form (TF 2's; TF 1.15 used xdivy/mul_no_nan).
#include <algorithm>
#include <numeric>
#include <optional>
#include <utility>

#include "core/grad/grad_util.h"
#include "core/gradient_registry.h"
#include "core/op_builder.h"
#include "varscope/error.h"
#include "varscope/name_scope.h"
#include "varscope/nn.h"
#include "varscope/ops.h"

namespace varscope {
namespace {

using grad_util::constant_value;
using grad_util::shape_of;

// A shape or axis list that is either known while building (a Python tuple in TF: `values`) or a
// tensor (`tensor` valid).
struct IntsOrTensor {
  std::vector<std::int64_t> values{};
  Output tensor{};

  static IntsOrTensor known(std::vector<std::int64_t> v) { return {std::move(v), Output()}; }
  static IntsOrTensor of(const Output& t) { return {{}, t}; }
};

Output reduce_sum_over(const Output& x, const IntsOrTensor& axes) {
  return axes.tensor.valid() ? reduce_sum(x, axes.tensor) : reduce_sum(x, axes.values);
}

Output reshape_to(const Output& x, const IntsOrTensor& shape) {
  return shape.tensor.valid() ? reshape(x, shape.tensor) : reshape(x, Shape(shape.values));
}

bool shapes_fully_defined_and_equal(const Output& x, const Output& y, const Output& grad) {
  return x.shape().is_fully_defined() && x.shape() == y.shape() && x.shape() == grad.shape();
}

// The axes a gradient of broadcast(s0, s1) is summed over for each operand (the
// BroadcastGradientArgs kernel's rule: an operand's 1 facing a non-1 was broadcast; a dimension
// where both are 1 is reduced for both; equal shapes reduce nothing).
std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> static_broadcast_axes(
    const std::vector<std::int64_t>& s0, const std::vector<std::int64_t>& s1) {
  std::vector<std::int64_t> r0, r1;
  if (s0 == s1) return {r0, r1};
  const std::size_t rank = std::max(s0.size(), s1.size());
  for (std::size_t d = 0; d < rank; ++d) {
    const std::int64_t a = d < rank - s0.size() ? 1 : s0[d - (rank - s0.size())];
    const std::int64_t b = d < rank - s1.size() ? 1 : s1[d - (rank - s1.size())];
    if (a == 1) r0.push_back(static_cast<std::int64_t>(d));
    if (b == 1) r1.push_back(static_cast<std::int64_t>(d));
  }
  return {r0, r1};
}

// One operand's side of TF's SmartBroadcastGradientArgs: its shape, the axes to sum, and whether
// its gradient needs the Sum + Reshape at all.
struct BroadcastSide {
  IntsOrTensor shape{};
  IntsOrTensor axes{};
  bool must_reduce = true;
};

std::pair<BroadcastSide, BroadcastSide> smart_broadcast_gradient_args(const Output& x,
                                                                      const Output& y,
                                                                      const Output& grad) {
  if (!x.shape().is_fully_defined() || !y.shape().is_fully_defined()) {
    Output sx = shape(x);  // shape_internal(optimize=False): always Shape ops
    Output sy = shape(y);
    std::vector<Output> r = broadcast_gradient_args(sx, sy);
    return {{IntsOrTensor::of(sx), IntsOrTensor::of(r[0]), true},
            {IntsOrTensor::of(sy), IntsOrTensor::of(r[1]), true}};
  }
  auto [rx, ry] = static_broadcast_axes(x.shape().dims(), y.shape().dims());
  return {
      {IntsOrTensor::known(x.shape().dims()), IntsOrTensor::known(rx), x.shape() != grad.shape()},
      {IntsOrTensor::known(y.shape().dims()), IntsOrTensor::known(ry), y.shape() != grad.shape()}};
}

// The plain TF1 form (shape(x), shape(y), BroadcastGradientArgs) used by RealDiv and Maximum.
std::pair<BroadcastSide, BroadcastSide> broadcast_gradient_sides(const Output& x, const Output& y) {
  Output sx = shape_of(x);
  Output sy = shape_of(y);
  std::vector<Output> r = broadcast_gradient_args(sx, sy);
  return {{IntsOrTensor::of(sx), IntsOrTensor::of(r[0]), true},
          {IntsOrTensor::of(sy), IntsOrTensor::of(r[1]), true}};
}

Output reduce_to(const Output& g, const BroadcastSide& side) {
  return side.must_reduce ? reshape_to(reduce_sum_over(g, side.axes), side.shape) : g;
}

std::vector<Output> add_grad(Node& op, const std::vector<Output>& grads) {
  const Output& x = op.inputs()[0];
  const Output& y = op.inputs()[1];
  const Output& grad = grads[0];
  if (shapes_fully_defined_and_equal(x, y, grad)) return {grad, grad};
  auto [bx, by] = smart_broadcast_gradient_args(x, y, grad);
  Output gx = reduce_to(grad, bx);
  Output gy = reduce_to(grad, by);
  return {gx, gy};
}

std::vector<Output> sub_grad(Node& op, const std::vector<Output>& grads) {
  const Output& x = op.inputs()[0];
  const Output& y = op.inputs()[1];
  const Output& grad = grads[0];
  if (shapes_fully_defined_and_equal(x, y, grad)) return {grad, -grad};
  auto [bx, by] = smart_broadcast_gradient_args(x, y, grad);
  Output gx = reduce_to(grad, bx);
  Output gy = reduce_to(-grad, by);
  return {gx, gy};
}

std::vector<Output> mul_grad(Node& op, const std::vector<Output>& grads) {
  const Output& x = op.inputs()[0];
  const Output& y = op.inputs()[1];
  const Output& grad = grads[0];
  if (shapes_fully_defined_and_equal(x, y, grad) &&
      (grad.dtype() == DType::kInt32 || grad.dtype() == DType::kFloat32)) {
    Output gx = multiply(grad, y);
    Output gy = multiply(grad, x);
    return {gx, gy};
  }
  auto [bx, by] = smart_broadcast_gradient_args(x, y, grad);
  Output gx = reduce_to(multiply(grad, y), bx);
  Output gy = reduce_to(multiply(x, grad), by);
  return {gx, gy};
}

// d(x/y) = (g / y, -g x / y^2), each summed over its broadcast axes.
std::vector<Output> real_div_grad(Node& op, const std::vector<Output>& grads) {
  const Output& x = op.inputs()[0];
  const Output& y = op.inputs()[1];
  const Output& grad = grads[0];
  auto [bx, by] = broadcast_gradient_sides(x, y);
  Output gx = reduce_to(divide(grad, y), bx);
  Output gy = reduce_to(grad * divide(divide(-x, y), y), by);
  return {gx, gy};
}

// The gradient goes to x where x >= y, else to y (ties go to x), as TF's _MaximumMinimumGrad.
std::vector<Output> maximum_grad(Node& op, const std::vector<Output>& grads) {
  const Output& x = op.inputs()[0];
  const Output& y = op.inputs()[1];
  const Output& grad = grads[0];
  Output sx = shape_of(x);
  Output sy = shape_of(y);
  Output grad_shape = shape_of(grad);
  Output zeros_tensor;
  {
    NameScope ns{std::nullopt, "zeros"};  // array_ops.zeros(shape tensor): Fill of a Const 0
    zeros_tensor = varscope::fill(grad_shape, constant(0.0, grad.dtype(), "Const"), ns.name());
  }
  Output xmask = greater_equal(x, y);
  std::vector<Output> r = broadcast_gradient_args(sx, sy);
  Output gx = reshape(reduce_sum(where(xmask, grad, zeros_tensor), r[0]), sx);
  Output gy = reshape(reduce_sum(where(xmask, zeros_tensor, grad), r[1]), sy);
  return {gx, gy};
}

std::vector<Output> add_n_grad(Node& op, const std::vector<Output>& grads) {
  return std::vector<Output>(op.inputs().size(), grads[0]);
}

std::vector<Output> neg_grad(Node&, const std::vector<Output>& grads) { return {-grads[0]}; }

std::vector<Output> abs_grad(Node& op, const std::vector<Output>& grads) {
  return {grads[0] * sign(op.inputs()[0])};
}

std::vector<Output> square_grad(Node& op, const std::vector<Output>& grads) {
  const Output& x = op.inputs()[0];
  const Output& grad = grads[0];
  // TF: control dependencies so 2 * x is not computed before the gradient is needed.
  ControlDependencies deps{std::vector<Output>{grad}};
  Output two = constant(2.0, x.dtype(), "Const");
  return {multiply(grad, multiply(x, two))};
}

std::vector<Output> sqrt_grad_rule(Node& op, const std::vector<Output>& grads) {
  return {sqrt_grad(op.output(0), grads[0])};
}

std::vector<Output> l2_loss_grad(Node& op, const std::vector<Output>& grads) {
  return {op.inputs()[0] * grads[0]};
}

// Cast between floating dtypes passes the gradient back cast to the source dtype; other casts
// stop it (TF's _CastGrad).
std::vector<Output> cast_grad(Node& op, const std::vector<Output>& grads) {
  const DType src = op.inputs()[0].dtype();
  if (!is_floating(src) || !is_floating(grads[0].dtype())) return {Output()};
  return {cast(grads[0], src)};
}

std::vector<Output> matmul_grad(Node& op, const std::vector<Output>& grads) {
  const bool ta = op.attr_as<bool>("transpose_a");
  const bool tb = op.attr_as<bool>("transpose_b");
  const Output& a = op.inputs()[0];
  const Output& b = op.inputs()[1];
  const Output& grad = grads[0];
  Output ga, gb;
  if (!ta && !tb) {
    ga = matmul(grad, b, false, true);
    gb = matmul(a, grad, true, false);
  } else if (!ta && tb) {
    ga = matmul(grad, b);
    gb = matmul(grad, a, true, false);
  } else if (ta && !tb) {
    ga = matmul(b, grad, false, true);
    gb = matmul(a, grad);
  } else {
    ga = matmul(b, grad, true, true);
    gb = matmul(grad, a, true, true);
  }
  return {ga, gb};
}

// ---- Reductions ---------------------------------------------------------------------------------

// TF's math_ops.reduced_shape(input_shape, axes): the output shape as if keep_dims were set. Known
// while building when both are Consts; otherwise
//   DynamicStitch([range(rank), (axes + rank) % rank], [input_shape, ones(shape(axes))]).
IntsOrTensor reduced_shape(const Output& input_shape, const Output& axes) {
  std::vector<std::int64_t> shape_values, axes_values;
  if (constant_value(input_shape, shape_values) && constant_value(axes, axes_values)) {
    const auto rank = static_cast<std::int64_t>(shape_values.size());
    for (std::int64_t a : axes_values)
      shape_values[static_cast<std::size_t>(a < 0 ? a + rank : a)] = 1;
    return IntsOrTensor::known(std::move(shape_values));
  }
  Output ax = axes.dtype() == DType::kInt32 ? axes : cast(axes, DType::kInt32);
  Output input_rank = size(input_shape);
  ax = grad_util::mod(ax + input_rank, input_rank);
  Output axes_shape = shape_of(ax);
  Output indices = range(std::int64_t{0}, input_rank);
  Output ones_tensor;
  {
    NameScope ns{std::nullopt, "ones"};  // array_ops.ones(shape tensor): Fill of a Const 1
    ones_tensor =
        varscope::fill(axes_shape, constant(1.0, input_shape.dtype(), "Const"), ns.name());
  }
  return IntsOrTensor::of(dynamic_stitch({indices, ax}, {input_shape, ones_tensor}));
}

bool keep_dims_of(const Node& op) {
  return op.has_attr("keep_dims") && op.attr_as<bool>("keep_dims");
}

// d(sum)/dx: the gradient broadcast back over the reduced axes.
Output sum_grad_of(Node& op, const Output& grad_in) {
  const Output& x = op.inputs()[0];
  const Output& axes_input = op.inputs()[1];
  const Shape& in = x.shape();
  Output grad = grad_in;
  std::vector<std::int64_t> axes;
  if (in.has_known_rank() && constant_value(axes_input, axes)) {
    const int rank = in.rank();
    std::vector<std::int64_t> all(static_cast<std::size_t>(rank));
    std::iota(all.begin(), all.end(), 0);
    if (axes == all) {
      // Reducing every axis: Reshape to rank ones, then Tile by the input shape.
      grad = reshape(grad, Shape(std::vector<std::int64_t>(static_cast<std::size_t>(rank), 1)));
      Output input_shape =
          in.is_fully_defined()
              ? constant(builder::index_tensor(in.dims()).cast(DType::kInt32), "Const")
              : shape(x);
      return tile(grad, input_shape);
    }
    if (in.is_fully_defined()) {
      std::vector<std::int64_t> kept = in.dims(), scaling = in.dims();
      for (std::int64_t a : axes) kept[static_cast<std::size_t>(a < 0 ? a + rank : a)] = 1;
      for (std::size_t d = 0; d < kept.size(); ++d)
        scaling[d] = in.dim(static_cast<int>(d)) / std::max<std::int64_t>(kept[d], 1);
      grad = reshape(grad, Shape(kept));
      return tile(grad, scaling);
    }
  }
  Output input_shape = shape_of(x);
  if (!keep_dims_of(op)) grad = reshape_to(grad, reduced_shape(input_shape, axes_input));
  return broadcast_to(grad, input_shape);
}

std::vector<Output> sum_grad(Node& op, const std::vector<Output>& grads) {
  return {sum_grad_of(op, grads[0]), Output()};
}

std::vector<Output> mean_grad(Node& op, const std::vector<Output>& grads) {
  Output sum = sum_grad_of(op, grads[0]);
  const Shape& in = op.inputs()[0].shape();
  const Shape& out = op.output_shape(0);
  Output factor;
  if (in.is_fully_defined() && out.is_fully_defined()) {
    const std::int64_t count = in.num_elements() / std::max<std::int64_t>(out.num_elements(), 1);
    factor = constant(static_cast<double>(count), sum.dtype(), "Const");
  } else {
    Output input_shape = shape_of(op.inputs()[0]);
    Output input_rank = size(input_shape);
    Output axes = op.inputs()[1];
    if (axes.dtype() != input_rank.dtype()) axes = cast(axes, input_rank.dtype());
    axes = grad_util::mod(axes + input_rank, input_rank);
    factor = reduce_prod(gather(input_shape, axes));
  }
  if (factor.dtype() != sum.dtype()) factor = cast(factor, sum.dtype());
  return {sum / factor, Output()};
}

// The gradient of Max goes to the elements equal to the maximum, split evenly between ties.
std::vector<Output> max_grad(Node& op, const std::vector<Output>& grads) {
  const Output& x = op.inputs()[0];
  const Output& axes = op.inputs()[1];
  Output input_shape = shape_of(x);
  Output y = op.output(0);
  Output grad = grads[0];
  IntsOrTensor kept;
  if (!keep_dims_of(op)) {
    kept = reduced_shape(input_shape, axes);
    y = reshape_to(y, kept);
    grad = reshape_to(grad, kept);
  } else {
    kept = IntsOrTensor::of(shape_of(y));
  }
  Output indicators = cast(equal(y, x), grad.dtype());
  Output num_selected = reshape_to(reduce_sum(indicators, axes), kept);
  return {indicators / num_selected * grad, Output()};
}

}  // namespace

void register_math_gradients(GradientRegistry& registry) {
  registry.add("Add", add_grad);
  registry.add("Sub", sub_grad);
  registry.add("Mul", mul_grad);
  registry.add("RealDiv", real_div_grad);
  registry.add("Maximum", maximum_grad);
  registry.add("AddN", add_n_grad);
  registry.add("Neg", neg_grad);
  registry.add("Abs", abs_grad);
  registry.add("Square", square_grad);
  registry.add("Sqrt", sqrt_grad_rule);
  registry.add("L2Loss", l2_loss_grad);
  registry.add("Cast", cast_grad);
  registry.add("MatMul", matmul_grad);
  registry.add("Sum", sum_grad);
  registry.add("Mean", mean_grad);
  registry.add("Max", max_grad);

  // Comparisons, arg-max and Range have no gradient (TF: ops.NotDifferentiable, or None for
  // ArgMax).
  for (const char* op : {"Equal", "GreaterEqual", "ArgMax", "Range"}) {
    registry.add_not_differentiable(op);
  }
}

}  // namespace varscope
