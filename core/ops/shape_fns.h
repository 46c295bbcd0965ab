// Helpers shared by the shape functions of core/ops/*.cpp: attribute defaults, dtype checks,
// NumPy broadcasting and reading Const inputs as integer lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/op_def.h"

namespace varscope::shape_fns {

/// The attr when present, else `fallback` (ops built by hand may leave optional attrs out).
template <class T>
T attr_or(const InferenceContext& ctx, std::string_view name, T fallback) {
  return ctx.has_attr(name) ? ctx.attr<T>(name) : fallback;
}

/// Fails "dtypes A and B differ" unless inputs i and j have the same dtype.
void expect_same_dtype(const InferenceContext& ctx, int i, int j);
/// When attr `name` (a DType) is present it must equal `actual`.
void check_dtype_attr(const InferenceContext& ctx, std::string_view name, DType actual);
/// Fails unless input i is int32 or int64 ("<what> must be int32 or int64, got float32").
void expect_index_dtype(const InferenceContext& ctx, int i, std::string_view what);
/// Fails unless input i has rank `rank` when its rank is known.
void expect_rank(const InferenceContext& ctx, int i, int rank, std::string_view what);
/// Fails unless `dtype` is a dtype math kernels exist for (floating or integer).
void expect_numeric(const InferenceContext& ctx, DType dtype);
/// Fails unless `dtype` is float16, bfloat16, float32 or float64.
void expect_floating(const InferenceContext& ctx, DType dtype);

/// The values of input i as int64 when it is a Const, else nullopt.
std::optional<std::vector<std::int64_t>> constant_ints(const InferenceContext& ctx, int i);

/// NumPy broadcasting of two static shapes; fails "incompatible shapes (2, 3) and (4,)".
Shape broadcast(const InferenceContext& ctx, const Shape& a, const Shape& b);

/// A shape of `rank` unknown dimensions, or unknown rank when rank < 0.
Shape unknown_dims(int rank);

/// The length of a 1-D input (e.g. a shape vector) when statically known, else -1.
std::int64_t vector_length(const InferenceContext& ctx, int i);

/// The shape held by the int vector input i: a Const's values, the static shape behind a Shape op,
/// else unknown dims of the vector's known length (unknown rank when that is unknown too).
/// Negative constant dims fail, naming `what`.
Shape shape_from_input(const InferenceContext& ctx, int i, std::string_view what);

}  // namespace varscope::shape_fns
