// Host launchers for cuda/kernels/pool_grad.cu: the NHWC pooling kernels cuDNN cannot stand in for.
//
//   - MaxPoolGrad: TF's CPU kernel routes each window's gradient to the FIRST maximum of the window
//     in row-major order; cuDNN documents no tie rule. Two passes: the arg-max of every window
//     (max_pool_argmax), then every input pixel gathers the gradients of the windows whose arg-max
//     it is (max_pool_grad), summed in the CPU's window order: bit-identical, no atomics.
//   - AvgPoolGrad: a gather as well (cuDNN's backward wants the forward input and output too).
//   - MaxPool / AvgPool forward where cuDNN's symmetric padding cannot express TF's SAME padding
//     (the odd pixel goes after the input), and for float64.
//
// Padding is never part of a window (max ignores it, avg divides by the real pixels), as in TF.
// Every launcher queues its work on `stream`; an empty output launches nothing. float32 and float64
// overloads; CudaError when a launch fails.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace varscope::cuda {

/// The geometry of an NHWC pooling: input (batch, in_h, in_w, depth), output (batch, out_h, out_w,
/// depth); the window of output (oh, ow) starts at (oh * stride_h - pad_top, ow * stride_w -
/// pad_left) and is clipped to the input (never empty: the kernels' callers guarantee it).
struct PoolWindow {
  std::int64_t batch{}, in_h{}, in_w{}, depth{};
  std::int64_t k_h{}, k_w{}, stride_h{}, stride_w{};
  std::int64_t out_h{}, out_w{}, pad_top{}, pad_left{};
};

void max_pool_forward(const PoolWindow& g, const float* in, float* out, cudaStream_t stream);
void max_pool_forward(const PoolWindow& g, const double* in, double* out, cudaStream_t stream);

void avg_pool_forward(const PoolWindow& g, const float* in, float* out, cudaStream_t stream);
void avg_pool_forward(const PoolWindow& g, const double* in, double* out, cudaStream_t stream);

/// argmax (batch, out_h, out_w, depth) = h * in_w + w of the first maximum of each window.
/// in_h * in_w must fit an int32 (the caller checks).
void max_pool_argmax(const PoolWindow& g, const float* in, std::int32_t* argmax,
                     cudaStream_t stream);
void max_pool_argmax(const PoolWindow& g, const double* in, std::int32_t* argmax,
                     cudaStream_t stream);

/// dx (batch, in_h, in_w, depth): every element written (0 where no window chose it).
void max_pool_grad(const PoolWindow& g, const std::int32_t* argmax, const float* dy, float* dx,
                   cudaStream_t stream);
void max_pool_grad(const PoolWindow& g, const std::int32_t* argmax, const double* dy, double* dx,
                   cudaStream_t stream);

/// dx (batch, in_h, in_w, depth) = the sum over the windows holding each pixel of dy / window size.
void avg_pool_grad(const PoolWindow& g, const float* dy, float* dx, cudaStream_t stream);
void avg_pool_grad(const PoolWindow& g, const double* dy, double* dx, cudaStream_t stream);

}  // namespace varscope::cuda
