// MatMul on the GPU: C = op(A) op(B) for row-major matrices, op = transpose when transpose_a /
// transpose_b (the CPU kernel: cpu/kernels/matmul_kernels.cpp).
//
// Floating dtypes go to cublasGemmEx through the row-major trick: a row-major (m, n) matrix is the
// column-major (n, m) matrix of the same bytes, so C = op(A) op(B) is computed as the column-major
// C^T = op(B)^T op(A)^T, i.e. cuBLAS's (B, A) with the same transpose flags, no copies.
//   float32:  CUBLAS_COMPUTE_32F (IEEE FMA, no TF32) unless varscope::allow_tf32(), then
//             CUBLAS_COMPUTE_32F_FAST_TF32 (and the handle's math mode to match);
//   float64:  CUBLAS_COMPUTE_64F;
//   float16 / bfloat16: 16-bit storage, float accumulation (CUBLAS_COMPUTE_32F).
// cuBLAS keeps its own per-handle workspace (handles are per thread, see cuda/library_handles.h).
// int32 / int64 have no cuBLAS GEMM: a tiled kernel of our own (cuda/kernels/integer_matmul.cu).
// The fused MatMul + BiasAdd [+ Relu] of a plan goes through cuBLASLt's bias epilogue.
#include <climits>
#include <cstdint>
#include <string>

#include "core/fused_kernels.h"
#include "core/matmul_problem.h"
#include "cuda/check.h"
#include "cuda/kernels/activation_kernels.h"
#include "cuda/kernels/integer_matmul.h"
#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"
#include "cuda/library_handles.h"
#include "cuda/lt_matmul.h"
#include "varscope/error.h"
#include "varscope/math_mode.h"

