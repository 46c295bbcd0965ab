// What the host halves of the CUDA kernels (cuda/kernels/*.cpp) share: the backend and stream of a
// KernelContext, typed pointers to device data. Device code (.cu) never includes this: launchers take raw pointers and a stream.
#pragma once

#include <cuda_runtime_api.h>

#include <string>
#include <utility>

#include "core/kernel.h"
#include "cuda/cuda_backend.h"

namespace varscope::cuda {

/// The CUDA backend a kernel runs on (a CUDA kernel is only ever called with one).
inline CudaBackend& cuda_backend_of(const KernelContext& ctx) {
  return static_cast<CudaBackend&>(ctx.backend());
}

/// The stream every kernel of the context's backend is queued on.
inline cudaStream_t stream_of(const KernelContext& ctx) { return cuda_backend_of(ctx).stream(); }

/// A tensor's data as T* for a launcher (Tensor::data<T>() is for host tensors only). Throws
/// InternalError when the tensor does not hold T.
template <class T>
const T* device_data(const Tensor& tensor) {
  if (tensor.dtype() != dtype_of<T>()) {
    throw InternalError("device_data: " + tensor.shape().to_string() + " tensor of " +
                        std::string(dtype_name(tensor.dtype())) + " read as " +
                        std::string(dtype_name(dtype_of<T>())));
  }
  return static_cast<const T*>(tensor.raw_data());
}
template <class T>
T* device_data(Tensor& tensor) {
  return const_cast<T*>(device_data<T>(std::as_const(tensor)));
}

}  // namespace varscope::cuda
