// CPU kernels of the optimizer update ops: they update the variable (input 0) and its slots in
// place, with TF's formulas (tensorflow/core/kernels/training_ops.cc), and output the variable.
// Inputs that are variables arrive as the session's current value tensors, so writing through them
// updates the variable. Large tensors are split over the thread pool; each shard is one Eigen array
// expression.
#include <string>

#include "core/fused_kernels.h"
#include "cpu/kernels/kernel_util.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

template <class T>
using Vec = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstVec = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// The name of the variable behind input i (for messages).
const std::string& input_name(const KernelContext& ctx, int i) {
  return ctx.node().inputs().at(i).node->name();
}

template <class T>
T scalar_input(const KernelContext& ctx, int i, const char* what) {
  const Tensor& t = ctx.input(i);
  if (t.shape().rank() != 0)
    ctx.fail(std::string(what) + " is not a scalar: " + t.shape().to_string());
  return *elements<T>(t);
}

void expect_same_shape(const KernelContext& ctx, int i, const char* what) {
  const Shape& var = ctx.input(0).shape();
  const Shape& other = ctx.input(i).shape();
  if (var != other) {
    ctx.fail("var " + input_name(ctx, 0) + " and " + what +
             " do not have the same shape: " + var.to_string() + " and " + other.to_string());
  }
}

// Runs fn(offset, count) over the variable's elements in shards; `cost` is cycles per element.
template <class Fn>
void for_each_shard(std::int64_t n, double cost, Fn&& fn) {
  parallel_for(n, cost, [&](std::int64_t begin, std::int64_t end) { fn(begin, end - begin); });
}

// var -= alpha * delta
template <class T>
void apply_gradient_descent(KernelContext& ctx) {
  Tensor var = ctx.input(0);
  const T alpha = scalar_input<T>(ctx, 1, "alpha");
  expect_same_shape(ctx, 2, "delta");
  T* pv = elements<T>(var);
  const T* pg = elements<T>(ctx.input(2));
  for_each_shard(var.num_elements(), 2.0, [&](std::int64_t at, std::int64_t n) {
    Vec<T>(pv + at, n) -= ConstVec<T>(pg + at, n) * alpha;
  });
  ctx.set_output(0, std::move(var));
}

// Several updates at once (core/fusion.h): inputs (var, alpha, delta) per variable, each updated as
// above once all are checked.
template <class T>
void fused_apply_gradient_descent(KernelContext& ctx) {
  check_gradient_descent_args(ctx);
  for (int first = 0; first < ctx.num_inputs(); first += 3) {
    Tensor var = ctx.input(first);
    const T alpha = *elements<T>(ctx.input(first + 1));
    T* pv = elements<T>(var);
    const T* pg = elements<T>(ctx.input(first + 2));
    for_each_shard(var.num_elements(), 2.0, [&](std::int64_t at, std::int64_t n) {
      Vec<T>(pv + at, n) -= ConstVec<T>(pg + at, n) * alpha;
    });
  }
  ctx.set_output(0, ctx.input(ctx.num_inputs() - 3));
}

// accum = accum * momentum + grad
// var  -= accum * lr                                (use_nesterov: grad * lr + accum * momentum *
// lr)
template <class T>
void apply_momentum(KernelContext& ctx) {
  Tensor var = ctx.input(0);
  Tensor accum = ctx.input(1);
  expect_same_shape(ctx, 1, "accum");
  const T lr = scalar_input<T>(ctx, 2, "lr");
  expect_same_shape(ctx, 3, "grad");
  const T momentum = scalar_input<T>(ctx, 4, "momentum");
  const bool nesterov =
      ctx.node().has_attr("use_nesterov") && ctx.node().attr_as<bool>("use_nesterov");
  T* pv = elements<T>(var);
  T* pa = elements<T>(accum);
  const T* pg = elements<T>(ctx.input(3));
  for_each_shard(var.num_elements(), 6.0, [&](std::int64_t at, std::int64_t n) {
    Vec<T> v(pv + at, n);
    Vec<T> a(pa + at, n);
    ConstVec<T> g(pg + at, n);
    a = a * momentum + g;
    if (nesterov) {
      v -= g * lr + a * momentum * lr;
    } else {
      v -= a * lr;
    }
  });
  ctx.set_output(0, std::move(var));
}

bool use_nesterov(const Node& node) {
  return node.has_attr("use_nesterov") && node.attr_as<bool>("use_nesterov");
}

