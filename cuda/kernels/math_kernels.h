// Host launchers for cuda/kernels/math_kernels.cu: element-wise binary ops with NumPy
// broadcasting, unary ops, AddN, Select and Range. Each queues its work on `stream` and returns at
// once (n == 0 launches nothing); throws CudaError when a launch fails and InternalError for a
// dtype the op has no device kernel for (the host side registers only those it has).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cuda/kernels/array_kernels.h"  // StridedLayout
#include "varscope/dtype.h"

namespace varscope::cuda {

/// Binary element-wise ops. Equal and GreaterEqual write bool; the others write the input dtype.
/// SqrtGrad(y, dy) = dy * 0.5 / y.
enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kMaximum,
  kRealDiv,
  kFloorMod,
  kEqual,
  kGreaterEqual,
  kSqrtGrad
};

/// out[i] = op(a[i], b[i]) for i < n; an operand flagged scalar is its one element, broadcast.
/// Dtypes: float16, bfloat16, float32, float64; int64 except RealDiv and SqrtGrad; int32 for Add and
/// Sub; bool for Equal.
/// Integer FloorMod by 0 gives 0 (the CPU fails; the divisors are not on the host).
void binary_flat(BinaryOp op, DType dtype, const void* a, bool a_is_scalar, const void* b,
                 bool b_is_scalar, void* out,  // (n)
                 std::int64_t n, cudaStream_t stream);

/// out (layout.dims, contiguous) = op(a, b) with a and b read at layout.strides_a and strides_b
/// (0 along broadcast dimensions). Same dtypes as binary_flat.
void binary_strided(BinaryOp op, DType dtype, const void* a, const void* b, void* out,
                    const StridedLayout& layout, cudaStream_t stream);

/// Unary element-wise ops; Sqrt for the floating dtypes only.
enum class UnaryOp { kAbs, kSquare, kNeg, kSign, kSqrt };

/// out[i] = op(in[i]). Dtypes: float16, bfloat16, float32, float64, int32, int64.
void unary(UnaryOp op, DType dtype, const void* in, void* out,  // (n)
           std::int64_t n, cudaStream_t stream);

/// out = inputs[0] + inputs[1] + ..., added left to right and rounded to the dtype after each
/// addition (as the CPU does). Dtypes: float16, bfloat16, float32, float64, int64.
void add_n(DType dtype, const std::vector<const void*>& inputs,  // each (n)
           void* out, std::int64_t n, cudaStream_t stream);

/// out[i] = condition[i / condition_stride] ? t[i] : e[i], for condition_stride n (a scalar
/// condition), 1 (one per element) or a row's length (one per row); any dtype by element size.
void select_elements(const bool* condition, const void* t, const void* e, void* out,  // (n)
                     std::size_t element_size, std::int64_t n, std::int64_t condition_stride,
                     cudaStream_t stream);

/// out[i] = start + i * delta for i < n (float32 or float64, computed in that dtype).
void range(DType dtype, double start, double delta, void* out,  // (n)
           std::int64_t n, cudaStream_t stream);

}  // namespace varscope::cuda