namespace varscope::cuda {
namespace {

/// Handles the cases with nothing to multiply: an empty output, or k == 0 (an empty sum: zeros).
/// True when the output is complete.
bool trivial_matmul(KernelContext& ctx, const MatmulProblem& p, Tensor& out) {
  if (out.num_elements() == 0) return true;
  if (p.k == 0) {
    VS_CUDA_CHECK(cudaMemsetAsync(out.raw_data(), 0, out.nbytes(), stream_of(ctx)));
    return true;
  }
  return false;
}

/// cuBLAS's types for one dtype.
struct GemmTypes {
  cudaDataType_t data{};
  cublasComputeType_t compute{};
  cublasMath_t math{};
  bool double_scalars{};  // alpha/beta are double for CUBLAS_COMPUTE_64F, float otherwise
};

GemmTypes gemm_types(DType dtype) {
  const bool tf32 = allow_tf32();
  switch (dtype) {
    case DType::kFloat32:
      return {CUDA_R_32F, tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F,
              tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH, false};
    case DType::kFloat64:
      return {CUDA_R_64F, CUBLAS_COMPUTE_64F, CUBLAS_DEFAULT_MATH, true};
    case DType::kFloat16:
      return {CUDA_R_16F, CUBLAS_COMPUTE_32F, CUBLAS_DEFAULT_MATH, false};
    case DType::kBFloat16:
      return {CUDA_R_16BF, CUBLAS_COMPUTE_32F, CUBLAS_DEFAULT_MATH, false};
    default:
      throw InternalError("MatMul: no cuBLAS GEMM for " + std::string(dtype_name(dtype)));
  }
}

/// out = op(a) op(b) through cublasGemmEx (p.k > 0, a non-empty output).
void gemm(KernelContext& ctx, const MatmulProblem& p, const Tensor& a, const Tensor& b,
          Tensor& out) {
  const GemmTypes types = gemm_types(a.dtype());
  cublasHandle_t handle = cublas_handle(stream_of(ctx));
  VS_CUBLAS_CHECK(cublasSetMathMode(handle, types.math));

  // Column-major C^T (n x m) = op(B)^T (n x k) * op(A)^T (k x m); leading dimensions are the stored
  // row lengths.
  const cublasOperation_t op_b = p.transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_a = p.transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const std::int64_t ldb = b.shape().dim(1);
  const std::int64_t lda = a.shape().dim(1);
  const std::int64_t ldc = p.n;
  const float alpha_f = 1.0F, beta_f = 0.0F;
  const double alpha_d = 1.0, beta_d = 0.0;
  const void* alpha = types.double_scalars ? static_cast<const void*>(&alpha_d) : &alpha_f;
  const void* beta = types.double_scalars ? static_cast<const void*>(&beta_d) : &beta_f;

  const bool fits_int = p.m <= INT_MAX && p.n <= INT_MAX && p.k <= INT_MAX && lda <= INT_MAX &&
                        ldb <= INT_MAX && ldc <= INT_MAX;
  if (fits_int) {
    VS_CUBLAS_CHECK(cublasGemmEx(handle, op_b, op_a, static_cast<int>(p.n), static_cast<int>(p.m),
                                 static_cast<int>(p.k), alpha, b.raw_data(), types.data,
                                 static_cast<int>(ldb), a.raw_data(), types.data,
                                 static_cast<int>(lda), beta, out.raw_data(), types.data,
                                 static_cast<int>(ldc), types.compute, CUBLAS_GEMM_DEFAULT));
  } else {
    VS_CUBLAS_CHECK(cublasGemmEx_64(handle, op_b, op_a, p.n, p.m, p.k, alpha, b.raw_data(),
                                    types.data, ldb, a.raw_data(), types.data, lda, beta,
                                    out.raw_data(), types.data, ldc, types.compute,
                                    CUBLAS_GEMM_DEFAULT));
  }
}

void cublas_matmul_kernel(KernelContext& ctx) {
  const MatmulProblem p = matmul_problem(ctx.node(), ctx.input(0), ctx.input(1));
  Tensor& out = ctx.allocate_output(0, Shape{p.m, p.n});  // (M, N)
  if (trivial_matmul(ctx, p, out)) return;
  gemm(ctx, p, ctx.input(0), ctx.input(1), out);
}

// MatMul, then BiasAdd of the product, then (kRelu) Relu, fused by a plan (core/fusion.cpp): inputs
// (a, b, bias). float32 is one cuBLASLt GEMM with a bias epilogue (cuda/lt_matmul.h); float64, or
// a problem cuBLASLt has no algorithm for, is the GEMM, then the BiasAdd (+ Relu) kernel in place.
template <bool kRelu>
void matmul_bias_add_kernel(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const Tensor& bias = ctx.input(2);
  const MatmulProblem p = matmul_problem(*ctx.fused_nodes().at(0), a, b);
  check_bias_add_args(*ctx.fused_nodes().at(1), Shape{p.m, p.n}, bias.shape());
  Tensor& out = ctx.allocate_output(0, Shape{p.m, p.n});
  if (out.num_elements() == 0) return;
  const BiasMatmul lt{.dtype = a.dtype(),
                      .tf32 = allow_tf32(),
                      .m = p.m,
                      .n = p.n,
                      .k = p.k,
                      .transpose_a = p.transpose_a,
                      .transpose_b = p.transpose_b,
                      .relu = kRelu};
  if (bias_matmul(lt, a.raw_data(), b.raw_data(), bias.raw_data(), out.raw_data(),
                  stream_of(ctx))) {
    return;
  }
  if (!trivial_matmul(ctx, p, out)) gemm(ctx, p, a, b, out);
  if constexpr (kRelu) {
    bias_add_relu(out.dtype(), out.raw_data(), bias.raw_data(), out.raw_data(), p.m, p.n,
                  stream_of(ctx));
  } else {
    bias_add(out.dtype(), out.raw_data(), bias.raw_data(), out.raw_data(), p.m, p.n,
             stream_of(ctx));
  }
}

template <class T>
void integer_matmul_kernel(KernelContext& ctx) {
  const MatmulProblem p = matmul_problem(ctx.node(), ctx.input(0), ctx.input(1));
  Tensor& out = ctx.allocate_output(0, Shape{p.m, p.n});  // (M, N)
  if (trivial_matmul(ctx, p, out)) return;
  integer_matmul(
      IntegerMatmul{
          .m = p.m, .n = p.n, .k = p.k, .transpose_a = p.transpose_a, .transpose_b = p.transpose_b},
      device_data<T>(ctx.input(0)), device_data<T>(ctx.input(1)), device_data<T>(out),
      stream_of(ctx));
}

}  // namespace

void register_matmul_kernels(KernelRegistry& registry) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16}) {
    registry.add("MatMul", DeviceType::kGPU, dtype, cublas_matmul_kernel);
  }
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    registry.add(kFusedMatMulBiasAdd, DeviceType::kGPU, dtype, matmul_bias_add_kernel<false>);
    registry.add(kFusedMatMulBiasAddRelu, DeviceType::kGPU, dtype, matmul_bias_add_kernel<true>);
  }
  registry.add("MatMul", DeviceType::kGPU, DType::kInt32, integer_matmul_kernel<std::int32_t>);
  registry.add("MatMul", DeviceType::kGPU, DType::kInt64, integer_matmul_kernel<std::int64_t>);
}

}  // namespace varscope::cuda
