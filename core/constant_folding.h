// Constant folding: steps whose value is known when a plan is built run once then, not at every
// run, as TF's Grappler folds constants. Decided per plan, so the graph (names, gradients,
// placement logs) never changes.
#pragma once

#include <cstddef>
#include <functional>

#include "core/plan.h"

namespace varscope {

class DeviceSet;

/// Outputs of one step larger than this stay computed at run time (the folded value is held for
/// the plan's life).
inline constexpr std::size_t kMaxFoldedBytes = std::size_t{1} << 20;

/// `host_value` on device `device` (itself for the host), held for the plan's life.
using PlaceConstant = std::function<Tensor(const Tensor& host_value, int device)>;

/// Makes constant steps of:
/// - each step of a stateless op whose inputs are all known (Consts, and the steps folded before
///   it), run once on the host by its CPU kernel;
/// - each copy of a known value.
/// Left alone: stateful ops (random, assignments, optimizer updates), inputs read from variables
/// or feeds, outputs over kMaxFoldedBytes (not even computed when their static shapes say so), ops
/// with no CPU kernel, and kernels that fail (the run then fails as it would have). Returns the
/// number of steps folded. Call before fusion and liveness.
int fold_constants(Plan& plan, const DeviceSet& devices, const PlaceConstant& place);

}  // namespace varscope
