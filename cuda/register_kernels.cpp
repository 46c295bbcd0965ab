// The one list of CUDA kernels, (op, dtype) -> function: what the GPU supports, in one greppable
// place (cpu/register_kernels.cpp holds the CPU's). Plain calls, no static self-registration: a
// static library drops object files nothing references.
#include "core/kernel.h"
#include "cuda/cuda_backend.h"

namespace varscope::cuda {

void register_cuda_kernels([[maybe_unused]] KernelRegistry& registry) {
  // No op kernels yet: they arrive with the CUDA kernels issue, one registry.add(...) line each,
  // e.g.
  //   registry.add("Fill", DeviceType::kGPU, DType::kFloat32, &fill_kernel);
}

}  // namespace varscope::cuda
