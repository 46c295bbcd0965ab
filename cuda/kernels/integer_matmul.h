// Host launchers for cuda/kernels/integer_matmul.cu: MatMul for int32 and int64, which cuBLAS does
// not offer (its integer GEMM takes int8 inputs only).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace varscope::cuda {

/// The operands of a row-major C (m, n) = op(A) op(B): A is stored (m, k), or (k, m) when
/// transpose_a; B is stored (k, n), or (n, k) when transpose_b. m, n, k > 0.
struct IntegerMatmul {
  std::int64_t m{}, n{}, k{};
  bool transpose_a{}, transpose_b{};
};

/// Queues C = op(A) op(B) on `stream`. Sums wrap around on overflow (two's complement), as the
/// CPU's do in practice. Throws CudaError when the launch fails.
void integer_matmul(const IntegerMatmul& p, const std::int32_t* a, const std::int32_t* b,
                    std::int32_t* c, cudaStream_t stream);
void integer_matmul(const IntegerMatmul& p, const std::int64_t* a, const std::int64_t* b,
                    std::int64_t* c, cudaStream_t stream);

}  // namespace varscope::cuda
