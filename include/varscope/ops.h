// Graph op builders, named as TF1 names them ("Add", "add" for `a + b`, "MatMul", "Sum").
//
// Each builder creates a node in the default graph (the graph of its inputs), validates its
// inputs and infers its output shape, throwing InvalidArgumentError that names the op and node:
//   "[Add] node 'tower/Add': incompatible shapes (2, 3) and (4,)".
// `name` is relative to the current name scope and uniquified; a trailing "/" uses it verbatim.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

#include "varscope/graph.h"
#include "varscope/variable.h"

namespace varscope {

/// Const: a host value baked into the graph.
Output constant(const Tensor& value, std::string_view name = "Const");
/// A scalar Const of `dtype` holding `value`.
Output constant(double value, DType dtype, std::string_view name = "Const");
/// Placeholder: a value fed at run time; `shape` may be partial.
Output placeholder(DType dtype, const Shape& shape = Shape::unknown(), std::string_view name = "Placeholder");
/// NoOp: does nothing; useful as a target with control inputs.
Node* no_op(std::string_view name = "NoOp");
/// A NoOp depending on every input (tf.group).
Node* group(const std::vector<Node*>& ops, std::string_view name = "group_deps");

Output identity(const Output& x, std::string_view name = "Identity");
/// Element-wise with NumPy broadcasting; both inputs must have the same dtype.
Output add(const Output& x, const Output& y, std::string_view name = "Add");
Output subtract(const Output& x, const Output& y, std::string_view name = "Sub");
Output multiply(const Output& x, const Output& y, std::string_view name = "Mul");
Output maximum(const Output& x, const Output& y, std::string_view name = "Maximum");
/// Sum of same-shaped tensors (tf.add_n).
Output add_n(const std::vector<Output>& inputs, std::string_view name = "AddN");
Output abs(const Output& x, std::string_view name = "Abs");
Output square(const Output& x, std::string_view name = "Square");
Output cast(const Output& x, DType dtype, std::string_view name = "Cast");

/// Sum / Mean over `axis` (all axes when nullopt; negative axes count from the end).
Output reduce_sum(const Output& x, std::optional<std::vector<std::int64_t>> axis = std::nullopt,
                  bool keepdims = false, std::string_view name = "Sum");
Output reduce_mean(const Output& x, std::optional<std::vector<std::int64_t>> axis = std::nullopt,
                   bool keepdims = false, std::string_view name = "Mean");
/// sum(x^2) / 2 as a scalar.
Output l2_loss(const Output& x, std::string_view name = "L2Loss");

/// A tensor of `shape` filled with the scalar `value` (tf.fill).
Output fill(const Shape& shape, const Output& value, std::string_view name = "Fill");
Output zeros(const Shape& shape, DType dtype = DType::kFloat32, std::string_view name = "zeros");
Output ones(const Shape& shape, DType dtype = DType::kFloat32, std::string_view name = "ones");
/// ConcatV2 along `axis`.
Output concat(const std::vector<Output>& values, std::int64_t axis, std::string_view name = "concat");
/// Slice: `size[i]` = -1 takes the rest of dimension i.
Output slice(const Output& x, const std::vector<std::int64_t>& begin, const std::vector<std::int64_t>& size,
             std::string_view name = "Slice");
Output reshape(const Output& x, const Shape& shape, std::string_view name = "Reshape");

/// Random tensors (Philox; seeds as tf.set_random_seed + op seed). Floating dtypes only.
Output random_uniform(const Shape& shape, DType dtype = DType::kFloat32, double minval = 0.0, double maxval = 1.0,
                      std::optional<std::int64_t> seed = std::nullopt, std::string_view name = "random_uniform");
Output random_normal(const Shape& shape, DType dtype = DType::kFloat32, double mean = 0.0, double stddev = 1.0,
                     std::optional<std::int64_t> seed = std::nullopt, std::string_view name = "random_normal");
Output truncated_normal(const Shape& shape, DType dtype = DType::kFloat32, double mean = 0.0, double stddev = 1.0,
                        std::optional<std::int64_t> seed = std::nullopt,
                        std::string_view name = "truncated_normal");

/// Assign: writes `value` into `variable`; the output is the new value.
Output assign(const Variable& variable, const Output& value, bool validate_shape = true,
              std::string_view name = "Assign");

// ---- Math and array ops for training (issue 3) ----

/// x / y with broadcasting (TF's RealDiv; `a / b` makes "truediv"). Floating dtypes.
Output divide(const Output& x, const Output& y, std::string_view name = "RealDiv");
Output negative(const Output& x, std::string_view name = "Neg");
Output sqrt(const Output& x, std::string_view name = "Sqrt");
/// Element-wise comparisons with broadcasting; bool output.
Output equal(const Output& x, const Output& y, std::string_view name = "Equal");
Output greater_equal(const Output& x, const Output& y, std::string_view name = "GreaterEqual");
/// Max over `axis` (all axes when nullopt).
Output reduce_max(const Output& x, std::optional<std::vector<std::int64_t>> axis = std::nullopt,
                  bool keepdims = false, std::string_view name = "Max");
/// ArgMax along `axis`; int64 output (TF's output_type default).
Output argmax(const Output& x, std::int64_t axis, std::string_view name = "ArgMax");
/// MatMul of rank-2 tensors, optionally transposing either operand.
Output matmul(const Output& a, const Output& b, bool transpose_a = false, bool transpose_b = false,
              std::string_view name = "MatMul");
/// Transpose by the permutation `perm` (an int32 Const "transpose/perm"); an empty `perm` reverses
/// the dimensions (TF's perm=None; the rank must be known).
Output transpose(const Output& x, const std::vector<std::int64_t>& perm, std::string_view name = "transpose");
/// Transpose with a computed permutation (an int32 vector).
Output transpose(const Output& x, const Output& perm, std::string_view name = "transpose");
/// The run-time shape of x as an int32 vector (tf.shape).
Output shape(const Output& x, DType out_type = DType::kInt32, std::string_view name = "Shape");
/// Reshape to a computed shape (an int32/int64 vector; one entry may be -1).
Output reshape(const Output& x, const Output& shape, std::string_view name = "Reshape");
/// Fill with a computed shape.
Output fill(const Output& dims, const Output& value, std::string_view name = "Fill");
/// tf.zeros_like / tf.ones_like (ops ZerosLike / OnesLike).
Output zeros_like(const Output& x, std::string_view name = "zeros_like");
Output ones_like(const Output& x, std::string_view name = "ones_like");
/// BroadcastGradientArgs(s0, s1) -> (r0, r1): the axes to sum a broadcast gradient over so it
/// matches shape s0 (r0) and s1 (r1). Returns both outputs.
std::vector<Output> broadcast_gradient_args(const Output& s0, const Output& s1,
                                            std::string_view name = "BroadcastGradientArgs");
/// Sum with computed axes (an int32 vector).
Output reduce_sum(const Output& x, const Output& axis, bool keepdims = false, std::string_view name = "Sum");
/// Uniform random values of a computed shape (int32 vector), [minval, maxval).
Output random_uniform(const Output& shape, DType dtype = DType::kFloat32, double minval = 0.0, double maxval = 1.0,
                      std::optional<std::int64_t> seed = std::nullopt, std::string_view name = "random_uniform");

// Braced lists of numbers: `reduce_sum(x, {0})`, `transpose(x, {0, 2, 1})`. Without these, a list
// starting with a literal 0 would also read as an Output (a null Node*) and be ambiguous.
Output reduce_sum(const Output& x, std::initializer_list<std::int64_t> axis, bool keepdims = false,
                  std::string_view name = "Sum");
Output reduce_mean(const Output& x, std::initializer_list<std::int64_t> axis, bool keepdims = false,
                   std::string_view name = "Mean");
Output reduce_max(const Output& x, std::initializer_list<std::int64_t> axis, bool keepdims = false,
                  std::string_view name = "Max");
Output reduce_prod(const Output& x, std::initializer_list<std::int64_t> axis, bool keepdims = false,
                   std::string_view name = "Prod");
Output transpose(const Output& x, std::initializer_list<std::int64_t> perm, std::string_view name = "transpose");
Output tile(const Output& input, std::initializer_list<std::int64_t> multiples, std::string_view name = "Tile");

// ---- Ops that gradient rules build (TF's public ops of the same names) ----

/// tf.reduce_prod: Prod over `axis` (all axes when nullopt).
Output reduce_prod(const Output& x, std::optional<std::vector<std::int64_t>> axis = std::nullopt,
                   bool keepdims = false, std::string_view name = "Prod");
/// tf.math.floormod: x - floor(x / y) * y with broadcasting (op FloorMod); an integer y of 0 fails at run time.
Output floormod(const Output& x, const Output& y, std::string_view name = "FloorMod");
/// tf.sign: -1, 0 or 1 per element (op Sign).
Output sign(const Output& x, std::string_view name = "Sign");
/// The gradient of sqrt: dy * 0.5 / y, y = sqrt(x) (op SqrtGrad).
Output sqrt_grad(const Output& y, const Output& dy, std::string_view name = "SqrtGrad");
/// tf.compat.v1.where(condition, x, y) (op Select): x where condition, else y. condition has x's
/// shape, is a vector as long as x's first dimension, or is a scalar.
Output where(const Output& condition, const Output& x, const Output& y, std::string_view name = "Select");
/// tf.range(start, limit, delta) over scalar tensors of one dtype (op Range, default name "range").
Output range(const Output& start, const Output& limit, const Output& delta, std::string_view name = "range");
/// tf.range(start, limit, delta) with number bounds: Consts "range/start" and "range/delta" of limit's dtype.
Output range(std::int64_t start, const Output& limit, std::int64_t delta = 1, std::string_view name = "range");
/// tf.size / tf.rank: a Const when statically known (TF's optimize=True), else ops Size / Rank.
Output size(const Output& x, DType out_type = DType::kInt32, std::string_view name = "Size");
Output rank(const Output& x, std::string_view name = "Rank");
/// tf.shape_n: the shapes of several tensors from one op (ShapeN).
std::vector<Output> shape_n(const std::vector<Output>& inputs, DType out_type = DType::kInt32,
                            std::string_view name = "ShapeN");
/// tf.tile: input repeated multiples[i] times along dimension i (Const "Tile/multiples" for a list).
Output tile(const Output& input, const std::vector<std::int64_t>& multiples, std::string_view name = "Tile");
Output tile(const Output& input, const Output& multiples, std::string_view name = "Tile");
/// tf.broadcast_to: input broadcast (NumPy rules) to `shape`, an int vector.
Output broadcast_to(const Output& input, const Output& shape, std::string_view name = "BroadcastTo");
/// tf.pad with zeros: `paddings` is an int [rank, 2] tensor of (before, after) counts.
Output pad(const Output& input, const Output& paddings, std::string_view name = "Pad");
/// tf.gather(params, indices, axis) (op GatherV2 with Const "GatherV2/axis"); indices must be in range.
Output gather(const Output& params, const Output& indices, std::int64_t axis = 0, std::string_view name = "GatherV2");
/// tf.stack: N same-shaped tensors along a new dimension `axis` (op Pack, default name "stack").
Output stack(const std::vector<Output>& values, std::int64_t axis = 0, std::string_view name = "stack");
/// tf.dynamic_stitch: merged[indices[i][j...], ...] = data[i][j..., ...]; int32 indices.
Output dynamic_stitch(const std::vector<Output>& indices, const std::vector<Output>& data,
                      std::string_view name = "DynamicStitch");
/// tf.math.invert_permutation: y[x[i]] = i.
Output invert_permutation(const Output& x, std::string_view name = "InvertPermutation");
/// ConcatOffset(concat_dim, shapes): where each of N concatenated inputs starts (ConcatV2's gradient).
std::vector<Output> concat_offset(const Output& concat_dim, const std::vector<Output>& shapes,
                                  std::string_view name = "ConcatOffset");

/// AssignAdd / AssignSub: variable += value / -= value in place; the output is the new value.
Output assign_add(const Variable& variable, const Output& value, std::string_view name = "AssignAdd");
Output assign_sub(const Variable& variable, const Output& value, std::string_view name = "AssignSub");

// Python operators: `a + b` is an op named "add", `a * 2` makes "mul" with a Const "mul/y".
Output operator+(const Output& x, const Output& y);
Output operator-(const Output& x, const Output& y);
Output operator*(const Output& x, const Output& y);
Output operator+(const Output& x, double y);
Output operator-(const Output& x, double y);
Output operator*(const Output& x, double y);
Output operator+(double x, const Output& y);
Output operator*(double x, const Output& y);
/// `a / b` makes "truediv" (RealDiv); `-a` makes "Neg".
Output operator/(const Output& x, const Output& y);
Output operator/(const Output& x, double y);
Output operator-(const Output& x);

}  // namespace varscope
