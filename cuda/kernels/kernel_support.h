// What the host halves of the CUDA kernels (cuda/kernels/*.cpp) share: the backend and stream of a
// KernelContext. Device code (.cu) never includes this: launchers take raw pointers and a stream.
#pragma once

#include <cuda_runtime_api.h>

#include "core/kernel.h"
#include "cuda/cuda_backend.h"

namespace varscope::cuda {

/// The CUDA backend a kernel runs on (a CUDA kernel is only ever called with one).
inline CudaBackend& cuda_backend_of(const KernelContext& ctx) {
  return static_cast<CudaBackend&>(ctx.backend());
}

/// The stream every kernel of the context's backend is queued on.
inline cudaStream_t stream_of(const KernelContext& ctx) { return cuda_backend_of(ctx).stream(); }

}  // namespace varscope::cuda
