// Launchers of cuda/kernels/training_kernels.cu: the optimizer updates ApplyGradientDescent,
// ApplyMomentum and ApplyAdam, in place on device buffers with TF's formulas. Scalar
// hyper-parameters are one-element device buffers, read by the kernels (no host round trip).
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "varscope/dtype.h"

namespace varscope::cuda {

/// var -= delta * alpha[0] over n elements. dtype: float32 or float64 (every buffer).
void apply_gradient_descent(DType dtype, void* var, const void* alpha, const void* delta,
                            std::int64_t n, cudaStream_t stream);

/// One update of apply_gradient_descent_batch.
struct GradientDescentUpdate {
  void* var{};
  const void* alpha{};
  const void* delta{};
  std::int64_t n{};
};

/// apply_gradient_descent for every update, in as few launches as fit (a fused step of a plan). The
/// variables must be distinct; the values are those of one launch per update.
void apply_gradient_descent_batch(DType dtype, const GradientDescentUpdate* updates, int count,
                                  cudaStream_t stream);

/// accum = accum * momentum[0] + grad; var -= accum * lr[0] (use_nesterov: grad * lr +
/// accum * momentum * lr).
void apply_momentum(DType dtype, void* var, void* accum, const void* lr, const void* grad,
                    const void* momentum, bool use_nesterov, std::int64_t n, cudaStream_t stream);

/// ApplyAdam's one-element device inputs.
struct AdamScalars {
  const void* beta1_power{};
  const void* beta2_power{};
  const void* lr{};
  const void* beta1{};
  const void* beta2{};
  const void* epsilon{};
};

/// alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power); m += (grad - m) * (1 - beta1);
/// v += (grad^2 - v) * (1 - beta2); var -= m * alpha / (sqrt(v) + epsilon) (use_nesterov:
/// grad * (1 - beta1) + beta1 * m in place of m).
void apply_adam(DType dtype, void* var, void* m, void* v, const AdamScalars& scalars,
                const void* grad, bool use_nesterov, std::int64_t n, cudaStream_t stream);

/// One update of apply_adam_batch.
struct AdamUpdate {
  void* var{};
  void* m{};
  void* v{};
  const void* grad{};
  AdamScalars scalars{};
  std::int64_t n{};
};

/// apply_adam for every update, in as few launches as fit (a fused step of a plan). The variables
/// must be distinct; the values are those of one launch per update.
void apply_adam_batch(DType dtype, const AdamUpdate* updates, int count, bool use_nesterov,
                      cudaStream_t stream);

}  // namespace varscope::cuda
