// Host launchers for cuda/kernels/fill.cu.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace varscope::cuda {

/// Sets out[0, n) to `value`, queued on `stream` (asynchronous). n == 0 does nothing; throws
/// InvalidArgumentError for n < 0 and CudaError when the launch fails.
void fill_float32(float* out,  // (n)
                  std::int64_t n, float value, cudaStream_t stream);

/// cudaSuccess when this build's device code can run on the current device; otherwise the error a
/// launch would report (cudaErrorNoKernelImageForDevice on a GPU older than the built
/// architectures). Leaves the error in cudaGetLastError() for the caller to clear.
cudaError_t probe_kernel_image() noexcept;

}  // namespace varscope::cuda
