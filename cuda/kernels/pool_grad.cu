// NHWC pooling kernels (see pool_grad.h). One thread per output element (forward, arg-max) or per
// input element (gradients), channel fastest so neighbouring threads touch neighbouring addresses;
// grid-stride loops. Index arithmetic is 32-bit when every tensor fits, 64-bit otherwise.
//
// The results match the CPU kernels (cpu/kernels/pool_kernels.cpp) bit for bit: the same windows,
// the same summation order, the same "strictly greater" arg-max, and products rounded on their own
// (__fmul_rn / __dmul_rn: no fused multiply-add where the CPU rounds the product first).
#include <algorithm>
#include <cstdint>

#include "cuda/check.h"
#include "cuda/kernels/pool_grad.h"

namespace varscope::cuda {
namespace {

constexpr int kThreads = 256;
constexpr std::int64_t kMaxBlocks = 2048;

template <class Index>
struct Window {
  Index batch{}, in_h{}, in_w{}, depth{};
  Index k_h{}, k_w{}, stride_h{}, stride_w{};
  Index out_h{}, out_w{}, pad_top{}, pad_left{};
};

template <class Index>
Window<Index> window_of(const PoolWindow& g) {
  return Window<Index>{static_cast<Index>(g.batch),    static_cast<Index>(g.in_h),
                       static_cast<Index>(g.in_w),     static_cast<Index>(g.depth),
                       static_cast<Index>(g.k_h),      static_cast<Index>(g.k_w),
                       static_cast<Index>(g.stride_h), static_cast<Index>(g.stride_w),
                       static_cast<Index>(g.out_h),    static_cast<Index>(g.out_w),
                       static_cast<Index>(g.pad_top),  static_cast<Index>(g.pad_left)};
}

__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }

template <class Index>
__device__ __forceinline__ Index first_index() {
  return static_cast<Index>(blockIdx.x) * static_cast<Index>(blockDim.x) +
         static_cast<Index>(threadIdx.x);
}

template <class Index>
__device__ __forceinline__ Index grid_step() {
  return static_cast<Index>(blockDim.x) * static_cast<Index>(gridDim.x);
}

/// Output element i = ((n * out_h + oh) * out_w + ow) * depth + c: its clipped window [h0, h1) x
/// [w0, w1), and the offset of (n, 0, 0, c) in the input.
template <class Index>
struct OutputWindow {
  Index h0{}, h1{}, w0{}, w1{}, image{};

  __device__ OutputWindow(const Window<Index>& g, Index i) {
    const Index c = i % g.depth;
    Index rest = i / g.depth;
    const Index ow = rest % g.out_w;
    rest /= g.out_w;
    const Index oh = rest % g.out_h;
    const Index n = rest / g.out_h;
    h0 = oh * g.stride_h - g.pad_top;
    w0 = ow * g.stride_w - g.pad_left;
    h1 = min(h0 + g.k_h, g.in_h);
    w1 = min(w0 + g.k_w, g.in_w);
    h0 = max(h0, Index(0));
    w0 = max(w0, Index(0));
    image = n * g.in_h * g.in_w * g.depth + c;
  }
};

template <class T, class Index>
__global__ void max_pool_forward_kernel(Window<Index> g, const T* __restrict__ in,
                                        T* __restrict__ out, Index total) {
  for (Index i = first_index<Index>(); i < total; i += grid_step<Index>()) {
    const OutputWindow<Index> win(g, i);
    const T* image = in + win.image;
    T best = image[(win.h0 * g.in_w + win.w0) * g.depth];
    for (Index h = win.h0; h < win.h1; ++h) {
      for (Index w = win.w0; w < win.w1; ++w) {
        const T v = image[(h * g.in_w + w) * g.depth];
        best = v > best ? v : best;
      }
    }
    out[i] = best;
  }
}

template <class T, class Index>
__global__ void avg_pool_forward_kernel(Window<Index> g, const T* __restrict__ in,
                                        T* __restrict__ out, Index total) {
  for (Index i = first_index<Index>(); i < total; i += grid_step<Index>()) {
    const OutputWindow<Index> win(g, i);
    const T* image = in + win.image;
    T sum = T(0);
    for (Index h = win.h0; h < win.h1; ++h) {
      for (Index w = win.w0; w < win.w1; ++w) sum += image[(h * g.in_w + w) * g.depth];
    }
    out[i] = sum / static_cast<T>((win.h1 - win.h0) * (win.w1 - win.w0));
  }
}

template <class T, class Index>
__global__ void max_pool_argmax_kernel(Window<Index> g, const T* __restrict__ in,
                                       std::int32_t* __restrict__ argmax, Index total) {
  for (Index i = first_index<Index>(); i < total; i += grid_step<Index>()) {
    const OutputWindow<Index> win(g, i);
    const T* image = in + win.image;
    Index best_at = win.h0 * g.in_w + win.w0;
    T best = image[best_at * g.depth];
    for (Index h = win.h0; h < win.h1; ++h) {
      for (Index w = win.w0; w < win.w1; ++w) {
        const T v = image[(h * g.in_w + w) * g.depth];
        if (v > best) {  // strictly: the first maximum wins, as on the CPU
          best = v;
          best_at = h * g.in_w + w;
        }
      }
    }
    argmax[i] = static_cast<std::int32_t>(best_at);
  }
}

/// The outputs whose windows hold input row (or column) `x`: [lo, hi] (empty when lo > hi).
template <class Index>
__device__ __forceinline__ void covering(Index x, Index pad, Index k, Index stride, Index out,
                                         Index& lo, Index& hi) {
  // o * stride - pad <= x < o * stride - pad + k
  const Index first = x + pad - k;
  lo = first >= 0 ? first / stride + 1 : Index(0);
  hi = min((x + pad) / stride, out - 1);
}

/// Input element i = ((n * in_h + h) * in_w + w) * depth + c.
template <class Index>
struct InputPixel {
  Index n{}, h{}, w{}, c{};

