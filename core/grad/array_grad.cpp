// Gradient rules of the array ops, written as TF's array_grad.py builds them (op names under
// "gradients/<op>_grad/" match TF): Reshape back to the input shape, ConcatV2 by ConcatOffset +
// Slice, Slice by Pad, Fill by summing, Transpose by the inverse permutation.
#include <algorithm>
#include <optional>
#include <utility>

#include "core/grad/grad_util.h"
#include "core/gradient_registry.h"
#include "core/op_builder.h"
#include "varscope/name_scope.h"
#include "varscope/nn.h"
#include "varscope/ops.h"

namespace varscope {

namespace {

using grad_util::shape_of;

std::vector<Output> identity_grad(Node&, const std::vector<Output>& grads) { return {grads[0]}; }

// Back to the input's shape: a Const shape with one -1 when exactly one dimension is unknown
// (no run-time Shape needed), else shape(x).
std::vector<Output> reshape_grad(Node& op, const std::vector<Output>& grads) {
  const Output& x = op.inputs()[0];
  const Shape& in = x.shape();
  if (in.has_known_rank() && !in.is_fully_defined()) {
    std::vector<std::int64_t> dims = in.dims();
    const auto unknown = std::count(dims.begin(), dims.end(), Shape::kUnknownDim);
    const bool has_zero = std::count(dims.begin(), dims.end(), 0) > 0;
    if (unknown == 1 && !has_zero) return {reshape(grads[0], Shape(dims)), Output()};
  }
  return {reshape(grads[0], shape_of(x)), Output()};
}

// Slice(grad, begin, size) with computed begin and size (gen_array_ops.slice).
Output slice_by(const Output& x, const Output& begin, const Output& size) {
  Graph& graph = builder::graph_of("Slice", {x, begin, size});
  return builder::make_node(graph, "Slice", "Slice", {x, begin, size},
                            {{"T", x.dtype()}, {"Index", begin.dtype()}});
}

// Each value's gradient is its slice of the output gradient: offsets from ConcatOffset, sizes from
// the value shapes (Consts when known, else one ShapeN).
std::vector<Output> concat_grad(Node& op, const std::vector<Output>& grads) {
  const std::size_t n = op.inputs().size() - 1;  // values..., axis
  std::vector<Output> result;
  if (n == 1) return {grads[0], Output()};
  const Output& axis = op.inputs()[n];
  std::vector<Output> values(op.inputs().begin(),
                             op.inputs().begin() + static_cast<std::ptrdiff_t>(n));
  Output non_neg_axis = grad_util::mod(axis, rank(values[0]));
  std::vector<Output> sizes;
  for (const Output& v : values) {
    Output s = shape_of(v);
    if (s.node->op() != "Const") {
      sizes = shape_n(values);  // TF leaves the Shape ops made so far unused
      break;
    }
    sizes.push_back(s);
  }
  std::vector<Output> offsets = concat_offset(non_neg_axis, sizes);
  for (std::size_t i = 0; i < n; ++i) result.push_back(slice_by(grads[0], offsets[i], sizes[i]));
  result.emplace_back();  // the axis
  return result;
}

// Pads the gradient back to the input shape: paddings [rank, 2] = (begin, input - size - begin).
std::vector<Output> slice_grad(Node& op, const std::vector<Output>& grads) {
  const Output& x = op.inputs()[0];
  const Output& begin = op.inputs()[1];
  Output input_rank = rank(x);
  Output slice_size = shape_of(op.output(0), begin.dtype());
  Output pair_shape;
  {
    // tf.stack([input_rank, 1]): the number becomes Const "stack/1" (ops' autopacking).
    NameScope ns{std::nullopt, "stack"};
    Output one = constant(1.0, DType::kInt32, "1");
    pair_shape = stack({input_rank, one}, 0, ns.name());
  }
  Output before = reshape(begin, pair_shape);
  Output after = reshape(shape_of(x, begin.dtype()) - slice_size - begin, pair_shape);
  Output paddings = concat({before, after}, 1);
  return {pad(grads[0], paddings), Output(), Output()};
}

// Fill's value was copied to every element: its gradient is the sum; the dims get none.
std::vector<Output> fill_grad(Node&, const std::vector<Output>& grads) {
  return {Output(), reduce_sum(grads[0])};
}

std::vector<Output> transpose_grad(Node& op, const std::vector<Output>& grads) {
  return {transpose(grads[0], invert_permutation(op.inputs()[1])), Output()};
}

}  // namespace

void register_array_gradients(GradientRegistry& registry) {
  registry.add("Identity", identity_grad);
  registry.add("Reshape", reshape_grad);
  registry.add("ConcatV2", concat_grad);
  registry.add("Slice", slice_grad);
  registry.add("Fill", fill_grad);
  registry.add("Transpose", transpose_grad);
  registry.add_not_differentiable("StopGradient");
  registry.add_not_differentiable("Shape");
  // Values computed from shapes or random state carry no gradient (TF: ops.NotDifferentiable).
  for (const char* op :
       {"ZerosLike", "OnesLike", "BroadcastGradientArgs", "InvertPermutation", "ShapeN", "Size",
        "Rank", "ConcatOffset", "RandomUniform", "RandomStandardNormal", "TruncatedNormal"}) {
    registry.add_not_differentiable(op);
  }
}

}  // namespace varscope
