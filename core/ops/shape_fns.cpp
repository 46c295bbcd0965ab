// Shared shape-function helpers (see shape_fns.h).
#include "core/ops/shape_fns.h"

#include <algorithm>

namespace varscope::shape_fns {

void expect_same_dtype(const InferenceContext& ctx, int i, int j) {
  DType a = ctx.input_dtype(i), b = ctx.input_dtype(j);
  if (a != b) ctx.fail("dtypes " + std::string(dtype_name(a)) + " and " + std::string(dtype_name(b)) + " differ");
}

void check_dtype_attr(const InferenceContext& ctx, std::string_view name, DType actual) {
  if (!ctx.has_attr(name)) return;
  DType declared = ctx.attr<DType>(name);
  if (declared != actual) {
    ctx.fail("attr " + std::string(name) + "=" + std::string(dtype_name(declared)) + " does not match dtype " +
             std::string(dtype_name(actual)));
  }
}

void expect_index_dtype(const InferenceContext& ctx, int i, std::string_view what) {
  DType d = ctx.input_dtype(i);
  if (d != DType::kInt32 && d != DType::kInt64) {
    ctx.fail(std::string(what) + " must be int32 or int64, got " + std::string(dtype_name(d)));
  }
}

void expect_rank(const InferenceContext& ctx, int i, int rank, std::string_view what) {
  const Shape& s = ctx.input_shape(i);
  if (s.has_known_rank() && s.rank() != rank) {
    ctx.fail(std::string(what) + " must be " + (rank == 0 ? std::string("a scalar") : std::to_string(rank) + "-D") +
             ", got shape " + s.to_string());
  }
}

void expect_numeric(const InferenceContext& ctx, DType dtype) {
  if (!is_floating(dtype) && !is_integer(dtype)) {
    ctx.fail("dtype " + std::string(dtype_name(dtype)) + " is not supported (needs a floating or integer dtype)");
  }
}

void expect_floating(const InferenceContext& ctx, DType dtype) {
  if (!is_floating(dtype)) {
    ctx.fail("dtype " + std::string(dtype_name(dtype)) +
             " is not supported (needs float16, bfloat16, float32 or float64)");
  }
}

std::optional<std::vector<std::int64_t>> constant_ints(const InferenceContext& ctx, int i) {
  Tensor value = ctx.constant_input(i);
  if (!value.defined()) return std::nullopt;
  if (value.dtype() != DType::kInt32 && value.dtype() != DType::kInt64) return std::nullopt;
  return value.to_vector<std::int64_t>();
}

Shape broadcast(const InferenceContext& ctx, const Shape& a, const Shape& b) {
  if (!a.has_known_rank() || !b.has_known_rank()) return Shape::unknown();
  const int rank = std::max(a.rank(), b.rank());
  std::vector<std::int64_t> dims(static_cast<std::size_t>(rank));
  for (int k = 1; k <= rank; ++k) {  // align from the right, as NumPy does
    std::int64_t da = k <= a.rank() ? a.dim(-k) : 1;
    std::int64_t db = k <= b.rank() ? b.dim(-k) : 1;
    std::int64_t out;
    if (da == 1) {
      out = db;
    } else if (db == 1) {
      out = da;
    } else if (da == Shape::kUnknownDim) {
      out = db;  // an unknown against a known n > 1 can only be 1 or n: the result is n
    } else if (db == Shape::kUnknownDim || da == db) {
      out = da;
    } else {
      ctx.fail("incompatible shapes " + a.to_string() + " and " + b.to_string());
    }
    dims[static_cast<std::size_t>(rank - k)] = out;
  }
  return Shape(std::move(dims));
}

Shape unknown_dims(int rank) {
  if (rank < 0) return Shape::unknown();
  return Shape(std::vector<std::int64_t>(static_cast<std::size_t>(rank), Shape::kUnknownDim));
}

std::int64_t vector_length(const InferenceContext& ctx, int i) {
  const Shape& s = ctx.input_shape(i);
  if (s.rank() != 1) return -1;
  return s.dim(0);
}

Shape shape_from_input(const InferenceContext& ctx, int i, std::string_view what) {
  if (auto dims = constant_ints(ctx, i)) {
    for (std::int64_t d : *dims) {
      if (d < 0) ctx.fail(std::string(what) + " must be non-negative, got " + list_to_string(*dims));
    }
    return Shape(*dims);
  }
  // A Shape op's value is as known as its input's static shape (TF's constant_value_as_shape).
  const Output& in = ctx.input(i);
  if (in.node != nullptr && in.node->op() == "Shape" && in.node->inputs().size() == 1) {
    const Shape& source = in.node->inputs()[0].shape();
    if (source.has_known_rank()) return source;
  }
  std::int64_t n = vector_length(ctx, i);
  return unknown_dims(n < 0 ? -1 : static_cast<int>(n));
}

}  // namespace varscope::shape_fns
