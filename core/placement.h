// Placement: the device and kernel of every node a plan runs, decided before anything runs.
//
// Rules, as TF's placer: nodes of one colocation group (tf.colocate_with, "_class" loc:@v) and nodes
// writing a variable through a reference input share the variable's device; a group goes to the
// first explicit device among its members, else to the session's device (best available when
// unset). With soft placement, a group whose device is missing, or one member of which has no
// kernel there, runs on the CPU, with a warning once per cause; without it, placement fails naming
// the node. Int32 shape arithmetic a device registers "on host" runs on the CPU without a warning.
#pragma once

#include <unordered_map>
#include <vector>

#include "core/device_set.h"
#include "varscope/graph.h"

namespace varscope {

struct PlacementOptions {
  /// The session's device; empty: the best available (a GPU when there is one).
  Device default_device{};
  bool allow_soft_placement = true;
};

struct NodePlacement {
  int device = 0;  // index into the DeviceSet
  const KernelDef* kernel = nullptr;  // null for Placeholder
};

/// Places `nodes` (in id order). Throws InvalidArgumentError naming the node when a device cannot
/// be honoured without soft placement, UnimplementedError when no device has a kernel for a node.
std::unordered_map<const Node*, NodePlacement> place_nodes(const std::vector<Node*>& nodes,
                                                           const DeviceSet& devices,
                                                           const PlacementOptions& options);

}  // namespace varscope