template <class T>
struct AdamScalars {
  T beta1_power, beta2_power, lr, beta1, beta2, epsilon;
};

// ApplyAdam's update of var, m and v (in place: the tensors share the variables' buffers) for
// gradient grad.
template <class T>
void adam_update(Tensor var, Tensor m_tensor, Tensor v_tensor, const Tensor& grad,
                 const AdamScalars<T>& s, bool nesterov) {
  const T one(1);
  const T alpha = s.lr * Eigen::numext::sqrt(one - s.beta2_power) / (one - s.beta1_power);
  T* pvar = elements<T>(var);
  T* pm = elements<T>(m_tensor);
  T* pv = elements<T>(v_tensor);
  const T* pg = elements<T>(grad);
  for_each_shard(var.num_elements(), 24.0, [&](std::int64_t at, std::int64_t n) {
    Vec<T> w(pvar + at, n);
    Vec<T> m(pm + at, n);
    Vec<T> v(pv + at, n);
    ConstVec<T> g(pg + at, n);
    m += (g - m) * (one - s.beta1);
    v += (g.square() - v) * (one - s.beta2);
    if (nesterov) {
      w -= ((g * (one - s.beta1) + s.beta1 * m) * alpha) / (v.sqrt() + s.epsilon);
    } else {
      w -= (m * alpha) / (v.sqrt() + s.epsilon);
    }
  });
}

// alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power)
// m += (grad - m) * (1 - beta1);  v += (grad^2 - v) * (1 - beta2)
// var -= m * alpha / (sqrt(v) + epsilon)   (use_nesterov: (grad * (1 - beta1) + beta1 * m) instead
// of m)
template <class T>
void apply_adam(KernelContext& ctx) {
  Tensor var = ctx.input(0);
  Tensor m_tensor = ctx.input(1);
  Tensor v_tensor = ctx.input(2);
  expect_same_shape(ctx, 1, "m");
  expect_same_shape(ctx, 2, "v");
  const T beta1_power = scalar_input<T>(ctx, 3, "beta1_power");
  const T beta2_power = scalar_input<T>(ctx, 4, "beta2_power");
  const T lr = scalar_input<T>(ctx, 5, "lr");
  const T beta1 = scalar_input<T>(ctx, 6, "beta1");
  const T beta2 = scalar_input<T>(ctx, 7, "beta2");
  const T epsilon = scalar_input<T>(ctx, 8, "epsilon");
  expect_same_shape(ctx, 9, "grad");
  adam_update<T>(var, m_tensor, v_tensor, ctx.input(9),
                 AdamScalars<T>{beta1_power, beta2_power, lr, beta1, beta2, epsilon},
                 use_nesterov(ctx.node()));
  ctx.set_output(0, std::move(var));
}

// Several ApplyAdam updates at once (core/fusion.h): inputs (var, m, v, beta1_power, beta2_power,
// lr, beta1, beta2, epsilon, grad) per variable, each updated as above once all are checked.
template <class T>
void fused_apply_adam(KernelContext& ctx) {
  check_adam_args(ctx);
  const bool nesterov = use_nesterov(ctx.node());  // the same for every update (core/fusion.cpp)
  for (int first = 0; first < ctx.num_inputs(); first += 10) {
    const auto scalar = [&](int i) { return *elements<T>(ctx.input(first + i)); };
    adam_update<T>(
        ctx.input(first), ctx.input(first + 1), ctx.input(first + 2), ctx.input(first + 9),
        AdamScalars<T>{scalar(3), scalar(4), scalar(5), scalar(6), scalar(7), scalar(8)}, nesterov);
  }
  ctx.set_output(0, ctx.input(ctx.num_inputs() - 10));
}

template <class T>
void register_for(KernelRegistry& registry, DType dtype) {
  registry.add("ApplyGradientDescent", DeviceType::kCPU, dtype, apply_gradient_descent<T>);
  registry.add(kFusedApplyGradientDescent, DeviceType::kCPU, dtype,
               fused_apply_gradient_descent<T>);
  registry.add("ApplyMomentum", DeviceType::kCPU, dtype, apply_momentum<T>);
  registry.add("ApplyAdam", DeviceType::kCPU, dtype, apply_adam<T>);
  registry.add(kFusedApplyAdam, DeviceType::kCPU, dtype, fused_apply_adam<T>);
}

}  // namespace

void register_training_kernels(KernelRegistry& registry) {
  register_for<float>(registry, DType::kFloat32);
  register_for<double>(registry, DType::kFloat64);
}

}  // namespace varscope::cpu
