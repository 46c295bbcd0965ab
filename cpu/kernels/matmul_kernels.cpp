// MatMul: C = op(A) op(B) for row-major matrices, op = transpose when transpose_a / transpose_b.
// One Eigen Tensor contraction on the thread pool (Eigen's blocked, vectorized GEMM): the
// transposes only change which dimensions are contracted, so no transposed copy is made.
// The fused MatMul + BiasAdd [+ Relu] of a plan (core/fusion.h) adds the bias (and clamps) in place
// after the product, with the separate kernels' arithmetic.
#include <array>
#include <string>

#include "core/fused_kernels.h"
#include "core/matmul_problem.h"
#include "cpu/kernels/kernel_util.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

template <class T>
using ConstMatrix = Eigen::TensorMap<Eigen::Tensor<const T, 2, Eigen::RowMajor, Eigen::Index>>;
template <class T>
using Matrix = Eigen::TensorMap<Eigen::Tensor<T, 2, Eigen::RowMajor, Eigen::Index>>;
template <class T>
using ConstVector = Eigen::TensorMap<Eigen::Tensor<const T, 1, Eigen::RowMajor, Eigen::Index>>;

// out (m, n) = op(a) op(b).
template <class T>
void multiply(const MatmulProblem& p, const Tensor& a, const Tensor& b, Tensor& out) {
  Matrix<T> c(elements<T>(out), p.m, p.n);
  if (p.k == 0) {
    c.setZero();  // an empty sum
    return;
  }
  const ConstMatrix<T> am(elements<T>(a), a.shape().dim(0), a.shape().dim(1));
  const ConstMatrix<T> bm(elements<T>(b), b.shape().dim(0), b.shape().dim(1));
  const std::array<Eigen::IndexPair<Eigen::Index>, 1> contract{
      Eigen::IndexPair<Eigen::Index>(p.transpose_a ? 0 : 1, p.transpose_b ? 1 : 0)};
  c.device(eigen_device()) = am.contract(bm, contract);
}

template <class T>
void matmul_kernel(KernelContext& ctx) {
  const MatmulProblem p = matmul_problem(ctx.node(), ctx.input(0), ctx.input(1));
  Tensor& out = ctx.allocate_output(0, Shape{p.m, p.n});
  if (out.num_elements() == 0) return;
  multiply<T>(p, ctx.input(0), ctx.input(1), out);
}

// MatMul, then BiasAdd of the product, then (kRelu) Relu: inputs (a, b, bias).
template <class T, bool kRelu>
void matmul_bias_add_kernel(KernelContext& ctx) {
  const Node& matmul = *ctx.fused_nodes().at(0);
  const MatmulProblem p = matmul_problem(matmul, ctx.input(0), ctx.input(1));
  const Tensor& bias = ctx.input(2);
  check_bias_add_args(*ctx.fused_nodes().at(1), Shape{p.m, p.n}, bias.shape());
  Tensor& out = ctx.allocate_output(0, Shape{p.m, p.n});
  if (out.num_elements() == 0) return;
  multiply<T>(p, ctx.input(0), ctx.input(1), out);
  Matrix<T> c(elements<T>(out), p.m, p.n);
  const Eigen::array<Eigen::Index, 2> one_row{1, p.n};
  const Eigen::array<Eigen::Index, 2> every_row{p.m, 1};
  const auto sum = c + ConstVector<T>(elements<T>(bias), p.n).reshape(one_row).broadcast(every_row);
  if constexpr (kRelu) {
    c.device(eigen_device()) = sum.cwiseMax(T(0));
  } else {
    c.device(eigen_device()) = sum;
  }
}

}  // namespace

void register_matmul_kernels(KernelRegistry& registry) {
  for_each_math_dtype([&](auto tag, DType dtype) {
    registry.add("MatMul", DeviceType::kCPU, dtype, matmul_kernel<decltype(tag)>);
  });
  registry.add(kFusedMatMulBiasAdd, DeviceType::kCPU, DType::kFloat32,
               matmul_bias_add_kernel<float, false>);
  registry.add(kFusedMatMulBiasAdd, DeviceType::kCPU, DType::kFloat64,
               matmul_bias_add_kernel<double, false>);
  registry.add(kFusedMatMulBiasAddRelu, DeviceType::kCPU, DType::kFloat32,
               matmul_bias_add_kernel<float, true>);
  registry.add(kFusedMatMulBiasAddRelu, DeviceType::kCPU, DType::kFloat64,
               matmul_bias_add_kernel<double, true>);
}

}  // namespace varscope::cpu
