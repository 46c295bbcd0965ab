// Kernels that never touch element values on the host, so one implementation serves every backend:
// they alias buffers (Identity, Reshape), read only shapes (Shape, Size), or copy bytes through the
// backend (Const, Assign).
#pragma once

#include "core/kernel.h"

namespace varscope {

/// Registers Const, Identity, StopGradient, PreventGradient, NoOp, Reshape, ExpandDims, Shape,
/// ShapeN, Size, Rank, VariableV2 and Assign for `device`, with TF's HostMemory arguments on
/// devices other than the CPU.
void register_common_kernels(KernelRegistry& registry, DeviceType device);

}  // namespace varscope
