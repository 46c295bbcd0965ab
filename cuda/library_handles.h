// Per-thread cuBLAS, cuBLASLt and cuDNN handles for the current CUDA device.
//
// A cuBLAS or cuDNN handle is not safe to use from two threads at once, and several threads may
// run kernels at the same time, so every thread gets its own handle per device, created on first
// use. Creating one is slow (milliseconds, a cuBLAS workspace), so a thread that ends hands its
// handles to a process-wide pool and the next thread that needs one takes it from there instead of
// creating another (PyTorch's DeviceThreadHandlePool does the same).
//
// Each call binds the handle to `stream` before returning it: the handle then queues its work on
// the kernel's stream, whatever stream the same handle served before.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

namespace varscope::cuda {

class CublasLtHandle;

/// This thread's cuBLAS handle for the current device, bound to `stream`; throws CudaError.
cublasHandle_t cublas_handle(cudaStream_t stream);

/// This thread's cuBLASLt handle for the current device (cuBLASLt takes the stream per call); throws
/// CudaError.
CublasLtHandle& cublaslt_handle();

/// This thread's cuDNN handle for the current device, bound to `stream`; throws CudaError.
cudnnHandle_t cudnn_handle(cudaStream_t stream);

}  // namespace varscope::cuda
