// GPU kernels of Relu, Sigmoid, Tanh, Exp, their gradients, BiasAdd and BiasAddGrad: the host
// half. Same checks and messages as cpu/kernels/activation_kernels.cpp. BiasAdd adds the bias
// along the last axis (NHWC; the op has no data_format attr, as on the CPU); BiasAddGrad is the
// column sum of reduction_kernels.cu over every axis but the last; fused after a ReluGrad, a pass
// of activation_kernels.cu writes the backprops and partial sums, and the column sum adds those.
#include "cuda/kernels/activation_kernels.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/fused_kernels.h"
#include "cuda/check.h"
#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"
#include "cuda/kernels/reduction_kernels.h"

namespace varscope::cuda {
namespace {

template <Activation Op>
void activation_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, x.shape());
  activation(Op, x.dtype(), x.raw_data(), out.raw_data(), x.num_elements(), stream_of(ctx));
}

// The gradients take two same-shaped inputs.
template <ActivationGrad Op>
void activation_grad_kernel(KernelContext& ctx, const char* a_name, const char* b_name) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.shape() != b.shape()) {
    ctx.fail(std::string(a_name) + " shape " + a.shape().to_string() + " and " + b_name +
             " shape " + b.shape().to_string() + " differ");
  }
  Tensor& out = ctx.allocate_output(0, a.shape());
  activation_grad(Op, a.dtype(), a.raw_data(), b.raw_data(), out.raw_data(), a.num_elements(),
                  stream_of(ctx));
}

void relu_grad_kernel(KernelContext& ctx) {
  activation_grad_kernel<ActivationGrad::kRelu>(ctx, "gradients", "features");
}
void sigmoid_grad_kernel(KernelContext& ctx) {
  activation_grad_kernel<ActivationGrad::kSigmoid>(ctx, "y", "dy");
}
void tanh_grad_kernel(KernelContext& ctx) {
  activation_grad_kernel<ActivationGrad::kTanh>(ctx, "y", "dy");
}

// BiasAdd(value (..., C), bias (C)); with kRelu, the fused BiasAdd + Relu of a plan
// (core/fusion.cpp): one pass instead of two, the same values.
template <bool kRelu = false>
void bias_add_kernel(KernelContext& ctx) {
  const Tensor& value = ctx.input(0);
  const Tensor& bias = ctx.input(1);
  check_bias_add_args(ctx, value, bias);
  Tensor& out = ctx.allocate_output(0, value.shape());
  const std::int64_t channels = bias.num_elements();
  if (out.num_elements() == 0) return;
  if constexpr (kRelu) {
    bias_add_relu(value.dtype(), value.raw_data(), bias.raw_data(), out.raw_data(),
                  value.num_elements() / channels, channels, stream_of(ctx));
  } else {
    bias_add(value.dtype(), value.raw_data(), bias.raw_data(), out.raw_data(),
             value.num_elements() / channels, channels, stream_of(ctx));
  }
}

// out (channels) = the sum over rows of a (rows, channels) `in` whose row r, channel c is at
// in[r * row_stride + c * channel_stride].
void sum_rows(KernelContext& ctx, DType dtype, const void* in, void* out, std::int64_t rows,
              std::int64_t channels, std::int64_t row_stride, std::int64_t channel_stride) {
  ReduceGeometry geometry;
  geometry.num_outputs = channels;
  geometry.reduced_count = rows;
  geometry.kept.rank = 1;
  geometry.kept.sizes[0] = channels;
  geometry.kept.strides[0] = channel_stride;
  geometry.reduced.rank = 1;
  geometry.reduced.sizes[0] = rows;
  geometry.reduced.strides[0] = row_stride;
  const std::size_t bytes = reduce_workspace_bytes(dtype, ReduceOp::kSum, geometry);
  Tensor workspace;
  if (bytes > 0) {
    // float64 elements: the partial accumulators need 8-byte alignment.
    workspace = ctx.allocate_temp(
        DType::kFloat64,
        Shape{static_cast<std::int64_t>((bytes + sizeof(double) - 1) / sizeof(double))});
  }
  reduce(dtype, ReduceOp::kSum, in, out, geometry, bytes > 0 ? workspace.raw_data() : nullptr,
         stream_of(ctx));
}

