// Launcher of cuda/kernels/random_kernels.cu: RandomUniform, RandomStandardNormal and
// TruncatedNormal values from Philox4x32-10 (cpu/kernels/philox.h), drawn exactly as the CPU
// kernels draw them, so both devices give the same values for the same stream position.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "varscope/dtype.h"

namespace varscope::cuda {

enum class RandomDistribution : std::uint8_t { kUniform, kNormal, kTruncatedNormal };

/// Fills out[0, n) (dtype float32, float64, float16 or bfloat16) from the stream
/// Philox4x32(seed, seed2) advanced by `offset` blocks: group g of 4 values (2 for float64) uses
/// block g; truncated normal gives group g the sub-stream starting at block g * 256 (128 for
/// float64) and redraws values beyond 2 standard deviations, as TF's CPU kernels do. When
/// `position` (device memory) is given, the kernel reads (seed, seed2, offset) from it instead,
/// so a CUDA graph replaying the launch draws from wherever the host put the stream since.
void fill_random(DType dtype, RandomDistribution distribution, std::uint64_t seed,
                 std::uint64_t seed2, std::uint64_t offset, const std::uint64_t* position,
                 void* out, std::int64_t n, cudaStream_t stream);

/// tf.nn.dropout's chain in one pass (core/fused_kernels.h, kFusedDropout): uniform i of the stream
/// as fill_random draws it, then stretched = u * range, uniform = stretched + minval,
/// mask[i] = uniform >= rate ? 1 : 0, result[i] = (x[i] * scale) * mask[i], each operation rounded
/// on its own as the separate kernels round it. range, minval, rate and scale are device scalars.
/// dtype float32 or float64.
void dropout(DType dtype, std::uint64_t seed, std::uint64_t seed2, std::uint64_t offset,
             const std::uint64_t* position, const void* x, const void* range, const void* minval,
             const void* rate, const void* scale, void* result, void* mask, std::int64_t n,
             cudaStream_t stream);

}  // namespace varscope::cuda