  __device__ InputPixel(const Window<Index>& g, Index i) {
    c = i % g.depth;
    Index rest = i / g.depth;
    w = rest % g.in_w;
    rest /= g.in_w;
    h = rest % g.in_h;
    n = rest / g.in_h;
  }
};

template <class T, class Index>
__global__ void max_pool_grad_kernel(Window<Index> g, const std::int32_t* __restrict__ argmax,
                                     const T* __restrict__ dy, T* __restrict__ dx, Index total) {
  for (Index i = first_index<Index>(); i < total; i += grid_step<Index>()) {
    const InputPixel<Index> p(g, i);
    Index oh_lo, oh_hi, ow_lo, ow_hi;
    covering(p.h, g.pad_top, g.k_h, g.stride_h, g.out_h, oh_lo, oh_hi);
    covering(p.w, g.pad_left, g.k_w, g.stride_w, g.out_w, ow_lo, ow_hi);
    const auto self = static_cast<std::int32_t>(p.h * g.in_w + p.w);
    T sum = T(0);
    for (Index oh = oh_lo; oh <= oh_hi; ++oh) {
      for (Index ow = ow_lo; ow <= ow_hi; ++ow) {
        const Index o = ((p.n * g.out_h + oh) * g.out_w + ow) * g.depth + p.c;
        if (argmax[o] == self) sum += dy[o];
      }
    }
    dx[i] = sum;
  }
}

template <class T, class Index>
__global__ void avg_pool_grad_kernel(Window<Index> g, const T* __restrict__ dy, T* __restrict__ dx,
                                     Index total) {
  for (Index i = first_index<Index>(); i < total; i += grid_step<Index>()) {
    const InputPixel<Index> p(g, i);
    Index oh_lo, oh_hi, ow_lo, ow_hi;
    covering(p.h, g.pad_top, g.k_h, g.stride_h, g.out_h, oh_lo, oh_hi);
    covering(p.w, g.pad_left, g.k_w, g.stride_w, g.out_w, ow_lo, ow_hi);
    T sum = T(0);
    for (Index oh = oh_lo; oh <= oh_hi; ++oh) {
      const Index h0 = oh * g.stride_h - g.pad_top;
      const Index rows = min(h0 + g.k_h, g.in_h) - max(h0, Index(0));
      for (Index ow = ow_lo; ow <= ow_hi; ++ow) {
        const Index w0 = ow * g.stride_w - g.pad_left;
        const Index cols = min(w0 + g.k_w, g.in_w) - max(w0, Index(0));
        const T scale = T(1) / static_cast<T>(rows * cols);
        sum += mul_rn(dy[((p.n * g.out_h + oh) * g.out_w + ow) * g.depth + p.c], scale);
      }
    }
    dx[i] = sum;
  }
}

// ------------------------------------------------------------------------------------------------
// Launch helpers

std::int64_t input_elements(const PoolWindow& g) { return g.batch * g.in_h * g.in_w * g.depth; }
std::int64_t output_elements(const PoolWindow& g) { return g.batch * g.out_h * g.out_w * g.depth; }

// 32-bit indices when every index formed (elements of either tensor, window corners) fits.
bool fits_int32(const PoolWindow& g) {
  constexpr std::int64_t kLimit = 2147483647;
  const std::int64_t largest = std::max({input_elements(g), output_elements(g),
                                         g.out_h * g.stride_h + g.k_h, g.out_w * g.stride_w + g.k_w,
                                         g.in_h + g.pad_top + g.k_h, g.in_w + g.pad_left + g.k_w});
  return largest < kLimit;
}

unsigned int blocks_for(std::int64_t total) {
  return static_cast<unsigned int>(
      std::clamp<std::int64_t>((total + kThreads - 1) / kThreads, 1, kMaxBlocks));
}

// Runs `launch(Index{})` with the narrowest index type that fits, after checking for work.
template <class Launch>
void with_index(const PoolWindow& g, std::int64_t total, const Launch& launch) {
  if (total <= 0) return;
  if (fits_int32(g)) {
    launch(std::int32_t{});
  } else {
    launch(std::int64_t{});
  }
  VS_CUDA_CHECK(cudaGetLastError());
}

template <class T>
void max_pool_forward_impl(const PoolWindow& g, const T* in, T* out, cudaStream_t stream) {
  const std::int64_t total = output_elements(g);
  with_index(g, total, [&](auto index) {
    using Index = decltype(index);
    max_pool_forward_kernel<T, Index><<<blocks_for(total), kThreads, 0, stream>>>(
        window_of<Index>(g), in, out, static_cast<Index>(total));
  });
}

template <class T>
void avg_pool_forward_impl(const PoolWindow& g, const T* in, T* out, cudaStream_t stream) {
  const std::int64_t total = output_elements(g);
  with_index(g, total, [&](auto index) {
    using Index = decltype(index);
    avg_pool_forward_kernel<T, Index><<<blocks_for(total), kThreads, 0, stream>>>(
        window_of<Index>(g), in, out, static_cast<Index>(total));
  });
}

template <class T>
void max_pool_argmax_impl(const PoolWindow& g, const T* in, std::int32_t* argmax,
                          cudaStream_t stream) {
  const std::int64_t total = output_elements(g);
  with_index(g, total, [&](auto index) {
    using Index = decltype(index);
    max_pool_argmax_kernel<T, Index><<<blocks_for(total), kThreads, 0, stream>>>(
        window_of<Index>(g), in, argmax, static_cast<Index>(total));
  });
}

template <class T>
void max_pool_grad_impl(const PoolWindow& g, const std::int32_t* argmax, const T* dy, T* dx,
                        cudaStream_t stream) {
  const std::int64_t total = input_elements(g);
  with_index(g, total, [&](auto index) {
    using Index = decltype(index);
    max_pool_grad_kernel<T, Index><<<blocks_for(total), kThreads, 0, stream>>>(
        window_of<Index>(g), argmax, dy, dx, static_cast<Index>(total));
  });
}

template <class T>
void avg_pool_grad_impl(const PoolWindow& g, const T* dy, T* dx, cudaStream_t stream) {
  const std::int64_t total = input_elements(g);
  with_index(g, total, [&](auto index) {
    using Index = decltype(index);
    avg_pool_grad_kernel<T, Index><<<blocks_for(total), kThreads, 0, stream>>>(
        window_of<Index>(g), dy, dx, static_cast<Index>(total));
  });
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

void max_pool_forward(const PoolWindow& g, const float* in, float* out, cudaStream_t stream) {
  max_pool_forward_impl(g, in, out, stream);
}
void max_pool_forward(const PoolWindow& g, const double* in, double* out, cudaStream_t stream) {
  max_pool_forward_impl(g, in, out, stream);
}

void avg_pool_forward(const PoolWindow& g, const float* in, float* out, cudaStream_t stream) {
  avg_pool_forward_impl(g, in, out, stream);
}
void avg_pool_forward(const PoolWindow& g, const double* in, double* out, cudaStream_t stream) {
  avg_pool_forward_impl(g, in, out, stream);
}

void max_pool_argmax(const PoolWindow& g, const float* in, std::int32_t* argmax,
                     cudaStream_t stream) {
  max_pool_argmax_impl(g, in, argmax, stream);
}
void max_pool_argmax(const PoolWindow& g, const double* in, std::int32_t* argmax,
                     cudaStream_t stream) {
  max_pool_argmax_impl(g, in, argmax, stream);
}

void max_pool_grad(const PoolWindow& g, const std::int32_t* argmax, const float* dy, float* dx,
                   cudaStream_t stream) {
  max_pool_grad_impl(g, argmax, dy, dx, stream);
}
void max_pool_grad(const PoolWindow& g, const std::int32_t* argmax, const double* dy, double* dx,
                   cudaStream_t stream) {
  max_pool_grad_impl(g, argmax, dy, dx, stream);
}

void avg_pool_grad(const PoolWindow& g, const float* dy, float* dx, cudaStream_t stream) {
  avg_pool_grad_impl(g, dy, dx, stream);
}
void avg_pool_grad(const PoolWindow& g, const double* dy, double* dx, cudaStream_t stream) {
  avg_pool_grad_impl(g, dy, dx, stream);
}

}  // namespace varscope::cuda
