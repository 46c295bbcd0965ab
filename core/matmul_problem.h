// The problem of a MatMul node on its inputs, checked as TF checks it: shared by the CPU and GPU
// kernels (and their fused MatMul + BiasAdd), so both fail with the same messages.
#pragma once

#include <cstdint>

#include "varscope/graph.h"
#include "varscope/tensor.h"

namespace varscope {

/// Row-major C (m, n) = op(A) op(B), sums k long.
struct MatmulProblem {
  std::int64_t m{}, n{}, k{};
  bool transpose_a{}, transpose_b{};
};

/// The problem of MatMul node `node` (its transpose_a / transpose_b attrs) on a, (m, k) or (k, m)
/// transposed, and b, (k, n) or (n, k) transposed. Throws InvalidArgumentError naming the node when
/// they are no matrices or their inner dimensions differ.
MatmulProblem matmul_problem(const Node& node, const Tensor& a, const Tensor& b);

}  // namespace varscope
