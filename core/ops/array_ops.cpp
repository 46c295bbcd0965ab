// OpDefs of the array ops (TF names, inputs and attrs): Const, Placeholder, Identity, NoOp, Fill,
// ConcatV2, Slice, Reshape, Cast, Transpose, Tile, BroadcastTo, Pad, GatherV2, Pack,
// DynamicStitch, ZerosLike, OnesLike, and the shape arithmetic of gradient rules: Shape, ShapeN,
// Size, Rank, BroadcastGradientArgs, ConcatOffset, InvertPermutation. Shape arguments are read from
// Const inputs when they are constants; otherwise the output keeps what is known (the rank, or
// nothing).
#include <algorithm>
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
    // A computed shape: what is known of its value (the static shape behind a Shape op).
    ctx.add_output(dtype, shape_from_input(ctx, 1, "shape"));
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

// Transpose(x, perm): output dimension i is input dimension perm[i].
void infer_transpose(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  expect_index_dtype(ctx, 1, "perm");
  expect_rank(ctx, 1, 1, "perm");
  check_dtype_attr(ctx, "Tperm", ctx.input_dtype(1));
  const Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  auto perm = constant_ints(ctx, 1);
  const Output& perm_input = ctx.input(1);
  if (!perm && perm_input.node->op() == "InvertPermutation") {
    // Transpose's gradient: the inverse of a Const permutation is known too.
    InferenceContext inner(perm_input.node->op(), perm_input.node->name(), perm_input.node->inputs(),
                           perm_input.node->attrs());
    if (auto forward = constant_ints(inner, 0)) {
      std::vector<std::int64_t> inverse(forward->size(), -1);
      bool valid = true;
      for (std::size_t i = 0; valid && i < forward->size(); ++i) {
        const std::int64_t p = (*forward)[i];
        valid = p >= 0 && p < static_cast<std::int64_t>(forward->size()) && inverse[static_cast<std::size_t>(p)] < 0;
        if (valid) inverse[static_cast<std::size_t>(p)] = static_cast<std::int64_t>(i);
      }
      if (valid) perm = std::move(inverse);
    }
  }
  if (!perm) {
    const std::int64_t n = in.has_known_rank() ? in.rank() : vector_length(ctx, 1);
    ctx.add_output(dtype, unknown_dims(n < 0 ? -1 : static_cast<int>(n)));
    return;
  }
  const auto rank = static_cast<std::int64_t>(perm->size());
  if (in.has_known_rank() && in.rank() != rank) {
    ctx.fail("perm " + list_to_string(*perm) + " must have one entry per dimension of the input shape " +
             in.to_string());
  }
  std::vector<bool> seen(perm->size(), false);
  std::vector<std::int64_t> dims(perm->size(), Shape::kUnknownDim);
  for (std::size_t i = 0; i < perm->size(); ++i) {
    const std::int64_t p = (*perm)[i];
    if (p < 0 || p >= rank || seen[static_cast<std::size_t>(p)]) {
      ctx.fail("perm " + list_to_string(*perm) + " is not a permutation of 0.." + std::to_string(rank - 1));
    }
    seen[static_cast<std::size_t>(p)] = true;
    if (in.has_known_rank()) dims[i] = in.dim(static_cast<int>(p));
  }
  ctx.add_output(dtype, Shape(std::move(dims)));
}

// InvertPermutation(x): y[x[i]] = i for an int32/int64 permutation vector.
void infer_invert_permutation(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  expect_index_dtype(ctx, 0, "x");
  expect_rank(ctx, 0, 1, "x");
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  ctx.add_output(ctx.input_dtype(0), ctx.input_shape(0));
}

// ShapeN(x_0..x_{N-1}): the shape vector of each input.
void infer_shape_n(InferenceContext& ctx) {
  const int n = ctx.num_inputs();
  if (n < 1) ctx.fail("expects at least 1 input, got 0");
  const DType out_type = attr_or(ctx, "out_type", DType::kInt32);
  if (out_type != DType::kInt32 && out_type != DType::kInt64) {
    ctx.fail("out_type must be int32 or int64, got " + std::string(dtype_name(out_type)));
  }
  for (int i = 0; i < n; ++i) {
    expect_same_dtype(ctx, 0, i);
    const Shape& in = ctx.input_shape(i);
    ctx.add_output(out_type, in.has_known_rank() ? Shape{in.rank()} : Shape{Shape::kUnknownDim});
  }
}

// Size(x): the element count as a scalar; Rank(x): the rank as an int32 scalar.
void infer_size(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  const DType out_type = attr_or(ctx, "out_type", DType::kInt32);
  if (out_type != DType::kInt32 && out_type != DType::kInt64) {
    ctx.fail("out_type must be int32 or int64, got " + std::string(dtype_name(out_type)));
  }
  ctx.add_output(out_type, Shape{});
}

