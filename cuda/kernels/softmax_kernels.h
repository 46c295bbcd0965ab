// Launchers of cuda/kernels/softmax_kernels.cu: Softmax and LogSoftmax over the last axis, and the
// dense and sparse softmax cross entropies. Raw device pointers, queued on `stream`.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "varscope/dtype.h"

namespace varscope::cuda {

/// out = softmax (log_softmax when `log_softmax`) of each of `rows` rows of `cols` logits, shifted
/// by the row maximum first. dtype float32 or float64.
void softmax(DType dtype, bool log_softmax, const void* logits, void* out, std::int64_t rows,
             std::int64_t cols, cudaStream_t stream);

/// Per row: loss = sum_j labels_j * (log(sum_k exp(z_k)) - z_j) and backprop = softmax(z) -
/// labels (z shifted by the row maximum), for (rows, cols) logits and labels. cols == 0 gives NaN
/// losses, as TF.
void softmax_cross_entropy(DType dtype, const void* logits, const void* labels, void* loss,
                           void* backprop, std::int64_t rows, std::int64_t cols,
                           cudaStream_t stream);

/// The same with one class index per row (label_dtype int32 or int64, on the device). A label
/// outside [0, cols) cannot fail the launch (it is never read on the host): that row's loss and
/// backprop are NaN, as in TF's GPU kernel.
void sparse_softmax_cross_entropy(DType dtype, DType label_dtype, const void* logits,
                                  const void* labels, void* loss, void* backprop, std::int64_t rows,
                                  std::int64_t cols, cudaStream_t stream);

}  // namespace varscope::cuda
