// OpDefs of the math ops: element-wise Add, Sub, Mul, Maximum, RealDiv, FloorMod and the
// comparisons Equal, GreaterEqual (NumPy broadcasting); AddN, Select; unary Abs, Square, Neg, Sign,
// Sqrt and SqrtGrad; reductions Sum, Mean, Prod, Max (axes from a Const when known, negative axes
// allowed, keep_dims), ArgMax, L2Loss; MatMul; Range. Inputs of one op share one dtype; errors name
// both operands' dtypes or shapes.
#include <cmath>
#include <sstream>
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

// RealDiv: true division is defined for floating dtypes only (a / b on integers casts in TF).
void infer_binary_floating(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_same_dtype(ctx, 0, 1);
  const DType dtype = ctx.input_dtype(0);
  expect_floating(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  ctx.add_output(dtype, broadcast(ctx, ctx.input_shape(0), ctx.input_shape(1)));
}

// Equal, GreaterEqual: broadcasting like the arithmetic ops, bool output. Equal also takes bools.
void infer_comparison(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_same_dtype(ctx, 0, 1);
  const DType dtype = ctx.input_dtype(0);
  if (!(ctx.op() == "Equal" && dtype == DType::kBool)) expect_numeric(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  ctx.add_output(DType::kBool, broadcast(ctx, ctx.input_shape(0), ctx.input_shape(1)));
}

// Select(condition, t, e) (tf.compat.v1.where): t and e share dtype and shape; condition is bool
// and has that shape, is a vector as long as its first dimension, or is a scalar.
void infer_select(InferenceContext& ctx) {
  ctx.expect_num_inputs(3);
  if (ctx.input_dtype(0) != DType::kBool) {
    ctx.fail("condition must be bool, got " + std::string(dtype_name(ctx.input_dtype(0))));
  }
  expect_same_dtype(ctx, 1, 2);
  check_dtype_attr(ctx, "T", ctx.input_dtype(1));
  const Shape& t = ctx.input_shape(1);
  const Shape& e = ctx.input_shape(2);
  if (!t.is_compatible_with(e)) ctx.fail("t and e have incompatible shapes " + t.to_string() + " and " + e.to_string());
  const Shape out = t.merge_with(e);
  const Shape& c = ctx.input_shape(0);
  if (c.has_known_rank() && out.has_known_rank() && c.rank() != 0 && !c.is_compatible_with(out)) {
    const bool vector_ok = c.rank() == 1 && out.rank() >= 1 && Shape{c.dim(0)}.is_compatible_with(Shape{out.dim(0)});
    if (!vector_ok) {
      ctx.fail("condition of shape " + c.to_string() + " must be a scalar, a vector matching the first dimension of " +
               out.to_string() + ", or have that shape");
    }
  }
  ctx.add_output(ctx.input_dtype(1), out);
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

void infer_unary_floating(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  const DType dtype = ctx.input_dtype(0);
  expect_floating(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  ctx.add_output(dtype, ctx.input_shape(0));
}

// SqrtGrad(y, dy) = dy * 0.5 / y: y and dy have the same dtype and shape (no broadcasting).
void infer_unary_grad(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_same_dtype(ctx, 0, 1);
  const DType dtype = ctx.input_dtype(0);
  expect_floating(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  const Shape& y = ctx.input_shape(0);
  const Shape& dy = ctx.input_shape(1);
  if (!y.is_compatible_with(dy)) {
    ctx.fail("y and dy have incompatible shapes " + y.to_string() + " and " + dy.to_string());
  }
  ctx.add_output(dtype, y.merge_with(dy));
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

// ArgMax(input, dimension): the index of the largest value along `dimension` (a scalar), which
// the output drops; output_type int64 (default) or int32.
void infer_argmax(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  const DType dtype = ctx.input_dtype(0);
  expect_numeric(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  expect_index_dtype(ctx, 1, "dimension");
  expect_rank(ctx, 1, 0, "dimension");
  check_dtype_attr(ctx, "Tidx", ctx.input_dtype(1));
  const DType out_type = attr_or(ctx, "output_type", DType::kInt64);
  if (out_type != DType::kInt32 && out_type != DType::kInt64) {
    ctx.fail("output_type must be int32 or int64, got " + std::string(dtype_name(out_type)));
  }
  const Shape& in = ctx.input_shape(0);
  auto axis = constant_ints(ctx, 1);
  if (!in.has_known_rank()) {
    ctx.add_output(out_type, Shape::unknown());
    return;
  }
  const int rank = in.rank();
  if (rank == 0) ctx.fail("input must have rank >= 1, got a scalar");
  if (!axis) {
    ctx.add_output(out_type, unknown_dims(rank - 1));
    return;
  }
  const std::int64_t a = axis->at(0);
  if (a < -rank || a >= rank) {
    ctx.fail("dimension " + std::to_string(a) + " is out of range for input shape " + in.to_string());
  }
  std::vector<std::int64_t> dims = in.dims();
  dims.erase(dims.begin() + (a < 0 ? a + rank : a));
  ctx.add_output(out_type, Shape(std::move(dims)));
}

// MatMul(a, b): rank-2 operands, transpose_a / transpose_b applied before multiplying.
void infer_matmul(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_same_dtype(ctx, 0, 1);
  const DType dtype = ctx.input_dtype(0);
  expect_numeric(ctx, dtype);
  check_dtype_attr(ctx, "T", dtype);
  expect_rank(ctx, 0, 2, "a");
  expect_rank(ctx, 1, 2, "b");
  const bool ta = attr_or(ctx, "transpose_a", false);
  const bool tb = attr_or(ctx, "transpose_b", false);
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  const std::int64_t m = a.has_known_rank() ? a.dim(ta ? 1 : 0) : Shape::kUnknownDim;
  const std::int64_t ka = a.has_known_rank() ? a.dim(ta ? 0 : 1) : Shape::kUnknownDim;
  const std::int64_t kb = b.has_known_rank() ? b.dim(tb ? 1 : 0) : Shape::kUnknownDim;
  const std::int64_t n = b.has_known_rank() ? b.dim(tb ? 0 : 1) : Shape::kUnknownDim;
  if (ka >= 0 && kb >= 0 && ka != kb) {
    ctx.fail(std::string("inner dimensions differ: a ") + a.to_string() + (ta ? " transposed" : "") + " and b " +
             b.to_string() + (tb ? " transposed" : "") + " give " + std::to_string(ka) + " and " + std::to_string(kb));
  }
  ctx.add_output(dtype, Shape{m, n});
}

// Range(start, limit, delta): scalars of one dtype; the length is known when all three are Consts.
void infer_range(InferenceContext& ctx) {
  ctx.expect_num_inputs(3);
  expect_same_dtype(ctx, 0, 1);
  expect_same_dtype(ctx, 0, 2);
  const DType dtype = ctx.input_dtype(0);
  if (dtype != DType::kInt32 && dtype != DType::kInt64 && dtype != DType::kFloat32 && dtype != DType::kFloat64) {
    ctx.fail("dtype " + std::string(dtype_name(dtype)) + " is not supported (needs int32, int64, float32 or float64)");
  }
  check_dtype_attr(ctx, "Tidx", dtype);
  expect_rank(ctx, 0, 0, "start");
  expect_rank(ctx, 1, 0, "limit");
  expect_rank(ctx, 2, 0, "delta");
  Tensor values[3] = {ctx.constant_input(0), ctx.constant_input(1), ctx.constant_input(2)};
  if (!values[0].defined() || !values[1].defined() || !values[2].defined()) {
    ctx.add_output(dtype, Shape{Shape::kUnknownDim});
    return;
  }
  const double start = values[0].item<double>(), limit = values[1].item<double>(), delta = values[2].item<double>();
  if (delta == 0) ctx.fail("delta must not be 0");
  if ((delta > 0 && start > limit) || (delta < 0 && start < limit)) {
    std::ostringstream text;
    text << "start " << start << " and limit " << limit << " are in the wrong order for delta " << delta;
    ctx.fail(text.str());
  }
  // TF's size: (|limit - start| + |delta| - 1) / |delta| for integers, ceil(|(limit - start) / delta|) else.
  const auto size =
      is_integer(dtype)
          ? static_cast<std::int64_t>((std::abs(limit - start) + std::abs(delta) - 1) / std::abs(delta))
          : static_cast<std::int64_t>(std::ceil(std::abs((limit - start) / delta)));
  ctx.add_output(dtype, Shape{size});
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

  registry.add({.name = "RealDiv", .infer = infer_binary_floating});
  registry.add({.name = "FloorMod", .infer = infer_binary});
  registry.add({.name = "Equal", .infer = infer_comparison});
  registry.add({.name = "GreaterEqual", .infer = infer_comparison});
  registry.add({.name = "Select", .infer = infer_select});
  registry.add({.name = "Neg", .infer = infer_unary});
  registry.add({.name = "Sign", .infer = infer_unary});
  registry.add({.name = "Sqrt", .infer = infer_unary_floating});
  registry.add({.name = "SqrtGrad", .infer = infer_unary_grad});
  registry.add({.name = "Max", .infer = infer_reduction});
  registry.add({.name = "Prod", .infer = infer_reduction});
  registry.add({.name = "ArgMax", .infer = infer_argmax});
  registry.add({.name = "MatMul", .infer = infer_matmul});
  registry.add({.name = "Range", .infer = infer_range});
}

}  // namespace varscope
