// A GEMM with a bias (and ReLU) epilogue through cuBLASLt: the fused MatMul + BiasAdd [+ Relu] of a
// plan (core/fusion.h) in one kernel, where cuBLASLt has one for the problem.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "varscope/dtype.h"

namespace varscope::cuda {

/// Row-major out (m, n) = op(a) op(b) + bias (broadcast over the rows), then max(., 0) when `relu`.
/// a is (m, k), or (k, m) when transpose_a; b is (k, n), or (n, k) when transpose_b.
struct BiasMatmul {
  DType dtype{};  // float32 only for now
  bool tf32{};    // CUBLAS_COMPUTE_32F_FAST_TF32 instead of IEEE float32
  std::int64_t m{}, n{}, k{};
  bool transpose_a{}, transpose_b{};
  bool relu{};
};

/// Queues `problem` on `stream` through cuBLASLt and returns true, or returns false, having queued
/// nothing, when cuBLASLt offers no algorithm for it (the caller then multiplies and adds apart).
/// The algorithm is chosen by cuBLASLt's heuristic once per problem. Throws CudaError when a call
/// fails otherwise.
bool bias_matmul(const BiasMatmul& problem, const void* a, const void* b, const void* bias,
                 void* out, cudaStream_t stream);

}  // namespace varscope::cuda