void infer_rank(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  ctx.add_output(DType::kInt32, Shape{});
}

// BroadcastGradientArgs(s0, s1) -> (r0, r1): the axes a gradient of the broadcast shape is summed
// over to get back to s0 and s1. Their lengths depend on the values, so they stay unknown.
void infer_broadcast_gradient_args(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  expect_index_dtype(ctx, 0, "s0");
  expect_same_dtype(ctx, 0, 1);
  expect_rank(ctx, 0, 1, "s0");
  expect_rank(ctx, 1, 1, "s1");
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  ctx.add_output(ctx.input_dtype(0), Shape{Shape::kUnknownDim});
  ctx.add_output(ctx.input_dtype(0), Shape{Shape::kUnknownDim});
}

// ConcatOffset(concat_dim, shape_0..shape_{N-1}) -> N offsets: where each input of a ConcatV2
// starts in its output (0 except along concat_dim).
void infer_concat_offset(InferenceContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  if (n < 2) ctx.fail("expects concat_dim and at least 2 shapes, got " + std::to_string(ctx.num_inputs()) + " inputs");
  if (ctx.has_attr("N") && ctx.attr<std::int64_t>("N") != n) {
    ctx.fail("attr N=" + std::to_string(ctx.attr<std::int64_t>("N")) + " but " + std::to_string(n) +
             " shapes were given");
  }
  if (ctx.input_dtype(0) != DType::kInt32) ctx.fail("concat_dim must be int32");
  expect_rank(ctx, 0, 0, "concat_dim");
  for (int i = 1; i <= n; ++i) {
    if (ctx.input_dtype(i) != DType::kInt32) ctx.fail("shape " + std::to_string(i - 1) + " must be int32");
    expect_rank(ctx, i, 1, "shape");
    ctx.add_output(DType::kInt32, ctx.input_shape(i));
  }
}

// Tile(input, multiples): dimension i repeated multiples[i] times.
void infer_tile(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  expect_index_dtype(ctx, 1, "multiples");
  expect_rank(ctx, 1, 1, "multiples");
  check_dtype_attr(ctx, "Tmultiples", ctx.input_dtype(1));
  const Shape& in = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  const std::int64_t length = vector_length(ctx, 1);
  if (in.has_known_rank() && length >= 0 && length != in.rank()) {
    ctx.fail("multiples of length " + std::to_string(length) +
             " must have one entry per dimension of the input shape " + in.to_string());
  }
  auto multiples = constant_ints(ctx, 1);
  if (!multiples) {
    // Computed multiples (a Shape op in Sum's gradient): tiling a dimension of 1 by m gives m.
    const Shape m = shape_from_input(ctx, 1, "multiples");
    if (!m.has_known_rank()) {
      ctx.add_output(dtype, unknown_dims(in.has_known_rank() ? in.rank() : -1));
      return;
    }
    std::vector<std::int64_t> dims(static_cast<std::size_t>(m.rank()), Shape::kUnknownDim);
    for (int i = 0; i < m.rank(); ++i) {
      const std::int64_t d = in.has_known_rank() ? in.dim(i) : Shape::kUnknownDim;
      const std::int64_t k = m.dim(i);
      if (d == 1 || k == 0) {
        dims[static_cast<std::size_t>(i)] = k;
      } else if (k == 1 || d == 0) {
        dims[static_cast<std::size_t>(i)] = d;
      } else if (d >= 0 && k >= 0) {
        dims[static_cast<std::size_t>(i)] = d * k;
      }
    }
    ctx.add_output(dtype, Shape(std::move(dims)));
    return;
  }
  std::vector<std::int64_t> dims(multiples->size(), Shape::kUnknownDim);
  for (std::size_t i = 0; i < multiples->size(); ++i) {
    const std::int64_t m = (*multiples)[i];
    if (m < 0) ctx.fail("multiples " + list_to_string(*multiples) + " has a negative entry");
    const std::int64_t d = in.has_known_rank() ? in.dim(static_cast<int>(i)) : Shape::kUnknownDim;
    dims[i] = m == 0 ? 0 : (d < 0 ? Shape::kUnknownDim : d * m);
  }
  ctx.add_output(dtype, Shape(std::move(dims)));
}

