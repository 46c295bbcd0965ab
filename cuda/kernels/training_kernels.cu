// Optimizer updates on the GPU (TF's training_ops formulas, as cpu/kernels/training_kernels.cpp):
// element-wise grid-stride kernels updating the variable and its slots in place. The scalar
// hyper-parameters are read from device memory by every thread (one cached load each), so a step
// never waits for the host.
#include <cstdint>
#include <string>

#include "cuda/check.h"
#include "cuda/kernels/reduce.cuh"
#include "cuda/kernels/training_kernels.h"
#include "varscope/error.h"

namespace varscope::cuda {
namespace {

using reduce_cuh::blocks_for;
using reduce_cuh::kBlockThreads;

template <class T>
__global__ void __launch_bounds__(kBlockThreads)
    gradient_descent_kernel(T* var, const T* alpha, const T* delta, std::int64_t n) {
  const T a = *alpha;
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    var[i] -= delta[i] * a;
  }
}

// Several updates in one launch: block b works on the update whose block range holds it, with the
// single kernel's arithmetic (so the values are the same).
constexpr int kMaxBatch = 32;

template <class T>
struct GradientDescentBatch {
  T* var[kMaxBatch];
  const T* alpha[kMaxBatch];
  const T* delta[kMaxBatch];
  std::int64_t n[kMaxBatch];
  std::int64_t
      first_block[kMaxBatch + 1];  // update k owns blocks [first_block[k], first_block[k + 1])
  int count;
};

template <class T>
__global__ void __launch_bounds__(kBlockThreads)
    gradient_descent_batch_kernel(GradientDescentBatch<T> batch) {
  const std::int64_t block = blockIdx.x;
  int k = 0;
  while (k + 1 < batch.count && block >= batch.first_block[k + 1]) ++k;
  const T a = *batch.alpha[k];
  T* var = batch.var[k];
  const T* delta = batch.delta[k];
  const std::int64_t blocks = batch.first_block[k + 1] - batch.first_block[k];
  const std::int64_t stride = blocks * blockDim.x;
  for (std::int64_t i = (block - batch.first_block[k]) * blockDim.x + threadIdx.x; i < batch.n[k];
       i += stride) {
    var[i] -= delta[i] * a;
  }
}

template <class T, bool kNesterov>
__global__ void __launch_bounds__(kBlockThreads)
    momentum_kernel(T* var, T* accum, const T* lr, const T* grad, const T* momentum,
                    std::int64_t n) {
  const T rate = *lr;
  const T mu = *momentum;
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const T g = grad[i];
    const T a = accum[i] * mu + g;
    accum[i] = a;
    if constexpr (kNesterov) {
      var[i] -= g * rate + a * mu * rate;
    } else {
      var[i] -= a * rate;
    }
  }
}

// The scalars as typed device pointers.
template <class T>
struct TypedAdamScalars {
  const T* beta1_power{};
  const T* beta2_power{};
  const T* lr{};
  const T* beta1{};
  const T* beta2{};
  const T* epsilon{};
};

// The scalars read once per thread, and the step size alpha.
template <class T>
struct AdamValues {
  T beta1, beta2, epsilon, alpha;

  __device__ __forceinline__ explicit AdamValues(const TypedAdamScalars<T>& s)
      : beta1(*s.beta1),
        beta2(*s.beta2),
        epsilon(*s.epsilon),
        alpha(*s.lr * sqrt(T(1) - *s.beta2_power) / (T(1) - *s.beta1_power)) {}
};

// Element i of one Adam update (the single and the batched kernel share it, so they agree bit for
// bit).
template <class T, bool kNesterov>
__device__ __forceinline__ void adam_element(T* var, T* m, T* v, const T* grad,
                                             const AdamValues<T>& a, std::int64_t i) {
  const T one(1);
  const T g = grad[i];
  T mi = m[i];
  T vi = v[i];
  mi += (g - mi) * (one - a.beta1);
  vi += (g * g - vi) * (one - a.beta2);
  m[i] = mi;
  v[i] = vi;
  if constexpr (kNesterov) {
    var[i] -= ((g * (one - a.beta1) + a.beta1 * mi) * a.alpha) / (sqrt(vi) + a.epsilon);
  } else {
    var[i] -= (mi * a.alpha) / (sqrt(vi) + a.epsilon);
  }
}

template <class T, bool kNesterov>
__global__ void __launch_bounds__(kBlockThreads)
    adam_kernel(T* var, T* m, T* v, TypedAdamScalars<T> scalars, const T* grad, std::int64_t n) {
  const AdamValues<T> a(scalars);
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    adam_element<T, kNesterov>(var, m, v, grad, a, i);
  }
}

