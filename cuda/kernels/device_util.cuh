// Device helpers shared by the CUDA kernel files (.cu only): launch configuration for grid-stride
// loops, element types by DType, 16-bit float arithmetic through float, aligned packs for
// vectorized access, fast 32-bit division, and the index math of strided (broadcast, sliced,
// tiled, transposed) iteration spaces.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "cuda/kernels/array_kernels.h"
#include "varscope/dtype.h"
#include "varscope/error.h"

namespace varscope::cuda::device {

// ------------------------------------------------------------------------------------------------
// Launch configuration

inline constexpr int kThreadsPerBlock = 256;
// About two full waves on an H100 (132 SMs x 8 resident 256-thread blocks); larger problems loop
// in the grid-stride loop instead of adding blocks.
inline constexpr std::int64_t kMaxBlocks = 2048;
// Elements per vectorized access: 16 bytes of float32, 8 of float16.
inline constexpr int kPackSize = 4;

/// Blocks for `work` items at one item per thread, capped at kMaxBlocks (at least 1).
inline unsigned int blocks_for(std::int64_t work, int threads = kThreadsPerBlock) {
  return static_cast<unsigned int>(
      std::clamp<std::int64_t>((work + threads - 1) / threads, 1, kMaxBlocks));
}

__device__ __forceinline__ std::int64_t thread_index() {
  return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ std::int64_t thread_count() {
  return static_cast<std::int64_t>(blockDim.x) * gridDim.x;
}

inline bool is_aligned(const void* p, std::size_t alignment) {
  return reinterpret_cast<std::uintptr_t>(p) % alignment == 0;
}

// ------------------------------------------------------------------------------------------------
// Element types

template <class T>
struct Type {
  using type = T;
};

template <class T>
inline constexpr bool is_reduced_float_v =
    std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

/// Calls f(Type<T>{}) with T the device element type of `dtype` (__half and __nv_bfloat16 for the
/// 16-bit floats); throws InternalError for complex64 and invalid (the host side rejects those).
template <class F>
void visit_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::kFloat16:
      return f(Type<__half>{});
    case DType::kBFloat16:
      return f(Type<__nv_bfloat16>{});
    case DType::kFloat32:
      return f(Type<float>{});
    case DType::kFloat64:
      return f(Type<double>{});
    case DType::kInt8:
      return f(Type<std::int8_t>{});
    case DType::kInt16:
      return f(Type<std::int16_t>{});
    case DType::kInt32:
      return f(Type<std::int32_t>{});
    case DType::kInt64:
      return f(Type<std::int64_t>{});
    case DType::kUInt8:
      return f(Type<std::uint8_t>{});
    case DType::kUInt16:
      return f(Type<std::uint16_t>{});
    case DType::kBool:
      return f(Type<bool>{});
    case DType::kComplex64:
    case DType::kInvalid:
      break;
  }
  throw InternalError("CUDA kernel launched for dtype " + std::string(dtype_name(dtype)));
}

/// Calls f(Type<U>{}) with U an unsigned unit of `bytes` (1, 2, 4, 8 or 16).
template <class F>
void visit_unit(std::size_t bytes, F&& f) {
  switch (bytes) {
    case 1:
      return f(Type<std::uint8_t>{});
    case 2:
      return f(Type<std::uint16_t>{});
    case 4:
      return f(Type<std::uint32_t>{});
    case 8:
      return f(Type<std::uint64_t>{});
    case 16:
      return f(Type<uint4>{});
    default:
      break;
  }
  throw InternalError("CUDA byte copy with a unit of " + std::to_string(bytes) + " bytes");
}

/// The widest unit (<= 16 bytes, a multiple of `element_size`) dividing `bytes`.
inline std::size_t widest_unit(std::size_t element_size, std::uint64_t bytes) {
  std::size_t unit = 16;
  while (unit > element_size && bytes % unit != 0) unit /= 2;
  return std::max(unit, element_size);
}

// ------------------------------------------------------------------------------------------------
// Arithmetic: 16-bit floats compute in float and round once per op, as Eigen::half does on the CPU.

template <class T>
using ComputeType = std::conditional_t<is_reduced_float_v<T>, float, T>;

template <class T>
__device__ __forceinline__ ComputeType<T> widen(T x) {
  if constexpr (std::is_same_v<T, __half>) {
    return __half2float(x);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __bfloat162float(x);
  } else {
    return x;
  }
}

template <class T>
__device__ __forceinline__ T narrow(ComputeType<T> x) {
  if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(x);
  } else if constexpr (std::is_same_v<T, __nv_bfloat16>) {
    return __float2bfloat16_rn(x);
  } else {
    return x;
  }
}

