// Element-wise activations and their gradients (Relu, Sigmoid, Tanh, Exp; ReluGrad, SigmoidGrad,
// TanhGrad) and BiasAdd: Eigen Tensor expressions evaluated on the shared thread pool, so large
// activations split across threads and small ones stay on the caller. BiasAddGrad (alone, and fused
// after a ReluGrad) sums blocks of rows on the pool with vectorized row additions.
#include <algorithm>
#include <string>
#include <vector>

#include "core/fused_kernels.h"
#include "cpu/kernels/nn_kernels.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

template <class T>
using Flat = Eigen::TensorMap<Eigen::Tensor<T, 1, Eigen::RowMajor>>;
template <class T>
using ConstFlat = Eigen::TensorMap<Eigen::Tensor<const T, 1, Eigen::RowMajor>>;
template <class T>
using Matrix = Eigen::TensorMap<Eigen::Tensor<T, 2, Eigen::RowMajor>>;
template <class T>
using ConstMatrix = Eigen::TensorMap<Eigen::Tensor<const T, 2, Eigen::RowMajor>>;

template <class T>
ConstFlat<T> flat(const Tensor& t) {
  return ConstFlat<T>(elements<T>(t), t.num_elements());
}

// out = f(x) for one input.
template <class T, class F>
void unary_kernel(KernelContext& ctx, const F& f) {
  const Tensor& x = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, x.shape());
  Flat<T>(elements<T>(out), out.num_elements()).device(eigen_device()) = f(flat<T>(x));
}

// out = f(a, b) for two same-shaped inputs (the activation gradients).
template <class T, class F>
void binary_kernel(KernelContext& ctx, const char* a_name, const char* b_name, const F& f) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.shape() != b.shape()) {
    ctx.fail(std::string(a_name) + " shape " + a.shape().to_string() + " and " + b_name +
             " shape " + b.shape().to_string() + " differ");
  }
  Tensor& out = ctx.allocate_output(0, a.shape());
  Flat<T>(elements<T>(out), out.num_elements()).device(eigen_device()) = f(flat<T>(a), flat<T>(b));
}

template <class T>
void relu_kernel(KernelContext& ctx) {
  unary_kernel<T>(ctx, [](const auto& x) { return x.cwiseMax(T(0)); });
}

template <class T>
void sigmoid_kernel(KernelContext& ctx) {
  unary_kernel<T>(ctx, [](const auto& x) { return x.sigmoid(); });
}

template <class T>
void tanh_kernel(KernelContext& ctx) {
  unary_kernel<T>(ctx, [](const auto& x) { return x.tanh(); });
}

template <class T>
void exp_kernel(KernelContext& ctx) {
  unary_kernel<T>(ctx, [](const auto& x) { return x.exp(); });
}

// ReluGrad(gradients, features): the gradient where features > 0 (0 at the kink, as TF).
template <class T>
void relu_grad_kernel(KernelContext& ctx) {
  binary_kernel<T>(ctx, "gradients", "features", [](const auto& dy, const auto& x) {
    return dy * (x > x.constant(T(0))).template cast<T>();
  });
}

// SigmoidGrad(y, dy) = dy * y * (1 - y).
template <class T>
void sigmoid_grad_kernel(KernelContext& ctx) {
  binary_kernel<T>(ctx, "y", "dy",
                   [](const auto& y, const auto& dy) { return dy * y * (y.constant(T(1)) - y); });
}

// TanhGrad(y, dy) = dy * (1 - y^2).
template <class T>
void tanh_grad_kernel(KernelContext& ctx) {
  binary_kernel<T>(ctx, "y", "dy",
                   [](const auto& y, const auto& dy) { return dy * (y.constant(T(1)) - y * y); });
}

// BiasAdd(value (..., C), bias (C)): the bias broadcast over every row; with kRelu, the fused
// BiasAdd + Relu of a plan (core/fusion.cpp), the same values as the two kernels one after the
// other.
template <class T, bool kRelu = false>
void bias_add_kernel(KernelContext& ctx) {
  const Tensor& value = ctx.input(0);
  const Tensor& bias = ctx.input(1);
  check_bias_add_args(ctx, value, bias);
  Tensor& out = ctx.allocate_output(0, value.shape());
  const Eigen::Index channels = bias.num_elements();
  if (out.num_elements() == 0) return;
  const Eigen::Index rows = value.num_elements() / channels;
  const Eigen::array<Eigen::Index, 2> one_row{1, channels};
  const Eigen::array<Eigen::Index, 2> every_row{rows, 1};
  const auto sum = ConstMatrix<T>(elements<T>(value), rows, channels) +
                   ConstFlat<T>(elements<T>(bias), channels).reshape(one_row).broadcast(every_row);
  if constexpr (kRelu) {
    Matrix<T>(elements<T>(out), rows, channels).device(eigen_device()) = sum.cwiseMax(T(0));
  } else {
    Matrix<T>(elements<T>(out), rows, channels).device(eigen_device()) = sum;
  }
}

