// OpDefs of the math ops: Add, Sub, Mul, Maximum (NumPy broadcasting), AddN, Abs, Square, Sum,
// Mean (reductions over Const axes, negative axes allowed, keep_dims) and L2Loss. Inputs of one
// op share one dtype; errors name both operands' dtypes or shapes.
#include <string>
#include <vector>

#include "core/op_def.h"
#include "core/ops/shape_fns.h"

namespace varscope {
namespace {

using namespace shape_fns;

void infer_binary(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_same_dtype(ctx, 0, 1);
  const DType dtype = ctx.input_dtype(0);
  expect_numeric(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  ctx.add_output(dtype, broadcast(ctx, ctx.input_shape(0), ctx.input_shape(1)));
}

void infer_add_n(InferenceContext& ctx) {
  const int n = ctx.num_inputs();
  if (n < 1) ctx.fail("expects at least 1 input, got 0");
  if (ctx.has_attr("N") && ctx.attr<std::int64_t>("N") != n) {
    ctx.fail("attr N=" + std::to_string(ctx.attr<std::int64_t>("N")) + " but " + std::to_string(n) +
             " inputs were given");
  }
  const DType dtype = ctx.input_dtype(0);
  expect_numeric(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  Shape shape = ctx.input_shape(0);
  for (int i = 1; i < n; ++i) {
    expect_same_dtype(ctx, 0, i);
    if (!shape.is_compatible_with(ctx.input_shape(i))) {
      ctx.fail("incompatible shapes " + shape.to_string() + " and " + ctx.input_shape(i).to_string());
    }
    shape = shape.merge_with(ctx.input_shape(i));
  }
  ctx.add_output(dtype, shape);
}

void infer_unary(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  const DType dtype = ctx.input_dtype(0);
  expect_numeric(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  ctx.add_output(dtype, ctx.input_shape(0));
}

void infer_reduction(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  const DType dtype = ctx.input_dtype(0);
  expect_numeric(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  expect_index_dtype(ctx, 1, "reduction_indices");
  check_dtype_attr(ctx, "Tidx", ctx.input_dtype(1));
  const Shape& indices_shape = ctx.input_shape(1);
  if (indices_shape.rank() > 1) {
    ctx.fail("reduction_indices must be a scalar or 1-D, got shape " + indices_shape.to_string());
  }
  const bool keep_dims = attr_or(ctx, "keep_dims", false);
  const Shape& in = ctx.input_shape(0);
  auto axes = constant_ints(ctx, 1);
  if (!in.has_known_rank()) {
    ctx.add_output(dtype, Shape::unknown());
    return;
  }
  const int rank = in.rank();
  if (!axes) {
    // Which axes go is unknown: with keep_dims the rank stays, otherwise nothing is known.
    ctx.add_output(dtype, keep_dims ? unknown_dims(rank) : Shape::unknown());
    return;
  }
  std::vector<bool> reduced(static_cast<std::size_t>(rank), false);
  for (std::int64_t axis : *axes) {
    if (axis < -rank || axis >= rank) {
      ctx.fail("reduction axis " + std::to_string(axis) + " is out of range for input shape " + in.to_string());
    }
    reduced[static_cast<std::size_t>(axis < 0 ? axis + rank : axis)] = true;
  }
  std::vector<std::int64_t> dims;
  for (int d = 0; d < rank; ++d) {
    if (!reduced[static_cast<std::size_t>(d)]) {
      dims.push_back(in.dim(d));
    } else if (keep_dims) {
      dims.push_back(1);
    }
  }
  ctx.add_output(dtype, Shape(std::move(dims)));
}

void infer_l2_loss(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  const DType dtype = ctx.input_dtype(0);
  expect_floating(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  ctx.add_output(dtype, Shape{});
}

}  // namespace

void register_math_ops(OpRegistry& registry) {
  registry.add({.name = "Add", .infer = infer_binary});
  registry.add({.name = "Sub", .infer = infer_binary});
  registry.add({.name = "Mul", .infer = infer_binary});
  registry.add({.name = "Maximum", .infer = infer_binary});
  registry.add({.name = "AddN", .infer = infer_add_n});
  registry.add({.name = "Abs", .infer = infer_unary});
  registry.add({.name = "Square", .infer = infer_unary});
  registry.add({.name = "Sum", .infer = infer_reduction});
  registry.add({.name = "Mean", .infer = infer_reduction});
  registry.add({.name = "L2Loss", .infer = infer_l2_loss});
}

}  // namespace varscope
