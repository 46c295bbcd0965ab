// Random values on the GPU with the CPU kernels' Philox4x32-10 stream and sample transforms
// (cpu/kernels/philox.h, compiled here for the device too): a thread per group of 4 values (2 for
// float64). Group g of uniform and normal values is block g of the stream; truncated normal group g
// draws from its own sub-stream at block g * 256 (128 for float64), redrawing values beyond 2
// standard deviations. The bits match the CPU's up to the rounding of the device's log/sin/cos in
// the Box-Muller transform (uniform values are bit-identical). The fused dropout is the uniform
// kernel with another store: each value goes through dropout's chain instead of to memory.
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "cuda/check.h"
#include "cuda/kernels/random_kernels.h"
#include "cuda/kernels/reduce.cuh"
#include "varscope/error.h"

#define VS_PHILOX_FN __host__ __device__ inline
#include "cpu/kernels/philox.h"

namespace varscope::cuda {
namespace {

using reduce_cuh::blocks_for;
using reduce_cuh::convert;
using reduce_cuh::kBlockThreads;

using philox::Block;
using philox::Philox4x32;

// Values per group: one Philox block gives 4 floats or 2 doubles.
template <class T>
inline constexpr int kGroupSize = std::is_same_v<T, double> ? 2 : 4;

// A value in [0, 1) from a uint32, as the CPU's uniform_from<T>.
template <class T>
__device__ __forceinline__ T uniform_from(std::uint32_t x) {
  if constexpr (std::is_same_v<T, float>) {
    return philox::uint32_to_float(x);
  } else if constexpr (std::is_same_v<T, __half>) {
    // [1, 2) minus 1, computed in float and rounded back (exact), as Eigen::half does.
    const float one_two = __half2float(__ushort_as_half(philox::uint16_to_half_bits_1_2(x)));
    return __float2half_rn(one_two - 1.0f);
  } else {
    const float one_two =
        __bfloat162float(__ushort_as_bfloat16(philox::uint16_to_bfloat16_bits_1_2(x)));
    return __float2bfloat16_rn(one_two - 1.0f);
  }
}

// One group of kGroupSize<T> values from `gen` (the CPU's draw_group).
template <class T, RandomDistribution D>
__device__ __forceinline__ void draw_group(Philox4x32& gen, T* out) {
  if constexpr (D == RandomDistribution::kTruncatedNormal) {
    philox::SingleSample sample(&gen);
    int count = 0;
    while (count < kGroupSize<T>) {
      if constexpr (std::is_same_v<T, double>) {
        const std::uint32_t x0 = sample(), x1 = sample(), x2 = sample(), x3 = sample();
        double d[2];
        philox::box_muller_double(x0, x1, x2, x3, &d[0], &d[1]);
        for (int i = 0; i < 2 && count < 2; ++i) {
          if (fabs(d[i]) < 2.0) out[count++] = d[i];
        }
      } else {
        const std::uint32_t x0 = sample(), x1 = sample();
        float f[2];
        philox::box_muller_float(x0, x1, &f[0], &f[1]);
        for (int i = 0; i < 2 && count < 4; ++i) {
          if (fabsf(f[i]) < 2.0f) out[count++] = convert<T>(f[i]);
        }
      }
    }
    return;
  }
  const Block b = gen();
  if constexpr (std::is_same_v<T, double>) {
    if constexpr (D == RandomDistribution::kUniform) {
      out[0] = philox::uint64_to_double(b.v[0], b.v[1]);
      out[1] = philox::uint64_to_double(b.v[2], b.v[3]);
    } else {
      philox::box_muller_double(b.v[0], b.v[1], b.v[2], b.v[3], &out[0], &out[1]);
    }
  } else if constexpr (D == RandomDistribution::kUniform) {
#pragma unroll
    for (int i = 0; i < 4; ++i) out[i] = uniform_from<T>(b.v[i]);
  } else {
    float f[4];
    philox::box_muller_float(b.v[0], b.v[1], &f[0], &f[1]);
    philox::box_muller_float(b.v[2], b.v[3], &f[2], &f[3]);
#pragma unroll
    for (int i = 0; i < 4; ++i) out[i] = convert<T>(f[i]);
  }
}

// Where value i of the stream goes.
template <class T>
struct StoreValue {
  T* out;
  __device__ __forceinline__ void operator()(std::int64_t i, T value) const { out[i] = value; }
};

// a * b and a + b rounded on their own: never contracted into an FMA, as in separate kernels.
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }

// Dropout's chain on uniform i (see dropout() in random_kernels.h).
template <class T>
struct StoreDropout {
  const T* x;
  const T* range;
  const T* minval;
  const T* rate;
  const T* scale;
  T* result;
  T* mask;
  __device__ __forceinline__ void operator()(std::int64_t i, T u) const {
    const T uniform = add_rn(mul_rn(u, *range), *minval);
    const T kept = uniform >= *rate ? T(1) : T(0);
    result[i] = mul_rn(mul_rn(x[i], *scale), kept);
    mask[i] = kept;
  }
};

// A thread per group: the generator jumps straight to the group's block (or sub-stream).
template <class T, RandomDistribution D, class Store>
__global__ void __launch_bounds__(kBlockThreads)
    random_kernel(std::uint64_t seed, std::uint64_t seed2, std::uint64_t offset,
                  const std::uint64_t* position, Store store, std::int64_t n,
                  std::uint64_t blocks_per_group) {
  if (position != nullptr) {  // written by the host before each replay of a CUDA graph
    seed = position[0];
    seed2 = position[1];
    offset = position[2];
  }
  constexpr int kGroup = kGroupSize<T>;
  const std::int64_t groups = (n + kGroup - 1) / kGroup;
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t g = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       g < groups; g += stride) {
    Philox4x32 gen(seed, seed2);
    gen.skip(offset);
    gen.skip(static_cast<std::uint64_t>(g) * blocks_per_group);
    T values[kGroup];
    draw_group<T, D>(gen, values);
    const std::int64_t first = g * kGroup;
    if (first + kGroup <= n) {
#pragma unroll
      for (int i = 0; i < kGroup; ++i) store(first + i, values[i]);
    } else {
      for (std::int64_t i = first; i < n; ++i) store(i, values[i - first]);
    }
  }
}