template <class T>
using Row = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstRow = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// out (channels) = the sum over the rows of a (rows, channels) matrix. Rows are cut into blocks of
// a fixed size, so the order of additions (and the result) does not depend on the thread count;
// `sum_block(begin, end, partial)` adds rows [begin, end) into its block's zeroed partial row, and
// the partial rows are added in block order. (Eigen's Tensor reduction over the outer axis adds
// one strided column at a time, several times slower.)
template <class T, class SumBlock>
void sum_over_rows(std::int64_t rows, std::int64_t channels, T* out, const SumBlock& sum_block) {
  constexpr std::int64_t kBlockElements = std::int64_t{1} << 14;
  const std::int64_t block_rows = std::max<std::int64_t>(1, kBlockElements / channels);
  const std::int64_t blocks = (rows + block_rows - 1) / block_rows;
  std::vector<T> partial(static_cast<std::size_t>(blocks * channels), T(0));
  parallel_for(blocks, 2.0 * static_cast<double>(block_rows * channels),
               [&](std::int64_t first, std::int64_t last) {
                 for (std::int64_t b = first; b < last; ++b) {
                   sum_block(b * block_rows, std::min(rows, (b + 1) * block_rows),
                             partial.data() + b * channels);
                 }
               });
  Row<T> total(out, channels);
  total.setZero();
  for (std::int64_t b = 0; b < blocks; ++b)
    total += ConstRow<T>(partial.data() + b * channels, channels);
}

// BiasAddGrad(out_backprop (..., C)): the sum over every axis but the last.
template <class T>
void bias_add_grad_kernel(KernelContext& ctx) {
  const Tensor& dy = ctx.input(0);
  if (dy.shape().rank() < 2)
    ctx.fail("out_backprop must be at least rank 2, got shape " + dy.shape().to_string());
  const std::int64_t channels = dy.shape().dim(-1);
  Tensor& out = ctx.allocate_output(0, Shape{channels});
  if (channels == 0) return;
  const T* in = elements<T>(dy);
  sum_over_rows<T>(dy.num_elements() / channels, channels, elements<T>(out),
                   [&](std::int64_t begin, std::int64_t end, T* partial) {
                     Row<T> sum(partial, channels);
                     for (std::int64_t r = begin; r < end; ++r)
                       sum += ConstRow<T>(in + r * channels, channels);
                   });
}

// ReluGrad then BiasAddGrad of its output, fused by a plan (core/fusion.cpp): one pass writes the
// backprops and sums them per channel, the same values as the two kernels one after the other.
template <class T>
void relu_grad_bias_add_grad_kernel(KernelContext& ctx) {
  const std::int64_t channels = check_relu_grad_bias_add_grad_args(ctx);
  const Tensor& gradients = ctx.input(0);
  const Tensor& features = ctx.input(1);
  Tensor& backprops = ctx.allocate_output(0, gradients.shape());
  Tensor& bias_backprop = ctx.allocate_output(1, Shape{channels});
  if (channels == 0) return;
  const T* dy = elements<T>(gradients);
  const T* x = elements<T>(features);
  T* dx = elements<T>(backprops);
  sum_over_rows<T>(gradients.num_elements() / channels, channels, elements<T>(bias_backprop),
                   [&](std::int64_t begin, std::int64_t end, T* partial) {
                     Row<T> sum(partial, channels);
                     for (std::int64_t r = begin; r < end; ++r) {
                       const std::int64_t at = r * channels;
                       Row<T> row(dx + at, channels);
                       row = ConstRow<T>(dy + at, channels) *
                             (ConstRow<T>(x + at, channels) > T(0)).template cast<T>();
                       sum += row;
                     }
                   });
}

template <class T>
void register_for(KernelRegistry& registry, DType dtype) {
  registry.add("Relu", DeviceType::kCPU, dtype, relu_kernel<T>);
  registry.add("Sigmoid", DeviceType::kCPU, dtype, sigmoid_kernel<T>);
  registry.add("Tanh", DeviceType::kCPU, dtype, tanh_kernel<T>);
  registry.add("Exp", DeviceType::kCPU, dtype, exp_kernel<T>);
  registry.add("ReluGrad", DeviceType::kCPU, dtype, relu_grad_kernel<T>);
  registry.add("SigmoidGrad", DeviceType::kCPU, dtype, sigmoid_grad_kernel<T>);
  registry.add("TanhGrad", DeviceType::kCPU, dtype, tanh_grad_kernel<T>);
  registry.add("BiasAdd", DeviceType::kCPU, dtype, bias_add_kernel<T>);
  registry.add("BiasAddGrad", DeviceType::kCPU, dtype, bias_add_grad_kernel<T>);
  registry.add(kFusedBiasAddRelu, DeviceType::kCPU, dtype, bias_add_kernel<T, true>);
  registry.add(kFusedReluGradBiasAddGrad, DeviceType::kCPU, dtype,
               relu_grad_bias_add_grad_kernel<T>);
}

}  // namespace

void register_activation_kernels(KernelRegistry& registry) {
  register_for<float>(registry, DType::kFloat32);
  register_for<double>(registry, DType::kFloat64);
  // BiasAdd is not only for floats in TF.
  registry.add("BiasAdd", DeviceType::kCPU, DType::kInt32, bias_add_kernel<std::int32_t>);
  registry.add("BiasAdd", DeviceType::kCPU, DType::kInt64, bias_add_kernel<std::int64_t>);
  registry.add("BiasAddGrad", DeviceType::kCPU, DType::kInt32, bias_add_grad_kernel<std::int32_t>);
  registry.add("BiasAddGrad", DeviceType::kCPU, DType::kInt64, bias_add_grad_kernel<std::int64_t>);
}

}  // namespace varscope::cpu
