// Softmax, LogSoftmax and the softmax cross entropies on the GPU: a warp per row (a 256-thread
// block for rows longer than 1024), three passes over the row: its maximum, the sum of
// exp(z - max), then the outputs. Warp/block trees combine in a fixed order, so results are the
// same on every run. Formulas follow cpu/kernels/softmax_kernels.cpp.
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "cuda/check.h"
#include "cuda/kernels/reduce.cuh"
#include "cuda/kernels/softmax_kernels.h"
#include "varscope/error.h"

namespace varscope::cuda {
namespace {

using reduce_cuh::blocks_for;
using reduce_cuh::group_allreduce;
using reduce_cuh::kBlockThreads;
using reduce_cuh::kWarpSize;

// Rows longer than this get a whole block.
constexpr std::int64_t kBlockRowLength = 1024;

struct MaxOp {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return (b > a || b != b) ? b : a;  // NaN wins (then the whole row is NaN, as on the CPU)
  }
};

struct SumOp {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const {
    return a + b;
  }
};

template <class T>
__device__ __forceinline__ T negative_infinity() {
  return static_cast<T>(-INFINITY);
}

// The row maximum and sum of exp(z - max), on every thread of the group.
template <int kThreads, class T>
__device__ __forceinline__ void row_statistics(const T* z, std::int64_t cols, int lane, T& row_max,
                                               T& sum_exp) {
  T m = negative_infinity<T>();
  for (std::int64_t j = lane; j < cols; j += kThreads) m = MaxOp{}(m, z[j]);
  m = group_allreduce<kThreads>(m, MaxOp{});
  T s = T(0);
  for (std::int64_t j = lane; j < cols; j += kThreads) s += exp(z[j] - m);
  sum_exp = group_allreduce<kThreads>(s, SumOp{});
  row_max = m;
}

template <int kThreads, class T, bool kLog>
__global__ void __launch_bounds__(kBlockThreads)
    softmax_kernel(const T* logits, T* out, std::int64_t rows, std::int64_t cols) {
  constexpr int kGroupsPerBlock = kBlockThreads / kThreads;
  const int lane = static_cast<int>(threadIdx.x) % kThreads;
  for (std::int64_t r =
           static_cast<std::int64_t>(blockIdx.x) * kGroupsPerBlock + threadIdx.x / kThreads;
       r < rows; r += static_cast<std::int64_t>(gridDim.x) * kGroupsPerBlock) {
    const T* z = logits + r * cols;
    T* y = out + r * cols;
    T row_max{}, sum_exp{};
    row_statistics<kThreads>(z, cols, lane, row_max, sum_exp);
    if constexpr (kLog) {
      const T log_sum = log(sum_exp);
      for (std::int64_t j = lane; j < cols; j += kThreads) y[j] = (z[j] - row_max) - log_sum;
    } else {
      for (std::int64_t j = lane; j < cols; j += kThreads) y[j] = exp(z[j] - row_max) / sum_exp;
    }
  }
}

// Cross entropy of a row against dense label weights (kSparse false: `labels` (rows, cols)) or a
// class index (kSparse: `labels` (rows)).
template <int kThreads, class T, class Label, bool kSparse>
__global__ void __launch_bounds__(kBlockThreads)
    xent_kernel(const T* logits, const Label* labels, T* loss, T* backprop, std::int64_t rows,
                std::int64_t cols) {
  constexpr int kGroupsPerBlock = kBlockThreads / kThreads;
  const int lane = static_cast<int>(threadIdx.x) % kThreads;
  for (std::int64_t r =
           static_cast<std::int64_t>(blockIdx.x) * kGroupsPerBlock + threadIdx.x / kThreads;
       r < rows; r += static_cast<std::int64_t>(gridDim.x) * kGroupsPerBlock) {
    const T* z = logits + r * cols;
    T* bp = backprop + r * cols;
    std::int64_t label = 0;
    if constexpr (kSparse) {
      label = static_cast<std::int64_t>(labels[r]);
      if (label < 0 || label >= cols) {  // the whole group takes this branch together
        const T nan = static_cast<T>(NAN);
        for (std::int64_t j = lane; j < cols; j += kThreads) bp[j] = nan;
        if (lane == 0) loss[r] = nan;
        continue;
      }
    }
    T row_max{}, sum_exp{};
    row_statistics<kThreads>(z, cols, lane, row_max, sum_exp);
    const T log_sum = log(sum_exp);
    if constexpr (kSparse) {
      for (std::int64_t j = lane; j < cols; j += kThreads) {
        bp[j] = exp(z[j] - row_max) / sum_exp - (j == label ? T(1) : T(0));
      }
      if (lane == 0) loss[r] = log_sum - (z[label] - row_max);
    } else {
      const Label* p = labels + r * cols;
      T l = T(0);
      for (std::int64_t j = lane; j < cols; j += kThreads) {
        const T shifted = z[j] - row_max;
        l += p[j] * (log_sum - shifted);
        bp[j] = exp(shifted) / sum_exp - p[j];
      }
      l = group_allreduce<kThreads>(l, SumOp{});
      if (lane == 0) loss[r] = l;
    }
  }
}

template <class T>
__global__ void __launch_bounds__(kBlockThreads) fill_nan_kernel(T* out, std::int64_t n) {
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    out[i] = static_cast<T>(NAN);
  }
}

