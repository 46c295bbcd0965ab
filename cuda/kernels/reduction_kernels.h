// Launchers of cuda/kernels/reduction_kernels.cu: Sum/Mean/Prod/Max over any set of axes,
// L2Loss's half sum of squares, and ArgMax along one axis. Raw device pointers, queued on `stream`.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "varscope/dtype.h"

namespace varscope::cuda {

enum class ReduceOp : std::uint8_t { kSum, kMean, kProd, kMax, kHalfSumOfSquares };

/// Most kept (and reduced) dimension groups a reduction takes: after merging neighbours reduced
/// alike they alternate, so this covers inputs of rank 16 and more.
inline constexpr int kMaxReduceGroups = 8;

/// Dimensions of the input of one kind (kept or reduced), outermost first, with their strides in
/// elements of the row-major input.
struct ReduceDims {
  int rank{};
  std::int64_t sizes[kMaxReduceGroups]{};
  std::int64_t strides[kMaxReduceGroups]{};
};

/// An input seen as kept and reduced dimensions. Output element j is the reduction over every
/// reduced index at the kept index j (row-major over `kept`).
struct ReduceGeometry {
  ReduceDims kept{};
  ReduceDims reduced{};
  std::int64_t num_outputs{};    // product of kept sizes
  std::int64_t reduced_count{};  // product of reduced sizes (may be 0)
};

/// Scratch bytes reduce() needs for this geometry (0 when it runs in one pass).
std::size_t reduce_workspace_bytes(DType dtype, ReduceOp op, const ReduceGeometry& geometry);

/// out[j] = op over the reduced elements of output j. dtype: float32, float64, float16, bfloat16
/// or int64 (in and out alike), and int32 for kSum only (BiasAddGrad; the int32 reduction ops run
/// on the host); float32 and the 16-bit floats accumulate in float, float64
/// in double, integers in int64. Mean divides by reduced_count (integers truncate; 0 for an empty
/// integer mean, NaN for floats); kMax lets NaN win; kHalfSumOfSquares is sum(x^2) / 2.
/// `workspace` holds reduce_workspace_bytes() (8-byte aligned). Deterministic: the combining
/// order depends only on the geometry.
void reduce(DType dtype, ReduceOp op, const void* in, void* out, const ReduceGeometry& geometry,
            void* workspace, cudaStream_t stream);

/// ArgMax over the middle axis of an (outer, axis_size, inner) input (axis_size >= 1): the index
/// of the first largest value, as the CPU's sequential scan finds it (a NaN at index 0 wins, other
/// NaNs are skipped). dtype: the math dtypes; index_dtype: int32 or int64.
void argmax(DType dtype, DType index_dtype, const void* in, void* out, std::int64_t outer,
            std::int64_t axis_size, std::int64_t inner, cudaStream_t stream);

}  // namespace varscope::cuda