template <class T, RandomDistribution D, class Store>
void launch(std::uint64_t seed, std::uint64_t seed2, std::uint64_t offset,
            const std::uint64_t* position, Store store, std::int64_t n, cudaStream_t stream) {
  constexpr int kGroup = kGroupSize<T>;
  // Uniform and normal groups take one block each; a truncated normal group owns
  // group size * kReservedSamplesPerOutput / 4 blocks (the CPU's kSkipPerGroup).
  const std::uint64_t blocks_per_group = D == RandomDistribution::kTruncatedNormal
                                             ? kGroup * philox::kReservedSamplesPerOutput / 4
                                             : 1;
  const std::int64_t groups = (n + kGroup - 1) / kGroup;
  random_kernel<T, D, Store><<<blocks_for(groups), kBlockThreads, 0, stream>>>(
      seed, seed2, offset, position, store, n, blocks_per_group);
  VS_CUDA_CHECK(cudaGetLastError());
}

template <RandomDistribution D>
void launch_dtype(DType dtype, std::uint64_t seed, std::uint64_t seed2, std::uint64_t offset,
                  const std::uint64_t* position, void* out, std::int64_t n, cudaStream_t stream) {
  switch (dtype) {
    case DType::kFloat32:
      return launch<float, D>(seed, seed2, offset, position,
                              StoreValue<float>{static_cast<float*>(out)}, n, stream);
    case DType::kFloat64:
      return launch<double, D>(seed, seed2, offset, position,
                               StoreValue<double>{static_cast<double*>(out)}, n, stream);
    case DType::kFloat16:
      return launch<__half, D>(seed, seed2, offset, position,
                               StoreValue<__half>{static_cast<__half*>(out)}, n, stream);
    case DType::kBFloat16:
      return launch<__nv_bfloat16, D>(seed, seed2, offset, position,
                                      StoreValue<__nv_bfloat16>{static_cast<__nv_bfloat16*>(out)},
                                      n, stream);
    default:
      break;
  }
  throw InvalidArgumentError("[fill_random] dtype " + std::string(dtype_name(dtype)) +
                             " is not supported (needs a floating dtype)");
}

template <class T>
void launch_dropout(std::uint64_t seed, std::uint64_t seed2, std::uint64_t offset,
                    const std::uint64_t* position, const void* x, const void* range,
                    const void* minval, const void* rate, const void* scale, void* result,
                    void* mask, std::int64_t n, cudaStream_t stream) {
  const StoreDropout<T> store{static_cast<const T*>(x),      static_cast<const T*>(range),
                              static_cast<const T*>(minval), static_cast<const T*>(rate),
                              static_cast<const T*>(scale),  static_cast<T*>(result),
                              static_cast<T*>(mask)};
  launch<T, RandomDistribution::kUniform>(seed, seed2, offset, position, store, n, stream);
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

void dropout(DType dtype, std::uint64_t seed, std::uint64_t seed2, std::uint64_t offset,
             const std::uint64_t* position, const void* x, const void* range, const void* minval,
             const void* rate, const void* scale, void* result, void* mask, std::int64_t n,
             cudaStream_t stream) {
  if (n <= 0) return;
  switch (dtype) {
    case DType::kFloat32:
      return launch_dropout<float>(seed, seed2, offset, position, x, range, minval, rate, scale,
                                   result, mask, n, stream);
    case DType::kFloat64:
      return launch_dropout<double>(seed, seed2, offset, position, x, range, minval, rate, scale,
                                    result, mask, n, stream);
    default:
      break;
  }
  throw InvalidArgumentError("[dropout] dtype " + std::string(dtype_name(dtype)) +
                             " is not supported on GPU");
}

void fill_random(DType dtype, RandomDistribution distribution, std::uint64_t seed,
                 std::uint64_t seed2, std::uint64_t offset, const std::uint64_t* position,
                 void* out, std::int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  switch (distribution) {
    case RandomDistribution::kUniform:
      return launch_dtype<RandomDistribution::kUniform>(dtype, seed, seed2, offset, position, out,
                                                        n, stream);
    case RandomDistribution::kNormal:
      return launch_dtype<RandomDistribution::kNormal>(dtype, seed, seed2, offset, position, out, n,
                                                       stream);
    case RandomDistribution::kTruncatedNormal:
      return launch_dtype<RandomDistribution::kTruncatedNormal>(dtype, seed, seed2, offset,
                                                                position, out, n, stream);
  }
}

}  // namespace varscope::cuda