// BroadcastTo(input, shape): NumPy broadcasting of input to exactly `shape`.
void infer_broadcast_to(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  expect_index_dtype(ctx, 1, "shape");
  expect_rank(ctx, 1, 1, "shape");
  check_dtype_attr(ctx, "Tidx", ctx.input_dtype(1));
  const Shape& in = ctx.input_shape(0);
  Shape out = shape_from_input(ctx, 1, "shape");
  if (in.has_known_rank() && out.has_known_rank()) {
    if (in.rank() > out.rank()) {
      ctx.fail("cannot broadcast shape " + in.to_string() + " to the lower-rank shape " + out.to_string());
    }
    std::vector<std::int64_t> dims = out.dims();
    for (int k = 1; k <= in.rank(); ++k) {
      const std::int64_t d = in.dim(-k);
      std::int64_t& o = dims[dims.size() - static_cast<std::size_t>(k)];
      if (d < 0 || d == 1) continue;
      if (o >= 0 && o != d) ctx.fail("cannot broadcast shape " + in.to_string() + " to " + out.to_string());
      o = d;  // an unknown target dimension facing a known d > 1 must be d
    }
    out = Shape(std::move(dims));
  }
  ctx.add_output(ctx.input_dtype(0), out);
}

// Pad(input, paddings): paddings is [rank, 2] (before, after) zeros per dimension.
void infer_pad(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  expect_index_dtype(ctx, 1, "paddings");
  expect_rank(ctx, 1, 2, "paddings");
  check_dtype_attr(ctx, "Tpaddings", ctx.input_dtype(1));
  const Shape& in = ctx.input_shape(0);
  const Shape& p = ctx.input_shape(1);
  const DType dtype = ctx.input_dtype(0);
  if (p.has_known_rank() && p.dim(1) >= 0 && p.dim(1) != 2) {
    ctx.fail("paddings must have shape (rank, 2), got " + p.to_string());
  }
  const std::int64_t p_rank = p.has_known_rank() ? p.dim(0) : Shape::kUnknownDim;
  if (in.has_known_rank() && p_rank >= 0 && p_rank != in.rank()) {
    ctx.fail("paddings of shape " + p.to_string() + " must have one row per dimension of the input shape " +
             in.to_string());
  }
  auto values = constant_ints(ctx, 1);
  if (!values) {
    const std::int64_t n = in.has_known_rank() ? in.rank() : p_rank;
    ctx.add_output(dtype, unknown_dims(n < 0 ? -1 : static_cast<int>(n)));
    return;
  }
  const std::size_t rank = values->size() / 2;
  std::vector<std::int64_t> dims(rank, Shape::kUnknownDim);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t before = (*values)[2 * i], after = (*values)[2 * i + 1];
    if (before < 0 || after < 0) ctx.fail("paddings " + list_to_string(*values) + " has a negative entry");
    const std::int64_t d = in.has_known_rank() ? in.dim(static_cast<int>(i)) : Shape::kUnknownDim;
    if (d >= 0) dims[i] = d + before + after;
  }
  ctx.add_output(dtype, Shape(std::move(dims)));
}

// GatherV2(params, indices, axis): params.shape[:axis] + indices.shape + params.shape[axis + 1:].
void infer_gather(InferenceContext& ctx) {
  ctx.expect_num_inputs(3);
  check_dtype_attr(ctx, "Tparams", ctx.input_dtype(0));
  expect_index_dtype(ctx, 1, "indices");
  check_dtype_attr(ctx, "Tindices", ctx.input_dtype(1));
  expect_index_dtype(ctx, 2, "axis");
  expect_rank(ctx, 2, 0, "axis");
  check_dtype_attr(ctx, "Taxis", ctx.input_dtype(2));
  if (attr_or(ctx, "batch_dims", std::int64_t{0}) != 0) ctx.fail("batch_dims other than 0 is not supported");
  const Shape& params = ctx.input_shape(0);
  const Shape& indices = ctx.input_shape(1);
  const DType dtype = ctx.input_dtype(0);
  auto axis_value = constant_ints(ctx, 2);
  if (!params.has_known_rank() || !indices.has_known_rank() || !axis_value) {
    ctx.add_output(dtype, Shape::unknown());
    return;
  }
  const int rank = params.rank();
  std::int64_t axis = axis_value->at(0);
  if (axis < -rank || axis >= rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for params of shape " + params.to_string());
  }
  if (axis < 0) axis += rank;
  std::vector<std::int64_t> dims(params.dims().begin(), params.dims().begin() + axis);
  dims.insert(dims.end(), indices.dims().begin(), indices.dims().end());
  dims.insert(dims.end(), params.dims().begin() + axis + 1, params.dims().end());
  ctx.add_output(dtype, Shape(std::move(dims)));
}

