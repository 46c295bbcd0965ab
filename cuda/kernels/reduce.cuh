// Device helpers shared by the reduction, softmax, activation, training and random kernels (.cu
// only): element conversions through float for the 16-bit floats, launch sizes for grid-stride
// loops, and deterministic warp/block all-reductions (a fixed combining order, so the same input
// gives bit-identical results on every run). In namespace reduce_cuh, so the names cannot clash
// with other kernel files' helpers.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace varscope::cuda::reduce_cuh {

inline constexpr int kWarpSize = 32;
/// Threads of a block in the element-wise and reduction kernels.
inline constexpr int kBlockThreads = 256;
/// Grid-stride kernels stop adding blocks here: about two full waves on an H100 (132 SMs x 8
/// blocks of 256 threads); larger inputs loop instead.
inline constexpr std::int64_t kMaxBlocks = 2048;

/// Blocks for a grid-stride loop of `n` work items of `per_block` each (at least one block).
inline unsigned int blocks_for(std::int64_t n, std::int64_t per_block = kBlockThreads) {
  return static_cast<unsigned int>(
      std::clamp<std::int64_t>((n + per_block - 1) / per_block, 1, kMaxBlocks));
}

/// The type arithmetic is done in: float for the 16-bit floats, T itself otherwise.
template <class T>
struct ComputeTypeOf {
  using type = T;
};
template <>
struct ComputeTypeOf<__half> {
  using type = float;
};
template <>
struct ComputeTypeOf<__nv_bfloat16> {
  using type = float;
};
template <class T>
using ComputeType = typename ComputeTypeOf<T>::type;

template <class T>
inline constexpr bool kIsReducedFloat =
    std::is_same_v<T, __half> || std::is_same_v<T, __nv_bfloat16>;

/// One element converted (16-bit floats via float, rounding to nearest even).
template <class To, class From>
__device__ __forceinline__ To convert(From x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (std::is_same_v<From, __half>) {
    return convert<To>(__half2float(x));
  } else if constexpr (std::is_same_v<From, __nv_bfloat16>) {
    return convert<To>(__bfloat162float(x));
  } else if constexpr (std::is_same_v<To, __half>) {
    return __float2half_rn(static_cast<float>(x));
  } else if constexpr (std::is_same_v<To, __nv_bfloat16>) {
    return __float2bfloat16_rn(static_cast<float>(x));
  } else {
    return static_cast<To>(x);
  }
}

/// The element read in its compute type.
template <class T>
__device__ __forceinline__ ComputeType<T> load_compute(const T* p) {
  return convert<ComputeType<T>>(*p);
}

/// A warp shuffle of one value (overload it for structs, next to the struct).
template <class T>
__device__ __forceinline__ T shuffle_xor(T value, int lane_mask) {
  return __shfl_xor_sync(0xffffffffu, value, lane_mask);
}

/// Every lane of the warp gets combine() over the 32 lanes' values. The butterfly pairs lanes in a
/// fixed order; with a commutative combine every lane ends with the same bits.
template <class T, class Combine>
__device__ __forceinline__ T warp_allreduce(T value, Combine combine) {
#pragma unroll
  for (int mask = kWarpSize / 2; mask > 0; mask /= 2) {
    value = combine(value, shuffle_xor(value, mask));
  }
  return value;
}

/// Every thread of a group of kThreads consecutive threads (a warp, or the whole block) gets
/// combine() over the group's values. kThreads > 32 must be the block size; then every thread of
/// the block must call it (it synchronizes the block). The warps' results are combined in warp
/// order, so the result is deterministic.
template <int kThreads, class T, class Combine>
__device__ __forceinline__ T group_allreduce(T value, Combine combine) {
  static_assert(kThreads % kWarpSize == 0, "groups are whole warps");
  value = warp_allreduce(value, combine);
  if constexpr (kThreads > kWarpSize) {
    constexpr int kWarps = kThreads / kWarpSize;
    // Raw storage: T may be a struct with default member initializers (no __shared__ ctor).
    __shared__ __align__(16) unsigned char storage[sizeof(T) * kWarps];
    T* partial = reinterpret_cast<T*>(storage);
    __syncthreads();  // the previous call's readers are done with `partial`
    if (threadIdx.x % kWarpSize == 0) partial[threadIdx.x / kWarpSize] = value;
    __syncthreads();
    value = partial[0];
#pragma unroll
    for (int w = 1; w < kWarps; ++w) value = combine(value, partial[w]);
  }
  return value;
}

}  // namespace varscope::cuda::reduce_cuh
