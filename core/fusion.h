// Fusion: chains of steps that one kernel does in a single pass. Decided when a plan is built, so
// the graph (names, gradients, checkpoints) never changes: only which kernels run.
#pragma once

#include "core/plan.h"

namespace varscope {

class DeviceSet;

/// Merges each BiasAdd whose value only a Relu on the same device reads into that Relu's step,
/// which then runs the fused kernel on the BiasAdd's inputs, where the device has one. A BiasAdd
/// that is fetched, read elsewhere, or a control input is left alone. Call before liveness.
void fuse_steps(Plan& plan, const DeviceSet& devices);

}  // namespace varscope
