// The CUDA kernel lists, one function per group; cuda/register_kernels.cpp calls them all.
#pragma once

#include "core/kernel.h"

namespace varscope::cuda {

void register_array_kernels(KernelRegistry& registry);      // cuda/kernels/array_kernels.cpp
void register_math_kernels(KernelRegistry& registry);       // cuda/kernels/math_kernels.cpp
void register_reduction_kernels(KernelRegistry& registry);  // cuda/kernels/reduction_kernels.cpp
void register_random_kernels(KernelRegistry& registry);     // cuda/kernels/random_kernels.cpp
void register_training_kernels(KernelRegistry& registry);   // cuda/kernels/training_kernels.cpp
void register_state_kernels(KernelRegistry& registry);      // cuda/kernels/state_kernels.cpp
void register_activation_kernels(KernelRegistry& registry); // cuda/kernels/activation_kernels.cpp
void register_softmax_kernels(KernelRegistry& registry);    // cuda/kernels/softmax_kernels.cpp
void register_matmul_kernels(KernelRegistry& registry);     // cuda/kernels/matmul_kernels.cpp
void register_conv_kernels(KernelRegistry& registry);       // cuda/kernels/conv_kernels.cpp
void register_pool_kernels(KernelRegistry& registry);       // cuda/kernels/pool_kernels.cpp

}  // namespace varscope::cuda
