// Fusion: chains of steps that one kernel does in a single pass. Decided when a plan is built, so
// the graph (names, gradients, checkpoints) never changes: only which kernels run.
#pragma once

#include "core/plan.h"

namespace varscope {

class DeviceSet;

/// Fuses, where the device has the fused kernel (core/fused_kernels.h):
/// - each BiasAdd whose value only a Relu on the same device reads, into that Relu's step;
/// - consecutive ApplyGradientDescent (or ApplyAdam) steps on one device and dtype (an optimizer's
///   updates) into one step at the last one's place, which updates every variable;
/// - tf.nn.dropout's chain of seven steps into one that gives the result and the mask;
/// - each BiasAddGrad of a ReluGrad's output on the same device into that ReluGrad's step, which
///   then gives both values (the ReluGrad's other readers still get its output).
/// A step whose value is fetched or read elsewhere, or that a step waits for (a control input) before
/// the fused step's place, is left alone. Call before liveness.
void fuse_steps(Plan& plan, const DeviceSet& devices);

}  // namespace varscope