/// V elements loaded or stored as one access.
template <class T, int V>
struct alignas(sizeof(T) * V) Pack {
  T v[V];
};

// ------------------------------------------------------------------------------------------------
// Division

/// n / d and n % d by a multiply and a shift (d and n in [1, 2^31)): integer division is the
/// costliest part of strided index math, and the divisors are fixed for a launch.
struct FastDivmod {
  std::uint32_t divisor = 1;
  std::uint32_t multiplier = 0;
  std::uint32_t shift = 0;

  FastDivmod() = default;
  explicit FastDivmod(std::int64_t d) : divisor(static_cast<std::uint32_t>(d)) {
    while ((std::uint64_t{1} << shift) < divisor) ++shift;
    const std::uint64_t magic =
        ((std::uint64_t{1} << 32) * ((std::uint64_t{1} << shift) - divisor)) / divisor + 1;
    multiplier = static_cast<std::uint32_t>(magic);
  }
  __device__ __forceinline__ std::uint32_t div(std::uint32_t n) const {
    return (__umulhi(n, multiplier) + n) >> shift;
  }
  __device__ __forceinline__ std::uint32_t mod(std::uint32_t n, std::uint32_t q) const {
    return n - q * divisor;
  }
};

/// The 64-bit fallback for index spaces of 2^31 elements or more.
struct PlainDivmod {
  std::int64_t divisor = 1;

  PlainDivmod() = default;
  explicit PlainDivmod(std::int64_t d) : divisor(d) {}
  __device__ __forceinline__ std::int64_t div(std::int64_t n) const { return n / divisor; }
  __device__ __forceinline__ std::int64_t mod(std::int64_t n, std::int64_t q) const {
    return n - q * divisor;
  }
};

/// Index types: std::uint32_t (with FastDivmod) when every index and offset fits in 31 bits,
/// std::int64_t otherwise.
template <class Index>
using Divmod = std::conditional_t<std::is_same_v<Index, std::uint32_t>, FastDivmod, PlainDivmod>;

inline constexpr std::int64_t kMax32BitIndex = std::numeric_limits<std::int32_t>::max();

/// Calls f(Type<Index>{}): 32-bit when `largest` (the largest index or offset + 1) fits.
template <class F>
void visit_index(std::int64_t largest, F&& f) {
  if (largest <= kMax32BitIndex) return f(Type<std::uint32_t>{});
  return f(Type<std::int64_t>{});
}

// ------------------------------------------------------------------------------------------------
// Strided index math

/// Offsets of N operands at a linear output index: the output's coordinates (innermost dimension
/// first) times each operand's strides.
template <int N, class Index>
struct StridedIndexer {
  int rank = 0;
  Divmod<Index> dims[kMaxLaunchDims]{};
  Index strides[kMaxLaunchDims][N]{};

  __device__ __forceinline__ void offsets(Index linear, Index (&out)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) out[k] = 0;
#pragma unroll
    for (int d = 0; d < kMaxLaunchDims; ++d) {
      if (d == rank) break;
      const Index q = dims[d].div(linear);
      const Index c = dims[d].mod(linear, q);
#pragma unroll
      for (int k = 0; k < N; ++k) out[k] += c * strides[d][k];
      linear = q;
    }
  }
};

/// The indexer of `layout` for operands a (N >= 1) and b (N == 2).
template <int N, class Index>
StridedIndexer<N, Index> make_indexer(const StridedLayout& layout) {
  StridedIndexer<N, Index> indexer;
  indexer.rank = layout.rank;
  for (int d = 0; d < layout.rank; ++d) {
    const auto from = static_cast<std::size_t>(layout.rank - 1 - d);  // innermost first
    indexer.dims[d] = Divmod<Index>(layout.dims[from]);
    indexer.strides[d][0] = static_cast<Index>(layout.strides_a[from]);
    if constexpr (N == 2) indexer.strides[d][1] = static_cast<Index>(layout.strides_b[from]);
  }
  return indexer;
}

/// One past the largest offset `strides` reach over `layout.dims`.
inline std::int64_t offset_extent(const StridedLayout& layout,
                                  const std::array<std::int64_t, kMaxLaunchDims>& strides) {
  std::int64_t extent = 1;
  for (int d = 0; d < layout.rank; ++d) {
    const auto i = static_cast<std::size_t>(d);
    extent += (layout.dims[i] - 1) * strides[i];
  }
  return extent;
}

}  // namespace varscope::cuda::device
