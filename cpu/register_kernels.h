// The CPU backend's explicit kernel list (cpu/register_kernels.cpp).
#pragma once

namespace varscope {

class KernelRegistry;

/// Adds every CPU kernel to `registry`; called once by the CPU backend's register_kernels().
void register_cpu_kernels(KernelRegistry& registry);

}  // namespace varscope