// Several Adam updates in one launch, as GradientDescentBatch (fewer per launch: each carries ten
// pointers).
constexpr int kMaxAdamBatch = 16;

template <class T>
struct AdamBatch {
  T* var[kMaxAdamBatch];
  T* m[kMaxAdamBatch];
  T* v[kMaxAdamBatch];
  const T* grad[kMaxAdamBatch];
  TypedAdamScalars<T> scalars[kMaxAdamBatch];
  std::int64_t n[kMaxAdamBatch];
  std::int64_t first_block[kMaxAdamBatch + 1];
  int count;
};

template <class T, bool kNesterov>
__global__ void __launch_bounds__(kBlockThreads) adam_batch_kernel(AdamBatch<T> batch) {
  const std::int64_t block = blockIdx.x;
  int k = 0;
  while (k + 1 < batch.count && block >= batch.first_block[k + 1]) ++k;
  const AdamValues<T> a(batch.scalars[k]);
  const std::int64_t blocks = batch.first_block[k + 1] - batch.first_block[k];
  const std::int64_t stride = blocks * blockDim.x;
  for (std::int64_t i = (block - batch.first_block[k]) * blockDim.x + threadIdx.x; i < batch.n[k];
       i += stride) {
    adam_element<T, kNesterov>(batch.var[k], batch.m[k], batch.v[k], batch.grad[k], a, i);
  }
}

[[noreturn]] void unsupported(const char* launcher, DType dtype) {
  throw InvalidArgumentError("[" + std::string(launcher) + "] dtype " +
                             std::string(dtype_name(dtype)) + " is not supported on GPU");
}

template <class T>
void gradient_descent_typed(void* var, const void* alpha, const void* delta, std::int64_t n,
                            cudaStream_t stream) {
  gradient_descent_kernel<T><<<blocks_for(n), kBlockThreads, 0, stream>>>(
      static_cast<T*>(var), static_cast<const T*>(alpha), static_cast<const T*>(delta), n);
  VS_CUDA_CHECK(cudaGetLastError());
}

template <class T>
void gradient_descent_batch_typed(const GradientDescentUpdate* updates, int count,
                                  cudaStream_t stream) {
  int k = 0;
  while (k < count) {  // a launch per kMaxBatch non-empty updates
    GradientDescentBatch<T> batch{};
    batch.count = 0;
    std::int64_t blocks = 0;
    for (; k < count && batch.count < kMaxBatch; ++k) {
      const GradientDescentUpdate& u = updates[k];
      if (u.n <= 0) continue;
      const int j = batch.count++;
      batch.var[j] = static_cast<T*>(u.var);
      batch.alpha[j] = static_cast<const T*>(u.alpha);
      batch.delta[j] = static_cast<const T*>(u.delta);
      batch.n[j] = u.n;
      batch.first_block[j] = blocks;
      blocks += blocks_for(u.n);  // as many blocks as its own launch would have
    }
    if (batch.count == 0) continue;
    batch.first_block[batch.count] = blocks;
    gradient_descent_batch_kernel<T>
        <<<static_cast<unsigned int>(blocks), kBlockThreads, 0, stream>>>(batch);
    VS_CUDA_CHECK(cudaGetLastError());
  }
}

template <class T>
void momentum_typed(void* var, void* accum, const void* lr, const void* grad, const void* momentum,
                    bool use_nesterov, std::int64_t n, cudaStream_t stream) {
  auto* v = static_cast<T*>(var);
  auto* a = static_cast<T*>(accum);
  const auto* r = static_cast<const T*>(lr);
  const auto* g = static_cast<const T*>(grad);
  const auto* mu = static_cast<const T*>(momentum);
  if (use_nesterov) {
    momentum_kernel<T, true><<<blocks_for(n), kBlockThreads, 0, stream>>>(v, a, r, g, mu, n);
  } else {
    momentum_kernel<T, false><<<blocks_for(n), kBlockThreads, 0, stream>>>(v, a, r, g, mu, n);
  }
  VS_CUDA_CHECK(cudaGetLastError());
}

template <class T>
TypedAdamScalars<T> typed_scalars(const AdamScalars& s) {
  return {static_cast<const T*>(s.beta1_power), static_cast<const T*>(s.beta2_power),
          static_cast<const T*>(s.lr),          static_cast<const T*>(s.beta1),
          static_cast<const T*>(s.beta2),       static_cast<const T*>(s.epsilon)};
}

