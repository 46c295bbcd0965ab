// make_cuda_backend() for builds without the CUDA backend (VARSCOPE_WITH_CUDA=OFF). CMake compiles
// exactly one of this file and cuda/cuda_backend.cpp, so nothing else in varscope needs an #ifdef.
#include "core/backend.h"

namespace varscope {

std::unique_ptr<Backend> make_cuda_backend() { return nullptr; }

}  // namespace varscope
