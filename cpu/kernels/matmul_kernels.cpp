// MatMul: C = op(A) op(B) for row-major matrices, op = transpose when transpose_a / transpose_b.
// One Eigen Tensor contraction on the thread pool (Eigen's blocked, vectorized GEMM): the
// transposes only change which dimensions are contracted, so no transposed copy is made.
#include <array>
#include <string>

#include "cpu/kernels/kernel_util.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

template <class T>
using ConstMatrix = Eigen::TensorMap<Eigen::Tensor<const T, 2, Eigen::RowMajor, Eigen::Index>>;
template <class T>
using Matrix = Eigen::TensorMap<Eigen::Tensor<T, 2, Eigen::RowMajor, Eigen::Index>>;

bool bool_attr(const KernelContext& ctx, const char* name) {
  return ctx.node().has_attr(name) && ctx.node().attr_as<bool>(name);
}

template <class T>
void matmul_kernel(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);  // (M, K), or (K, M) when transpose_a
  const Tensor& b = ctx.input(1);  // (K, N), or (N, K) when transpose_b
  const bool ta = bool_attr(ctx, "transpose_a");
  const bool tb = bool_attr(ctx, "transpose_b");
  if (a.shape().rank() != 2 || b.shape().rank() != 2) {
    ctx.fail("a and b must be matrices, got shapes " + a.shape().to_string() + " and " +
             b.shape().to_string());
  }
  const std::int64_t m = a.shape().dim(ta ? 1 : 0);
  const std::int64_t k = a.shape().dim(ta ? 0 : 1);
  const std::int64_t kb = b.shape().dim(tb ? 1 : 0);
  const std::int64_t n = b.shape().dim(tb ? 0 : 1);
  if (k != kb) {
    ctx.fail(std::string("inner dimensions differ: a ") + a.shape().to_string() +
             (ta ? " transposed" : "") + " and b " + b.shape().to_string() +
             (tb ? " transposed" : "") + " give " + std::to_string(k) + " and " +
             std::to_string(kb));
  }
  Tensor& out = ctx.allocate_output(0, Shape{m, n});  // (M, N)
  if (out.num_elements() == 0) return;
  Matrix<T> c(elements<T>(out), m, n);
  if (k == 0) {
    c.setZero();  // an empty sum
    return;
  }
  const ConstMatrix<T> am(elements<T>(a), a.shape().dim(0), a.shape().dim(1));
  const ConstMatrix<T> bm(elements<T>(b), b.shape().dim(0), b.shape().dim(1));
  const std::array<Eigen::IndexPair<Eigen::Index>, 1> contract{
      Eigen::IndexPair<Eigen::Index>(ta ? 0 : 1, tb ? 1 : 0)};
  c.device(eigen_device()) = am.contract(bm, contract);
}

}  // namespace

void register_matmul_kernels(KernelRegistry& registry) {
  for_each_math_dtype([&](auto tag, DType dtype) {
    registry.add("MatMul", DeviceType::kCPU, dtype, matmul_kernel<decltype(tag)>);
  });
}

}  // namespace varscope::cpu
