// Fill: every element of a float32 buffer set to one value.
//
// A grid-stride loop over 64-bit indices: 256 threads a block and at most 1024 blocks, about one
// full wave on an H100 (132 SMs x 2048 resident threads); larger n loops instead of adding blocks.
// The smallest kernel that exercises the nvcc path end to end; the graph's "Fill" op kernel comes
// with the CUDA kernels issue.
#include <algorithm>
#include <string>

#include "cuda/check.h"
#include "cuda/kernels/fill.h"
#include "varscope/error.h"

namespace varscope::cuda {
namespace {

constexpr int kThreadsPerBlock = 256;
constexpr std::int64_t kMaxBlocks = 1024;

__global__ void fill_float32_kernel(float* out,  // (n)
                                    std::int64_t n, float value) {
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    out[i] = value;
  }
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

void fill_float32(float* out, std::int64_t n, float value, cudaStream_t stream) {
  if (n < 0) throw InvalidArgumentError("[fill_float32] n must be >= 0, got " + std::to_string(n));
  if (n == 0) return;
  const auto blocks = static_cast<unsigned int>(
      std::min((n + kThreadsPerBlock - 1) / kThreadsPerBlock, kMaxBlocks));
  fill_float32_kernel<<<blocks, kThreadsPerBlock, 0, stream>>>(out, n, value);
  VS_CUDA_CHECK(cudaGetLastError());
}

cudaError_t probe_kernel_image() noexcept {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, fill_float32_kernel);
}

}  // namespace varscope::cuda
