// Softmax and LogSoftmax over the last axis, SoftmaxCrossEntropyWithLogits and
// SparseSoftmaxCrossEntropyWithLogits. Every row is shifted by its maximum before exp (so large
// logits cannot overflow); rows run in parallel, each one vectorized by Eigen.
//
// Both cross entropies output the per-row loss, sum_j labels_j * (log(sum_k exp(z_k)) - z_j), and
// its gradient with respect to the logits, softmax(z) - labels (TF's "backprop" output).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/kernels/nn_kernels.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

template <class T>
using Row = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstRow = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

// Calls fn(row) for every row of `rows` rows of `cols` values, rows in parallel.
template <class Fn>
void for_each_row(std::int64_t rows, std::int64_t cols, const Fn& fn) {
  parallel_for(rows, static_cast<double>(cols) * 20, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) fn(r);
  });
}

template <class T, bool kLog>
void softmax_kernel(KernelContext& ctx) {
  const Tensor& logits = ctx.input(0);
  if (logits.shape().rank() < 1) ctx.fail("logits must have at least 1 dimension, got shape ()");
  Tensor& out = ctx.allocate_output(0, logits.shape());
  const std::int64_t cols = logits.shape().dim(-1);
  if (out.num_elements() == 0) return;
  const std::int64_t rows = logits.num_elements() / cols;
  const T* z = elements<T>(logits);
  T* y = elements<T>(out);
  for_each_row(rows, cols, [&](std::int64_t r) {
    const ConstRow<T> in(z + r * cols, cols);
    Row<T> dst(y + r * cols, cols);
    dst = in - in.maxCoeff();
    if constexpr (kLog) {
      dst -= std::log(dst.exp().sum());
    } else {
      dst = dst.exp();
      dst /= dst.sum();
    }
  });
}

// Shared by both cross entropies: loss_r and backprop_r from the logits row and label weights,
// `labels_row(r, dst)` writing row r's label distribution into dst.
template <class T, class Labels>
void xent_rows(KernelContext& ctx, const Tensor& logits, const Labels& labels_row) {
  const std::int64_t rows = logits.shape().dim(0);
  const std::int64_t cols = logits.shape().dim(1);
  Tensor& loss = ctx.allocate_output(0, Shape{rows});
  Tensor& backprop = ctx.allocate_output(1, Shape{rows, cols});
  if (rows == 0) return;
  if (cols == 0) {
    // No classes: TF defines the loss as NaN (log of an empty sum is -inf; 0 * -inf).
    std::fill_n(elements<T>(loss), rows, std::numeric_limits<T>::quiet_NaN());
    return;
  }
  const T* z = elements<T>(logits);
  T* l = elements<T>(loss);
  T* bp = elements<T>(backprop);
  parallel_for(rows, static_cast<double>(cols) * 20, [&](std::int64_t begin, std::int64_t end) {
    Eigen::Array<T, Eigen::Dynamic, 1> shifted(cols);  // one buffer per shard
    for (std::int64_t r = begin; r < end; ++r) {
      const ConstRow<T> in(z + r * cols, cols);
      Row<T> dst(bp + r * cols, cols);
      labels_row(r, dst);  // dst = labels for now
      shifted = in - in.maxCoeff();
      const T sum_exp = shifted.exp().sum();
      const T log_sum = std::log(sum_exp);
      l[r] = (dst * (log_sum - shifted)).sum();
      dst = shifted.exp() / sum_exp - dst;
    }
  });
}

// SoftmaxCrossEntropyWithLogits(features (batch, classes), labels (batch, classes)).
template <class T>
void softmax_xent_kernel(KernelContext& ctx) {
  const Tensor& logits = ctx.input(0);
  const Tensor& labels = ctx.input(1);
  if (logits.shape().rank() != 2 || logits.shape() != labels.shape()) {
    ctx.fail("logits and labels must be same-shaped (batch, classes) matrices, got logits " +
             logits.shape().to_string() + " and labels " + labels.shape().to_string());
  }
  const std::int64_t cols = logits.shape().dim(1);
  const T* p = elements<T>(labels);
  xent_rows<T>(ctx, logits,
               [&](std::int64_t r, Row<T>& dst) { dst = ConstRow<T>(p + r * cols, cols); });
}

// SparseSoftmaxCrossEntropyWithLogits(features (batch, classes), labels (batch,) class indices).
template <class T, class Index>
void sparse_xent_rows(KernelContext& ctx, const Tensor& logits, const Index* labels) {
  const std::int64_t rows = logits.shape().dim(0);
  const std::int64_t cols = logits.shape().dim(1);
  // Checked up front so the error names the first bad row, whatever the threads do.
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto label = static_cast<std::int64_t>(labels[r]);
    if (label < 0 || label >= cols) {
      ctx.fail("Received a label value of " + std::to_string(label) +
               " which is outside the valid range of [0, " + std::to_string(cols) + ") in row " +
               std::to_string(r) + " of labels");
    }
  }
  xent_rows<T>(ctx, logits, [&](std::int64_t r, Row<T>& dst) {
    dst.setZero();
    dst[static_cast<Eigen::Index>(labels[r])] = T(1);
  });
}

template <class T>
void sparse_softmax_xent_kernel(KernelContext& ctx) {
  const Tensor& logits = ctx.input(0);
  const Tensor& labels = ctx.input(1);
  if (logits.shape().rank() != 2)
    ctx.fail("logits must be rank 2 (batch, classes), got shape " + logits.shape().to_string());
  if (labels.shape().rank() != 1 || labels.shape().dim(0) != logits.shape().dim(0)) {
    ctx.fail("labels shape " + labels.shape().to_string() +
             " must equal the first dimension of logits shape " + logits.shape().to_string());
  }
  if (labels.dtype() == DType::kInt32) {
    sparse_xent_rows<T>(ctx, logits, elements<std::int32_t>(labels));
  } else if (labels.dtype() == DType::kInt64) {
    sparse_xent_rows<T>(ctx, logits, elements<std::int64_t>(labels));
  } else {
    ctx.fail("labels must be int32 or int64, got " + std::string(dtype_name(labels.dtype())));
  }
}

template <class T>
void register_for(KernelRegistry& registry, DType dtype) {
  registry.add("Softmax", DeviceType::kCPU, dtype, softmax_kernel<T, false>);
  registry.add("LogSoftmax", DeviceType::kCPU, dtype, softmax_kernel<T, true>);
  registry.add("SoftmaxCrossEntropyWithLogits", DeviceType::kCPU, dtype, softmax_xent_kernel<T>);
  registry.add("SparseSoftmaxCrossEntropyWithLogits", DeviceType::kCPU, dtype,
               sparse_softmax_xent_kernel<T>);
}

}  // namespace

void register_softmax_kernels(KernelRegistry& registry) {
  register_for<float>(registry, DType::kFloat32);
  register_for<double>(registry, DType::kFloat64);
}

}  // namespace varscope::cpu