// BiasAddGrad(out_backprop (..., C)): the sum over every axis but the last.
void bias_add_grad_kernel(KernelContext& ctx) {
  const Tensor& dy = ctx.input(0);
  if (dy.shape().rank() < 2)
    ctx.fail("out_backprop must be at least rank 2, got shape " + dy.shape().to_string());
  const std::int64_t channels = dy.shape().dim(-1);
  Tensor& out = ctx.allocate_output(0, Shape{channels});
  if (channels == 0) return;
  sum_rows(ctx, dy.dtype(), dy.raw_data(), out.raw_data(), dy.num_elements() / channels, channels,
           /*row_stride=*/channels, /*channel_stride=*/1);
}

// ReluGrad then BiasAddGrad of its output, fused by a plan (core/fusion.cpp): one pass writes the
// backprops and a partial sum per (channel, chunk of rows), a second adds each channel's partials.
// The backprops are ReluGrad's bits; the bias gradient differs from BiasAddGrad's only in rounding.
void relu_grad_bias_add_grad_kernel(KernelContext& ctx) {
  // Chunks aim at about as many threads as a full H100 runs (132 SMs x 2048), with at least 64
  // rows each: a function of the shape only, so the result bits do not vary from run to run.
  constexpr std::int64_t kTargetThreads = 132 * 2048;
  constexpr std::int64_t kMinChunkRows = 64;
  const std::int64_t channels = check_relu_grad_bias_add_grad_args(ctx);
  const Tensor& gradients = ctx.input(0);
  const Tensor& features = ctx.input(1);
  Tensor& backprops = ctx.allocate_output(0, gradients.shape());
  Tensor& bias_backprop = ctx.allocate_output(1, Shape{channels});
  if (channels == 0) return;
  const std::int64_t rows = gradients.num_elements() / channels;
  if (rows == 0) {  // an empty sum per channel
    VS_CUDA_CHECK(
        cudaMemsetAsync(bias_backprop.raw_data(), 0, bias_backprop.nbytes(), stream_of(ctx)));
    return;
  }
  const std::int64_t wanted = std::max<std::int64_t>(
      1, std::min((kTargetThreads + channels - 1) / channels, rows / kMinChunkRows));
  const std::int64_t chunk_rows = (rows + wanted - 1) / wanted;
  const std::int64_t chunks = (rows + chunk_rows - 1) / chunk_rows;
  Tensor partial = ctx.allocate_temp(gradients.dtype(), Shape{channels * chunks});
  relu_grad_channel_sums(gradients.dtype(), gradients.raw_data(), features.raw_data(),
                         backprops.raw_data(), partial.raw_data(), rows, channels, chunks,
                         chunk_rows, stream_of(ctx));
  sum_rows(ctx, gradients.dtype(), partial.raw_data(), bias_backprop.raw_data(), chunks, channels,
           /*row_stride=*/1, /*channel_stride=*/chunks);
}

}  // namespace

void register_activation_kernels(KernelRegistry& registry) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    registry.add("Relu", DeviceType::kGPU, dtype, activation_kernel<Activation::kRelu>);
    registry.add("Sigmoid", DeviceType::kGPU, dtype, activation_kernel<Activation::kSigmoid>);
    registry.add("Tanh", DeviceType::kGPU, dtype, activation_kernel<Activation::kTanh>);
    registry.add("Exp", DeviceType::kGPU, dtype, activation_kernel<Activation::kExp>);
    registry.add("ReluGrad", DeviceType::kGPU, dtype, relu_grad_kernel);
    registry.add("SigmoidGrad", DeviceType::kGPU, dtype, sigmoid_grad_kernel);
    registry.add("TanhGrad", DeviceType::kGPU, dtype, tanh_grad_kernel);
    registry.add(kFusedBiasAddRelu, DeviceType::kGPU, dtype, bias_add_kernel<true>);
    registry.add(kFusedReluGradBiasAddGrad, DeviceType::kGPU, dtype,
                 relu_grad_bias_add_grad_kernel);
  }
  // BiasAdd is not only for floats in TF.
  for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kInt32, DType::kInt64}) {
    registry.add("BiasAdd", DeviceType::kGPU, dtype, bias_add_kernel<>);
    registry.add("BiasAddGrad", DeviceType::kGPU, dtype, bias_add_grad_kernel);
  }
}

}  // namespace varscope::cuda
