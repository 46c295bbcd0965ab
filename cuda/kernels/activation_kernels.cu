// Element-wise activations (Relu, Sigmoid, Tanh, Exp), their gradients and BiasAdd on the GPU, and
// the first pass of the fused ReluGrad + BiasAddGrad.
// Grid-stride loops over 64-bit indices; when every buffer is 16-byte aligned each thread moves
// whole 16-byte vectors (4 floats, 2 doubles), the tail element by element. Formulas follow the
// CPU kernels (cpu/kernels/activation_kernels.cpp) operation for operation.
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "cuda/check.h"
#include "cuda/kernels/activation_kernels.h"
#include "cuda/kernels/reduce.cuh"
#include "varscope/error.h"

namespace varscope::cuda {
namespace {

using reduce_cuh::blocks_for;
using reduce_cuh::kBlockThreads;

// 16 bytes of T, for vector loads and stores.
template <class T>
struct alignas(16) Vector {
  static constexpr int kWidth = static_cast<int>(16 / sizeof(T));
  T v[kWidth]{};
};

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

template <Activation Op>
struct ActivationFn {
  template <class T>
  __device__ __forceinline__ T operator()(T x, T /*unused*/) const {
    if constexpr (Op == Activation::kRelu) {
      return x < T(0) ? T(0) : x;  // max(x, 0) with NaN kept, as the CPU's cwiseMax
    } else if constexpr (Op == Activation::kSigmoid) {
      if constexpr (std::is_same_v<T, float>) {
        // Eigen's float logistic (the CPU kernel) switches to exp(x) below -9.
        return x < -9.0f ? expf(x) : 1.0f / (1.0f + expf(-x));
      } else {
        return T(1) / (T(1) + exp(-x));
      }
    } else if constexpr (Op == Activation::kTanh) {
      return tanh(x);
    } else {
      return exp(x);
    }
  }
};

template <ActivationGrad Op>
struct GradFn {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    if constexpr (Op == ActivationGrad::kRelu) {
      return a * static_cast<T>(b > T(0));  // gradients * (features > 0)
    } else if constexpr (Op == ActivationGrad::kSigmoid) {
      return b * a * (T(1) - a);  // dy * y * (1 - y)
    } else {
      return b * (T(1) - a * a);  // dy * (1 - y^2)
    }
  }
};

// out[i] = f(a[i], b[i]); unary functions (kBinary false) get a[i] twice and b is not read.
template <class T, class F, bool kBinary, bool kVectorized>
__global__ void __launch_bounds__(kBlockThreads)
    map_kernel(const T* a, const T* b, T* out, std::int64_t n, F f) {
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  const std::int64_t thread = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  std::int64_t scalar_begin = 0;
  if constexpr (kVectorized) {
    using V = Vector<T>;
    const std::int64_t vectors = n / V::kWidth;
    const V* va = reinterpret_cast<const V*>(a);
    const V* vb = reinterpret_cast<const V*>(b);
    V* vout = reinterpret_cast<V*>(out);
    for (std::int64_t i = thread; i < vectors; i += stride) {
      const V x = va[i];
      V r;
      if constexpr (kBinary) {
        const V y = vb[i];
#pragma unroll
        for (int k = 0; k < V::kWidth; ++k) r.v[k] = f(x.v[k], y.v[k]);
      } else {
#pragma unroll
        for (int k = 0; k < V::kWidth; ++k) r.v[k] = f(x.v[k], x.v[k]);
      }
      vout[i] = r;
    }
    scalar_begin = vectors * V::kWidth;
  }
  for (std::int64_t i = scalar_begin + thread; i < n; i += stride) {
    if constexpr (kBinary) {
      out[i] = f(a[i], b[i]);
    } else {
      out[i] = f(a[i], a[i]);
    }
  }
}

template <class T, bool kBinary, class F>
void launch_map(const void* a, const void* b, void* out, std::int64_t n, F f, cudaStream_t stream) {
  if (n <= 0) return;
  const T* pa = static_cast<const T*>(a);
  const T* pb = static_cast<const T*>(b);
  T* po = static_cast<T*>(out);
  if (aligned16(a) && (!kBinary || aligned16(b)) && aligned16(out)) {
    const std::int64_t vectors = (n + Vector<T>::kWidth - 1) / Vector<T>::kWidth;
    map_kernel<T, F, kBinary, true>
        <<<blocks_for(vectors), kBlockThreads, 0, stream>>>(pa, pb, po, n, f);
  } else {
    map_kernel<T, F, kBinary, false><<<blocks_for(n), kBlockThreads, 0, stream>>>(pa, pb, po, n, f);
  }
  VS_CUDA_CHECK(cudaGetLastError());
}

template <bool kBinary, class F>
void launch_map_dtype(const char* launcher, DType dtype, const void* a, const void* b, void* out,
                      std::int64_t n, F f, cudaStream_t stream) {
  switch (dtype) {
    case DType::kFloat32:
      return launch_map<float, kBinary>(a, b, out, n, f, stream);
    case DType::kFloat64:
      return launch_map<double, kBinary>(a, b, out, n, f, stream);
    default:
      break;
  }
  throw InvalidArgumentError("[" + std::string(launcher) + "] dtype " +
                             std::string(dtype_name(dtype)) + " is not supported on GPU");
}

// The channel of element i is i % channels; 32-bit indices when they fit (much cheaper modulo).
// kRelu: the sum goes through Relu (fused BiasAdd + Relu), rounded to T first as the two kernels
// do.
template <class T, class Index, bool kRelu>
__global__ void __launch_bounds__(kBlockThreads)
    bias_add_kernel(const T* value, const T* bias, T* out, Index n, Index channels) {
  const Index stride = static_cast<Index>(blockDim.x) * gridDim.x;
  for (Index i = static_cast<Index>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
    const T sum = value[i] + bias[i % channels];
    if constexpr (kRelu) {
      out[i] = ActivationFn<Activation::kRelu>{}(sum, sum);
    } else {
      out[i] = sum;
    }
  }
}

template <class T, bool kRelu = false>
void bias_add_typed(const void* value, const void* bias, void* out, std::int64_t rows,
                    std::int64_t channels, cudaStream_t stream) {
  const std::int64_t n = rows * channels;
  if (n <= 0) return;
  const T* pv = static_cast<const T*>(value);
  const T* pb = static_cast<const T*>(bias);
  T* po = static_cast<T*>(out);
  const unsigned int blocks = blocks_for(n);
  // i + stride stays below 2^32 when n < 2^31.
  if (n < (std::int64_t{1} << 31)) {
    bias_add_kernel<T, std::uint32_t, kRelu><<<blocks, kBlockThreads, 0, stream>>>(
        pv, pb, po, static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(channels));
  } else {
    bias_add_kernel<T, std::int64_t, kRelu>
        <<<blocks, kBlockThreads, 0, stream>>>(pv, pb, po, n, channels);
  }
  VS_CUDA_CHECK(cudaGetLastError());
}

// A thread per (channel, chunk of rows): the ReluGrad of each element of its rows, written, and
// their sum, into partial[channel * chunks + chunk]. Threads go through the channels of chunk 0
// first, so neighbours touch neighbouring elements.
template <class T>
__global__ void __launch_bounds__(kBlockThreads)
    relu_grad_channel_sums_kernel(const T* gradients, const T* features, T* backprops, T* partial,
                                  std::int64_t rows, std::int64_t channels, std::int64_t chunks,
                                  std::int64_t chunk_rows) {
  const GradFn<ActivationGrad::kRelu> relu_grad;
  const std::int64_t tasks = channels * chunks;
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t task = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       task < tasks; task += stride) {
    const std::int64_t chunk = task / channels;
    const std::int64_t c = task - chunk * channels;
    const std::int64_t end = min(rows, (chunk + 1) * chunk_rows);
    T sum = T(0);
#pragma unroll 4
    for (std::int64_t r = chunk * chunk_rows; r < end; ++r) {
      const std::int64_t i = r * channels + c;
      const T value = relu_grad(gradients[i], features[i]);
      backprops[i] = value;
      sum += value;
    }
    partial[c * chunks + chunk] = sum;
  }
}

