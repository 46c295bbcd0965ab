// Launchers of cuda/kernels/activation_kernels.cu: element-wise activations and their gradients,
// and BiasAdd. Raw device pointers, queued on `stream`. (BiasAddGrad is a reduction: see
// reduction_kernels.h.)
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "varscope/dtype.h"

namespace varscope::cuda {

enum class Activation : std::uint8_t { kRelu, kSigmoid, kTanh, kExp };

/// y = f(x) over n elements; dtype float32 or float64. Sigmoid of a float32 below -9 is exp(x),
/// as the CPU's (Eigen's) logistic.
void activation(Activation op, DType dtype, const void* x, void* y, std::int64_t n,
                cudaStream_t stream);

enum class ActivationGrad : std::uint8_t { kRelu, kSigmoid, kTanh };

/// out = the gradient over n elements; dtype float32 or float64.
///   kRelu:    a = gradients, b = features: a * (b > 0)
///   kSigmoid: a = y, b = dy: dy * y * (1 - y)
///   kTanh:    a = y, b = dy: dy * (1 - y * y)
void activation_grad(ActivationGrad op, DType dtype, const void* a, const void* b, void* out,
                     std::int64_t n, cudaStream_t stream);

/// out[r, c] = value[r, c] + bias[c] for a (rows, channels) value; dtype float32, float64, int32
/// or int64.
void bias_add(DType dtype, const void* value, const void* bias, void* out, std::int64_t rows,
              std::int64_t channels, cudaStream_t stream);

/// The first pass of ReluGrad + BiasAddGrad in one: for (rows, channels) gradients and features,
/// backprops = gradients * (features > 0) (as activation_grad's kRelu), and
/// partial[c * chunks + k] = the sum of backprops[r, c] over the rows of chunk k
/// ([k * chunk_rows, min(rows, (k + 1) * chunk_rows))), in row order. dtype float32 or float64.
void relu_grad_channel_sums(DType dtype, const void* gradients, const void* features,
                            void* backprops, void* partial, std::int64_t rows,
                            std::int64_t channels, std::int64_t chunks, std::int64_t chunk_rows,
                            cudaStream_t stream);

/// out[r, c] = relu(value[r, c] + bias[c]) (BiasAdd then Relu in one pass); dtype float32 or
/// float64.
void bias_add_relu(DType dtype, const void* value, const void* bias, void* out, std::int64_t rows,
                   std::int64_t channels, cudaStream_t stream);

}  // namespace varscope::cuda