template <class T>
void adam_typed(void* var, void* m, void* v, const AdamScalars& s, const void* grad,
                bool use_nesterov, std::int64_t n, cudaStream_t stream) {
  const TypedAdamScalars<T> typed = typed_scalars<T>(s);
  auto* w = static_cast<T*>(var);
  auto* pm = static_cast<T*>(m);
  auto* pv = static_cast<T*>(v);
  const auto* g = static_cast<const T*>(grad);
  if (use_nesterov) {
    adam_kernel<T, true><<<blocks_for(n), kBlockThreads, 0, stream>>>(w, pm, pv, typed, g, n);
  } else {
    adam_kernel<T, false><<<blocks_for(n), kBlockThreads, 0, stream>>>(w, pm, pv, typed, g, n);
  }
  VS_CUDA_CHECK(cudaGetLastError());
}

template <class T>
void adam_batch_typed(const AdamUpdate* updates, int count, bool use_nesterov,
                      cudaStream_t stream) {
  int k = 0;
  while (k < count) {  // a launch per kMaxAdamBatch non-empty updates
    AdamBatch<T> batch{};
    batch.count = 0;
    std::int64_t blocks = 0;
    for (; k < count && batch.count < kMaxAdamBatch; ++k) {
      const AdamUpdate& u = updates[k];
      if (u.n <= 0) continue;
      const int j = batch.count++;
      batch.var[j] = static_cast<T*>(u.var);
      batch.m[j] = static_cast<T*>(u.m);
      batch.v[j] = static_cast<T*>(u.v);
      batch.grad[j] = static_cast<const T*>(u.grad);
      batch.scalars[j] = typed_scalars<T>(u.scalars);
      batch.n[j] = u.n;
      batch.first_block[j] = blocks;
      blocks += blocks_for(u.n);  // as many blocks as its own launch would have
    }
    if (batch.count == 0) continue;
    batch.first_block[batch.count] = blocks;
    const auto grid = static_cast<unsigned int>(blocks);
    if (use_nesterov) {
      adam_batch_kernel<T, true><<<grid, kBlockThreads, 0, stream>>>(batch);
    } else {
      adam_batch_kernel<T, false><<<grid, kBlockThreads, 0, stream>>>(batch);
    }
    VS_CUDA_CHECK(cudaGetLastError());
  }
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

void apply_adam_batch(DType dtype, const AdamUpdate* updates, int count, bool use_nesterov,
                      cudaStream_t stream) {
  switch (dtype) {
    case DType::kFloat32:
      return adam_batch_typed<float>(updates, count, use_nesterov, stream);
    case DType::kFloat64:
      return adam_batch_typed<double>(updates, count, use_nesterov, stream);
    default:
      unsupported("apply_adam_batch", dtype);
  }
}

void apply_gradient_descent(DType dtype, void* var, const void* alpha, const void* delta,
                            std::int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  switch (dtype) {
    case DType::kFloat32:
      return gradient_descent_typed<float>(var, alpha, delta, n, stream);
    case DType::kFloat64:
      return gradient_descent_typed<double>(var, alpha, delta, n, stream);
    default:
      unsupported("apply_gradient_descent", dtype);
  }
}

void apply_gradient_descent_batch(DType dtype, const GradientDescentUpdate* updates, int count,
                                  cudaStream_t stream) {
  switch (dtype) {
    case DType::kFloat32:
      return gradient_descent_batch_typed<float>(updates, count, stream);
    case DType::kFloat64:
      return gradient_descent_batch_typed<double>(updates, count, stream);
    default:
      unsupported("apply_gradient_descent_batch", dtype);
  }
}

void apply_momentum(DType dtype, void* var, void* accum, const void* lr, const void* grad,
                    const void* momentum, bool use_nesterov, std::int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  switch (dtype) {
    case DType::kFloat32:
      return momentum_typed<float>(var, accum, lr, grad, momentum, use_nesterov, n, stream);
    case DType::kFloat64:
      return momentum_typed<double>(var, accum, lr, grad, momentum, use_nesterov, n, stream);
    default:
      unsupported("apply_momentum", dtype);
  }
}

void apply_adam(DType dtype, void* var, void* m, void* v, const AdamScalars& scalars,
                const void* grad, bool use_nesterov, std::int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  switch (dtype) {
    case DType::kFloat32:
      return adam_typed<float>(var, m, v, scalars, grad, use_nesterov, n, stream);
    case DType::kFloat64:
      return adam_typed<double>(var, m, v, scalars, grad, use_nesterov, n, stream);
    default:
      unsupported("apply_adam", dtype);
  }
}

}  // namespace varscope::cuda
