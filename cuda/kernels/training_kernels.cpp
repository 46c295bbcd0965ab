// GPU kernels of ApplyGradientDescent, ApplyMomentum and ApplyAdam: the host half. Checks shapes
// and scalars as the CPU kernels do (same messages) and launches the in-place updates of
// training_kernels.cu. The variable and slot inputs are the session's device buffers, so the
// update writes the variables; the scalar inputs stay on the device and the kernels read them.
#include "cuda/kernels/training_kernels.h"

#include <string>
#include <vector>

#include "core/fused_kernels.h"
#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"

namespace varscope::cuda {
namespace {

// The name of the variable behind input i (for messages).
const std::string& input_name(const KernelContext& ctx, int i) {
  return ctx.node().inputs().at(static_cast<std::size_t>(i)).node->name();
}

// A scalar input's device pointer (the kernels read the value).
const void* scalar_input(const KernelContext& ctx, int i, const char* what) {
  const Tensor& t = ctx.input(i);
  if (t.shape().rank() != 0)
    ctx.fail(std::string(what) + " is not a scalar: " + t.shape().to_string());
  return t.raw_data();
}

void expect_same_shape(const KernelContext& ctx, int i, const char* what) {
  const Shape& var = ctx.input(0).shape();
  const Shape& other = ctx.input(i).shape();
  if (var != other) {
    ctx.fail("var " + input_name(ctx, 0) + " and " + what +
             " do not have the same shape: " + var.to_string() + " and " + other.to_string());
  }
}

bool use_nesterov(const KernelContext& ctx) {
  return ctx.node().has_attr("use_nesterov") && ctx.node().attr_as<bool>("use_nesterov");
}

void apply_gradient_descent_kernel(KernelContext& ctx) {
  Tensor var = ctx.input(0);
  const void* alpha = scalar_input(ctx, 1, "alpha");
  expect_same_shape(ctx, 2, "delta");
  apply_gradient_descent(var.dtype(), var.raw_data(), alpha, ctx.input(2).raw_data(),
                         var.num_elements(), stream_of(ctx));
  ctx.set_output(0, std::move(var));
}

// Several ApplyGradientDescent updates in one launch (core/fusion.h).
void fused_apply_gradient_descent_kernel(KernelContext& ctx) {
  check_gradient_descent_args(ctx);
  std::vector<GradientDescentUpdate> updates;
  for (int first = 0; first < ctx.num_inputs(); first += 3) {
    Tensor var = ctx.input(first);
    updates.push_back({var.raw_data(), ctx.input(first + 1).raw_data(), ctx.input(first + 2).raw_data(),
                       var.num_elements()});
  }
  apply_gradient_descent_batch(ctx.input(0).dtype(), updates.data(), static_cast<int>(updates.size()),
                               stream_of(ctx));
  ctx.set_output(0, ctx.input(ctx.num_inputs() - 3));
}

void apply_momentum_kernel(KernelContext& ctx) {
  Tensor var = ctx.input(0);
  Tensor accum = ctx.input(1);
  expect_same_shape(ctx, 1, "accum");
  const void* lr = scalar_input(ctx, 2, "lr");
  expect_same_shape(ctx, 3, "grad");
  const void* momentum = scalar_input(ctx, 4, "momentum");
  apply_momentum(var.dtype(), var.raw_data(), accum.raw_data(), lr, ctx.input(3).raw_data(),
                 momentum, use_nesterov(ctx), var.num_elements(), stream_of(ctx));
  ctx.set_output(0, std::move(var));
}

void apply_adam_kernel(KernelContext& ctx) {
  Tensor var = ctx.input(0);
  Tensor m = ctx.input(1);
  Tensor v = ctx.input(2);
  expect_same_shape(ctx, 1, "m");
  expect_same_shape(ctx, 2, "v");
  AdamScalars scalars;
  scalars.beta1_power = scalar_input(ctx, 3, "beta1_power");
  scalars.beta2_power = scalar_input(ctx, 4, "beta2_power");
  scalars.lr = scalar_input(ctx, 5, "lr");
  scalars.beta1 = scalar_input(ctx, 6, "beta1");
  scalars.beta2 = scalar_input(ctx, 7, "beta2");
  scalars.epsilon = scalar_input(ctx, 8, "epsilon");
  expect_same_shape(ctx, 9, "grad");
  apply_adam(var.dtype(), var.raw_data(), m.raw_data(), v.raw_data(), scalars,
             ctx.input(9).raw_data(), use_nesterov(ctx), var.num_elements(), stream_of(ctx));
  ctx.set_output(0, std::move(var));
}

// Several ApplyAdam updates in one launch (core/fusion.h).
void fused_apply_adam_kernel(KernelContext& ctx) {
  check_adam_args(ctx);
  std::vector<AdamUpdate> updates;
  for (int first = 0; first < ctx.num_inputs(); first += 10) {
    const auto data = [&](int i) { return ctx.input(first + i).raw_data(); };
    // Copies share the variables' buffers: the update writes the variables.
    Tensor var = ctx.input(first), m = ctx.input(first + 1), v = ctx.input(first + 2);
    updates.push_back({.var = var.raw_data(),
                       .m = m.raw_data(),
                       .v = v.raw_data(),
                       .grad = data(9),
                       .scalars = {data(3), data(4), data(5), data(6), data(7), data(8)},
                       .n = var.num_elements()});
  }
  apply_adam_batch(ctx.input(0).dtype(), updates.data(), static_cast<int>(updates.size()),
                   use_nesterov(ctx), stream_of(ctx));
  ctx.set_output(0, ctx.input(ctx.num_inputs() - 10));
}

}  // namespace

void register_training_kernels(KernelRegistry& registry) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    registry.add("ApplyGradientDescent", DeviceType::kGPU, dtype, apply_gradient_descent_kernel);
    registry.add(kFusedApplyGradientDescent, DeviceType::kGPU, dtype, fused_apply_gradient_descent_kernel);
    registry.add("ApplyMomentum", DeviceType::kGPU, dtype, apply_momentum_kernel);
    registry.add("ApplyAdam", DeviceType::kGPU, dtype, apply_adam_kernel);
    registry.add(kFusedApplyAdam, DeviceType::kGPU, dtype, fused_apply_adam_kernel);
  }
}

}  // namespace varscope::cuda
