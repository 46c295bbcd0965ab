// GPU kernels of Softmax, LogSoftmax, SoftmaxCrossEntropyWithLogits and
// SparseSoftmaxCrossEntropyWithLogits: the host half, with the CPU kernels' checks and messages.
//
// One difference from the CPU: sparse labels live on the device, so an out-of-range label cannot
// fail the step without a device-to-host copy and a synchronization. As TF's GPU kernel does, that
// row's loss and backprop are NaN instead (the CPU kernel fails naming the label and row).
#include "cuda/kernels/softmax_kernels.h"

#include <string>

#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"

namespace varscope::cuda {
namespace {

template <bool kLog>
void softmax_kernel(KernelContext& ctx) {
  const Tensor& logits = ctx.input(0);
  if (logits.shape().rank() < 1) ctx.fail("logits must have at least 1 dimension, got shape ()");
  Tensor& out = ctx.allocate_output(0, logits.shape());
  const std::int64_t cols = logits.shape().dim(-1);
  if (out.num_elements() == 0) return;
  softmax(logits.dtype(), kLog, logits.raw_data(), out.raw_data(), logits.num_elements() / cols,
          cols, stream_of(ctx));
}

// SoftmaxCrossEntropyWithLogits(features (batch, classes), labels (batch, classes)).
void softmax_xent_kernel(KernelContext& ctx) {
  const Tensor& logits = ctx.input(0);
  const Tensor& labels = ctx.input(1);
  if (logits.shape().rank() != 2 || logits.shape() != labels.shape()) {
    ctx.fail("logits and labels must be same-shaped (batch, classes) matrices, got logits " +
             logits.shape().to_string() + " and labels " + labels.shape().to_string());
  }
  const std::int64_t rows = logits.shape().dim(0);
  const std::int64_t cols = logits.shape().dim(1);
  Tensor& loss = ctx.allocate_output(0, Shape{rows});
  Tensor& backprop = ctx.allocate_output(1, Shape{rows, cols});
  softmax_cross_entropy(logits.dtype(), logits.raw_data(), labels.raw_data(), loss.raw_data(),
                        backprop.raw_data(), rows, cols, stream_of(ctx));
}

// SparseSoftmaxCrossEntropyWithLogits(features (batch, classes), labels (batch,) class indices).
void sparse_softmax_xent_kernel(KernelContext& ctx) {
  const Tensor& logits = ctx.input(0);
  const Tensor& labels = ctx.input(1);
  if (logits.shape().rank() != 2)
    ctx.fail("logits must be rank 2 (batch, classes), got shape " + logits.shape().to_string());
  if (labels.shape().rank() != 1 || labels.shape().dim(0) != logits.shape().dim(0)) {
    ctx.fail("labels shape " + labels.shape().to_string() +
             " must equal the first dimension of logits shape " + logits.shape().to_string());
  }
  if (labels.dtype() != DType::kInt32 && labels.dtype() != DType::kInt64)
    ctx.fail("labels must be int32 or int64, got " + std::string(dtype_name(labels.dtype())));
  const std::int64_t rows = logits.shape().dim(0);
  const std::int64_t cols = logits.shape().dim(1);
  Tensor& loss = ctx.allocate_output(0, Shape{rows});
  Tensor& backprop = ctx.allocate_output(1, Shape{rows, cols});
  sparse_softmax_cross_entropy(logits.dtype(), labels.dtype(), logits.raw_data(), labels.raw_data(),
                               loss.raw_data(), backprop.raw_data(), rows, cols, stream_of(ctx));
}

}  // namespace

void register_softmax_kernels(KernelRegistry& registry) {
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    registry.add("Softmax", DeviceType::kGPU, dtype, softmax_kernel<false>);
    registry.add("LogSoftmax", DeviceType::kGPU, dtype, softmax_kernel<true>);
    registry.add("SoftmaxCrossEntropyWithLogits", DeviceType::kGPU, dtype, softmax_xent_kernel);
    registry.add("SparseSoftmaxCrossEntropyWithLogits", DeviceType::kGPU, dtype,
                 sparse_softmax_xent_kernel);
  }
}

}  // namespace varscope::cuda
