// OpDefs of the array ops (TF names, inputs and attrs): Const, Placeholder, Identity, NoOp, Fill,
// ConcatV2, Slice, Reshape, Cast. Shape arguments are read from Const inputs when they are
// constants; otherwise the output keeps what is known (the rank, or nothing).
#include <string>
#include <vector>

#include "core/op_def.h"
#include "core/ops/shape_fns.h"

namespace varscope {
namespace {

using namespace shape_fns;

void infer_const(InferenceContext& ctx) {
  ctx.expect_num_inputs(0);
  const Tensor& value = ctx.attr<Tensor>("value");
  if (!value.defined()) ctx.fail("attr 'value' holds no tensor");
  check_dtype_attr(ctx, "dtype", value.dtype());
  ctx.add_output(value.dtype(), value.shape());
}

void infer_placeholder(InferenceContext& ctx) {
  ctx.expect_num_inputs(0);
  ctx.add_output(ctx.attr<DType>("dtype"), attr_or(ctx, "shape", Shape::unknown()));
}

void infer_identity(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  ctx.add_output(ctx.input_dtype(0), ctx.input_shape(0));
}

void infer_no_op(InferenceContext& ctx) { ctx.expect_num_inputs(0); }

void infer_shape(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  const DType out_type = attr_or(ctx, "out_type", DType::kInt32);
  if (out_type != DType::kInt32 && out_type != DType::kInt64) {
    ctx.fail("out_type must be int32 or int64, got " + std::string(dtype_name(out_type)));
  }
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  const Shape& in = ctx.input_shape(0);
  ctx.add_output(out_type, in.has_known_rank() ? Shape{in.rank()} : Shape{Shape::kUnknownDim});
}


void infer_fill(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_index_dtype(ctx, 0, "dims");
  expect_rank(ctx, 0, 1, "dims");
  expect_rank(ctx, 1, 0, "value");
  check_dtype_attr(ctx, "T", ctx.input_dtype(1));
  check_dtype_attr(ctx, "index_type", ctx.input_dtype(0));
  ctx.add_output(ctx.input_dtype(1), shape_from_input(ctx, 0, "dims"));
}

void infer_concat(InferenceContext& ctx) {
  const int n = ctx.num_inputs() - 1;  // values..., axis
  if (n < 1) ctx.fail("expects at least 1 value and an axis, got " + std::to_string(ctx.num_inputs()) + " inputs");
  if (ctx.has_attr("N") && ctx.attr<std::int64_t>("N") != n) {
    ctx.fail("attr N=" + std::to_string(ctx.attr<std::int64_t>("N")) + " but " + std::to_string(n) +
             " values were given");
  }
  for (int i = 1; i < n; ++i) expect_same_dtype(ctx, 0, i);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  expect_index_dtype(ctx, n, "axis");
  expect_rank(ctx, n, 0, "axis");
  check_dtype_attr(ctx, "Tidx", ctx.input_dtype(n));

  // The rank comes from any input that knows it; all known ranks must agree.
  int rank = -1, rank_source = -1;
  for (int i = 0; i < n; ++i) {
    const Shape& s = ctx.input_shape(i);
    if (!s.has_known_rank()) continue;
    if (rank < 0) {
      rank = s.rank();
      rank_source = i;
    } else if (s.rank() != rank) {
      ctx.fail("shapes " + ctx.input_shape(rank_source).to_string() + " and " + s.to_string() +
               " have different ranks");
    }
  }
  const DType dtype = ctx.input_dtype(0);
  auto axis_value = constant_ints(ctx, n);
  if (rank < 0 || !axis_value) {
    ctx.add_output(dtype, unknown_dims(rank));
    return;
  }
  if (rank == 0) ctx.fail("cannot concatenate scalars (use a rank >= 1 shape)");
  std::int64_t axis = axis_value->at(0);
  if (axis < -rank || axis >= rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for inputs of rank " + std::to_string(rank));
  }
  if (axis < 0) axis += rank;

  std::vector<std::int64_t> dims(static_cast<std::size_t>(rank), Shape::kUnknownDim);
  std::vector<int> dim_source(static_cast<std::size_t>(rank), -1);  // the input that fixed each dim
  std::int64_t axis_total = 0;
  bool have_first = false;
  for (int i = 0; i < n; ++i) {
    const Shape& s = ctx.input_shape(i);
    if (!s.has_known_rank()) {
      axis_total = Shape::kUnknownDim;
      continue;
    }
    for (int d = 0; d < rank; ++d) {
      std::int64_t v = s.dim(d);
      if (d == axis) {
        axis_total = (axis_total < 0 || v < 0) ? Shape::kUnknownDim : axis_total + v;
        continue;
      }
      std::int64_t& out = dims[static_cast<std::size_t>(d)];
      int& source = dim_source[static_cast<std::size_t>(d)];
      if (v < 0) continue;
      if (out >= 0 && out != v) {
        ctx.fail("shapes " + ctx.input_shape(source).to_string() + " and " + s.to_string() +
                 " differ in dimension " + std::to_string(d) + " (concatenating along axis " +
                 std::to_string(axis) + ")");
      }
      out = v;
      source = i;
    }
    have_first = true;
  }
  dims[static_cast<std::size_t>(axis)] = have_first ? axis_total : Shape::kUnknownDim;
  ctx.add_output(dtype, Shape(std::move(dims)));
}

void infer_slice(InferenceContext& ctx) {
  ctx.expect_num_inputs(3);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  expect_index_dtype(ctx, 1, "begin");
  expect_index_dtype(ctx, 2, "size");
  expect_same_dtype(ctx, 1, 2);
  expect_rank(ctx, 1, 1, "begin");
  expect_rank(ctx, 2, 1, "size");
  check_dtype_attr(ctx, "Index", ctx.input_dtype(1));

  const Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  auto begin = constant_ints(ctx, 1);
  auto size = constant_ints(ctx, 2);
  if (begin && size && begin->size() != size->size()) {
    ctx.fail("begin " + list_to_string(*begin) + " and size " + list_to_string(*size) + " differ in length");
  }
  if (in.has_known_rank()) {
    const auto rank = static_cast<std::size_t>(in.rank());
    if ((begin && begin->size() != rank) || (size && size->size() != rank)) {
      ctx.fail("begin and size must have one entry per dimension of the input shape " + in.to_string() +
               ", got begin " + (begin ? list_to_string(*begin) : "?") + " and size " +
               (size ? list_to_string(*size) : "?"));
    }
  }
  if (!size) {
    std::int64_t n = in.has_known_rank() ? in.rank() : vector_length(ctx, 2);
    ctx.add_output(dtype, unknown_dims(n < 0 ? -1 : static_cast<int>(n)));
    return;
  }
  std::vector<std::int64_t> dims(size->size(), Shape::kUnknownDim);
  for (std::size_t i = 0; i < size->size(); ++i) {
    const std::int64_t s = (*size)[i];
    const std::int64_t b = begin ? (*begin)[i] : -1;
    const std::int64_t d = in.has_known_rank() ? in.dim(static_cast<int>(i)) : Shape::kUnknownDim;
    if (s < -1) ctx.fail("size " + list_to_string(*size) + " has an entry below -1");
    if (begin && b < 0) ctx.fail("begin " + list_to_string(*begin) + " has a negative entry");
    if (s >= 0) {
      dims[i] = s;
      if (begin && d >= 0 && b + s > d) {
        ctx.fail("slice of begin " + list_to_string(*begin) + " and size " + list_to_string(*size) +
                 " exceeds the input shape " + in.to_string() + " in dimension " + std::to_string(i));
      }
    } else if (begin && d >= 0) {
      if (b > d) {
        ctx.fail("begin " + list_to_string(*begin) + " exceeds the input shape " + in.to_string() +
                 " in dimension " + std::to_string(i));
      }
      dims[i] = d - b;  // -1: the rest of the dimension
    }
  }
  ctx.add_output(dtype, Shape(std::move(dims)));
}

void infer_reshape(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  expect_index_dtype(ctx, 1, "shape");
  expect_rank(ctx, 1, 1, "shape");
  check_dtype_attr(ctx, "Tshape", ctx.input_dtype(1));

  const Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  auto target = constant_ints(ctx, 1);
  if (!target) {
    std::int64_t n = vector_length(ctx, 1);
    ctx.add_output(dtype, unknown_dims(n < 0 ? -1 : static_cast<int>(n)));
    return;
  }
  std::vector<std::int64_t> dims = *target;
  int unknown_index = -1;
  std::int64_t known_product = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      if (unknown_index >= 0) ctx.fail("shape " + list_to_string(dims) + " has more than one -1");
      unknown_index = static_cast<int>(i);
    } else if (dims[i] < 0) {
      ctx.fail("shape " + list_to_string(dims) + " has a negative dimension");
    } else {
      known_product *= dims[i];
    }
  }
  if (in.is_fully_defined()) {
    const std::int64_t n = in.num_elements();
    const std::string what = "cannot reshape a tensor of shape " + in.to_string() + " (" + std::to_string(n) +
                             " elements) into shape " + list_to_string(dims);
    if (unknown_index >= 0) {
      if (known_product == 0 ? n != 0 : n % known_product != 0) ctx.fail(what);
      dims[static_cast<std::size_t>(unknown_index)] = known_product == 0 ? 0 : n / known_product;
    } else if (known_product != n) {
      ctx.fail(what + " (" + std::to_string(known_product) + " elements)");
    }
  }
  ctx.add_output(dtype, Shape(std::move(dims)));
}

void infer_cast(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  check_dtype_attr(ctx, "SrcT", ctx.input_dtype(0));
  const DType dst = ctx.attr<DType>("DstT");
  if (dst == DType::kInvalid) ctx.fail("attr DstT is not a valid dtype");
  ctx.add_output(dst, ctx.input_shape(0));
}

}  // namespace

void register_array_ops(OpRegistry& registry) {
  registry.add({.name = "Const", .infer = infer_const});
  registry.add({.name = "Placeholder", .infer = infer_placeholder});
  registry.add({.name = "Identity", .infer = infer_identity});
  registry.add({.name = "StopGradient", .infer = infer_identity});
  registry.add({.name = "NoOp", .infer = infer_no_op, .is_stateful = true});
  registry.add({.name = "Fill", .infer = infer_fill});
  registry.add({.name = "Shape", .infer = infer_shape});
  registry.add({.name = "ConcatV2", .infer = infer_concat});
  registry.add({.name = "Slice", .infer = infer_slice});
  registry.add({.name = "Reshape", .infer = infer_reshape});
  registry.add({.name = "Cast", .infer = infer_cast});
}

}  // namespace varscope