template <class T>
void relu_grad_channel_sums_typed(const void* gradients, const void* features, void* backprops,
                                  void* partial, std::int64_t rows, std::int64_t channels,
                                  std::int64_t chunks, std::int64_t chunk_rows,
                                  cudaStream_t stream) {
  relu_grad_channel_sums_kernel<T><<<blocks_for(channels * chunks), kBlockThreads, 0, stream>>>(
      static_cast<const T*>(gradients), static_cast<const T*>(features), static_cast<T*>(backprops),
      static_cast<T*>(partial), rows, channels, chunks, chunk_rows);
  VS_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

void relu_grad_channel_sums(DType dtype, const void* gradients, const void* features,
                            void* backprops, void* partial, std::int64_t rows,
                            std::int64_t channels, std::int64_t chunks, std::int64_t chunk_rows,
                            cudaStream_t stream) {
  if (rows <= 0 || channels <= 0) return;
  switch (dtype) {
    case DType::kFloat32:
      return relu_grad_channel_sums_typed<float>(gradients, features, backprops, partial, rows,
                                                 channels, chunks, chunk_rows, stream);
    case DType::kFloat64:
      return relu_grad_channel_sums_typed<double>(gradients, features, backprops, partial, rows,
                                                  channels, chunks, chunk_rows, stream);
    default:
      break;
  }
  throw InvalidArgumentError("[relu_grad_channel_sums] dtype " + std::string(dtype_name(dtype)) +
                             " is not supported on GPU");
}

void activation(Activation op, DType dtype, const void* x, void* y, std::int64_t n,
                cudaStream_t stream) {
  switch (op) {
    case Activation::kRelu:
      return launch_map_dtype<false>("activation", dtype, x, nullptr, y, n,
                                     ActivationFn<Activation::kRelu>{}, stream);
    case Activation::kSigmoid:
      return launch_map_dtype<false>("activation", dtype, x, nullptr, y, n,
                                     ActivationFn<Activation::kSigmoid>{}, stream);
    case Activation::kTanh:
      return launch_map_dtype<false>("activation", dtype, x, nullptr, y, n,
                                     ActivationFn<Activation::kTanh>{}, stream);
    case Activation::kExp:
      return launch_map_dtype<false>("activation", dtype, x, nullptr, y, n,
                                     ActivationFn<Activation::kExp>{}, stream);
  }
}

void activation_grad(ActivationGrad op, DType dtype, const void* a, const void* b, void* out,
                     std::int64_t n, cudaStream_t stream) {
  switch (op) {
    case ActivationGrad::kRelu:
      return launch_map_dtype<true>("activation_grad", dtype, a, b, out, n,
                                    GradFn<ActivationGrad::kRelu>{}, stream);
    case ActivationGrad::kSigmoid:
      return launch_map_dtype<true>("activation_grad", dtype, a, b, out, n,
                                    GradFn<ActivationGrad::kSigmoid>{}, stream);
    case ActivationGrad::kTanh:
      return launch_map_dtype<true>("activation_grad", dtype, a, b, out, n,
                                    GradFn<ActivationGrad::kTanh>{}, stream);
  }
}

void bias_add(DType dtype, const void* value, const void* bias, void* out, std::int64_t rows,
              std::int64_t channels, cudaStream_t stream) {
  switch (dtype) {
    case DType::kFloat32:
      return bias_add_typed<float>(value, bias, out, rows, channels, stream);
    case DType::kFloat64:
      return bias_add_typed<double>(value, bias, out, rows, channels, stream);
    case DType::kInt32:
      return bias_add_typed<std::int32_t>(value, bias, out, rows, channels, stream);
    case DType::kInt64:
      return bias_add_typed<std::int64_t>(value, bias, out, rows, channels, stream);
    default:
      break;
  }
  throw InvalidArgumentError("[bias_add] dtype " + std::string(dtype_name(dtype)) +
                             " is not supported on GPU");
}

void bias_add_relu(DType dtype, const void* value, const void* bias, void* out, std::int64_t rows,
                   std::int64_t channels, cudaStream_t stream) {
  switch (dtype) {
    case DType::kFloat32:
      return bias_add_typed<float, true>(value, bias, out, rows, channels, stream);
    case DType::kFloat64:
      return bias_add_typed<double, true>(value, bias, out, rows, channels, stream);
    default:
      break;
  }
  throw InvalidArgumentError("[bias_add_relu] dtype " + std::string(dtype_name(dtype)) +
                             " is not supported on GPU");
}

}  // namespace varscope::cuda