// Pack(values..., axis): N same-shaped tensors stacked along a new dimension `axis`.
void infer_pack(InferenceContext& ctx) {
  const int n = ctx.num_inputs();
  if (n < 1) ctx.fail("expects at least 1 value, got 0");
  if (ctx.has_attr("N") && ctx.attr<std::int64_t>("N") != n) {
    ctx.fail("attr N=" + std::to_string(ctx.attr<std::int64_t>("N")) + " but " + std::to_string(n) +
             " values were given");
  }
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  Shape shape = ctx.input_shape(0);
  for (int i = 1; i < n; ++i) {
    expect_same_dtype(ctx, 0, i);
    if (!shape.is_compatible_with(ctx.input_shape(i))) {
      ctx.fail("values have different shapes " + shape.to_string() + " and " + ctx.input_shape(i).to_string());
    }
    shape = shape.merge_with(ctx.input_shape(i));
  }
  if (!shape.has_known_rank()) {
    ctx.add_output(ctx.input_dtype(0), Shape::unknown());
    return;
  }
  const int rank = shape.rank();
  std::int64_t axis = attr_or(ctx, "axis", std::int64_t{0});
  if (axis < -(rank + 1) || axis > rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for values of shape " + shape.to_string());
  }
  if (axis < 0) axis += rank + 1;
  std::vector<std::int64_t> dims = shape.dims();
  dims.insert(dims.begin() + axis, n);
  ctx.add_output(ctx.input_dtype(0), Shape(std::move(dims)));
}

// DynamicStitch(indices_0..N-1, data_0..N-1): merged[indices_i[...], :] = data_i[..., :].
void infer_dynamic_stitch(InferenceContext& ctx) {
  if (ctx.num_inputs() < 2 || ctx.num_inputs() % 2 != 0) {
    ctx.fail("expects N indices and N data inputs, got " + std::to_string(ctx.num_inputs()) + " inputs");
  }
  const int n = ctx.num_inputs() / 2;
  if (ctx.has_attr("N") && ctx.attr<std::int64_t>("N") != n) {
    ctx.fail("attr N=" + std::to_string(ctx.attr<std::int64_t>("N")) + " but " + std::to_string(n) +
             " index tensors were given");
  }
  const DType dtype = ctx.input_dtype(n);
  check_dtype_attr(ctx, "T", dtype);
  std::int64_t max_index = -1;
  bool all_constant = true;
  Shape slice = Shape::unknown();  // data_i.shape[indices_i.rank:], the same for every i
  for (int i = 0; i < n; ++i) {
    if (ctx.input_dtype(i) != DType::kInt32) {
      ctx.fail("indices must be int32, got " + std::string(dtype_name(ctx.input_dtype(i))));
    }
    expect_same_dtype(ctx, n, n + i);
    const Shape& idx = ctx.input_shape(i);
    const Shape& data = ctx.input_shape(n + i);
    if (idx.has_known_rank() && data.has_known_rank()) {
      bool prefix = idx.rank() <= data.rank();
      for (int d = 0; prefix && d < idx.rank(); ++d) {
        prefix = Shape{idx.dim(d)}.is_compatible_with(Shape{data.dim(d)});
      }
      if (!prefix) {
        ctx.fail("data shape " + data.to_string() + " must start with the indices shape " + idx.to_string());
      }
      const Shape rest(std::vector<std::int64_t>(data.dims().begin() + idx.rank(), data.dims().end()));
      if (!slice.is_compatible_with(rest)) {
        ctx.fail("data slices have different shapes " + slice.to_string() + " and " + rest.to_string());
      }
      slice = slice.merge_with(rest);
    }
    if (auto values = constant_ints(ctx, i)) {
      for (std::int64_t v : *values) max_index = std::max(max_index, v);
    } else {
      all_constant = false;
    }
  }
  if (!slice.has_known_rank()) {
    ctx.add_output(dtype, Shape::unknown());
    return;
  }
  std::vector<std::int64_t> dims{all_constant ? max_index + 1 : Shape::kUnknownDim};
  dims.insert(dims.end(), slice.dims().begin(), slice.dims().end());
  ctx.add_output(dtype, Shape(std::move(dims)));
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

  registry.add({.name = "Transpose", .infer = infer_transpose});
  registry.add({.name = "InvertPermutation", .infer = infer_invert_permutation});
  registry.add({.name = "ZerosLike", .infer = infer_identity});
  registry.add({.name = "OnesLike", .infer = infer_identity});
  registry.add({.name = "ShapeN", .infer = infer_shape_n});
  registry.add({.name = "Size", .infer = infer_size});
  registry.add({.name = "Rank", .infer = infer_rank});
  registry.add({.name = "BroadcastGradientArgs", .infer = infer_broadcast_gradient_args});
  registry.add({.name = "ConcatOffset", .infer = infer_concat_offset});
  registry.add({.name = "Tile", .infer = infer_tile});
  registry.add({.name = "BroadcastTo", .infer = infer_broadcast_to});
  registry.add({.name = "Pad", .infer = infer_pad});
  registry.add({.name = "GatherV2", .infer = infer_gather});
  registry.add({.name = "Pack", .infer = infer_pack});
  registry.add({.name = "DynamicStitch", .infer = infer_dynamic_stitch});
}

}  // namespace varscope