// Grid of a row kernel: groups of kThreads, grid-stride beyond two waves.
template <int kThreads>
unsigned int row_blocks(std::int64_t rows) {
  return blocks_for(rows, kBlockThreads / kThreads);
}

template <class T>
void softmax_typed(bool log_softmax, const void* logits, void* out, std::int64_t rows,
                   std::int64_t cols, cudaStream_t stream) {
  const T* z = static_cast<const T*>(logits);
  T* y = static_cast<T*>(out);
  if (cols > kBlockRowLength) {
    if (log_softmax) {
      softmax_kernel<kBlockThreads, T, true>
          <<<row_blocks<kBlockThreads>(rows), kBlockThreads, 0, stream>>>(z, y, rows, cols);
    } else {
      softmax_kernel<kBlockThreads, T, false>
          <<<row_blocks<kBlockThreads>(rows), kBlockThreads, 0, stream>>>(z, y, rows, cols);
    }
  } else {
    if (log_softmax) {
      softmax_kernel<kWarpSize, T, true>
          <<<row_blocks<kWarpSize>(rows), kBlockThreads, 0, stream>>>(z, y, rows, cols);
    } else {
      softmax_kernel<kWarpSize, T, false>
          <<<row_blocks<kWarpSize>(rows), kBlockThreads, 0, stream>>>(z, y, rows, cols);
    }
  }
  VS_CUDA_CHECK(cudaGetLastError());
}

template <class T, class Label, bool kSparse>
void xent_typed(const void* logits, const void* labels, void* loss, void* backprop,
                std::int64_t rows, std::int64_t cols, cudaStream_t stream) {
  if (rows == 0) return;
  T* l = static_cast<T*>(loss);
  if (cols == 0) {
    // No classes: TF defines the loss as NaN (log of an empty sum is -inf; 0 * -inf).
    fill_nan_kernel<T><<<blocks_for(rows), kBlockThreads, 0, stream>>>(l, rows);
    VS_CUDA_CHECK(cudaGetLastError());
    return;
  }
  const T* z = static_cast<const T*>(logits);
  const Label* p = static_cast<const Label*>(labels);
  T* bp = static_cast<T*>(backprop);
  if (cols > kBlockRowLength) {
    xent_kernel<kBlockThreads, T, Label, kSparse>
        <<<row_blocks<kBlockThreads>(rows), kBlockThreads, 0, stream>>>(z, p, l, bp, rows, cols);
  } else {
    xent_kernel<kWarpSize, T, Label, kSparse>
        <<<row_blocks<kWarpSize>(rows), kBlockThreads, 0, stream>>>(z, p, l, bp, rows, cols);
  }
  VS_CUDA_CHECK(cudaGetLastError());
}

[[noreturn]] void unsupported(const char* launcher, const char* what, DType dtype) {
  throw InvalidArgumentError("[" + std::string(launcher) + "] " + what + " " +
                             std::string(dtype_name(dtype)) + " is not supported on GPU");
}

template <class T>
void sparse_xent_labels(DType label_dtype, const void* logits, const void* labels, void* loss,
                        void* backprop, std::int64_t rows, std::int64_t cols, cudaStream_t stream) {
  switch (label_dtype) {
    case DType::kInt32:
      return xent_typed<T, std::int32_t, true>(logits, labels, loss, backprop, rows, cols, stream);
    case DType::kInt64:
      return xent_typed<T, std::int64_t, true>(logits, labels, loss, backprop, rows, cols, stream);
    default:
      unsupported("sparse_softmax_cross_entropy", "label dtype", label_dtype);
  }
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

void softmax(DType dtype, bool log_softmax, const void* logits, void* out, std::int64_t rows,
             std::int64_t cols, cudaStream_t stream) {
  if (rows <= 0 || cols <= 0) return;
  switch (dtype) {
    case DType::kFloat32:
      return softmax_typed<float>(log_softmax, logits, out, rows, cols, stream);
    case DType::kFloat64:
      return softmax_typed<double>(log_softmax, logits, out, rows, cols, stream);
    default:
      unsupported("softmax", "dtype", dtype);
  }
}

void softmax_cross_entropy(DType dtype, const void* logits, const void* labels, void* loss,
                           void* backprop, std::int64_t rows, std::int64_t cols,
                           cudaStream_t stream) {
  switch (dtype) {
    case DType::kFloat32:
      return xent_typed<float, float, false>(logits, labels, loss, backprop, rows, cols, stream);
    case DType::kFloat64:
      return xent_typed<double, double, false>(logits, labels, loss, backprop, rows, cols, stream);
    default:
      unsupported("softmax_cross_entropy", "dtype", dtype);
  }
}

void sparse_softmax_cross_entropy(DType dtype, DType label_dtype, const void* logits,
                                  const void* labels, void* loss, void* backprop, std::int64_t rows,
                                  std::int64_t cols, cudaStream_t stream) {
  switch (dtype) {
    case DType::kFloat32:
      return sparse_xent_labels<float>(label_dtype, logits, labels, loss, backprop, rows, cols,
                                       stream);
    case DType::kFloat64:
      return sparse_xent_labels<double>(label_dtype, logits, labels, loss, backprop, rows, cols,
                                        stream);
    default:
      unsupported("sparse_softmax_cross_entropy", "dtype", dtype);
  }
}

}  // namespace varscope::cuda
