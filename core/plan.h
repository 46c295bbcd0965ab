// Plan: what Session::run decides once per (fetches, feeds, targets) signature. See
// core/session.cpp for how it is built and executed, core/step_capture.cpp for when a run of it is
// captured.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/activation_arena.h"
#include "core/backend.h"
#include "core/kernel.h"
#include "varscope/graph.h"
#include "varscope/tensor.h"

namespace varscope {

class DeviceSet;

/// Where a kernel input or a fetch comes from: a slot of this run, or (for a VariableV2 output) the
/// variable's value at the moment it is read, so reads after an Assign in the same run see the new
/// value, as TF's reference edges do.
struct ValueRef {
  int slot = -1;
  const Node* variable = nullptr;
};

struct Step {
  Node* node = nullptr;               // a copy step: the node whose output it copies
  const KernelDef* kernel = nullptr;  // null for a copy step
  int device = 0;         // index into the DeviceSet: where it runs (a copy: the destination)
  int copy_source = -1;   // a copy step: the device it copies from
  std::string copy_name;  // a copy step: "_copy/<producer>_<k>/to_GPU_0"
  MemoryCategory category = MemoryCategory::kActivation;  // of its outputs
  std::vector<ValueRef> inputs;
  std::vector<int> input_devices;  // where each input must be (the safety net in execute() checks)
  std::vector<bool> ref_inputs;    // which inputs the kernel writes through a reference (a variable)
  int first_slot = 0;              // outputs live in first_slot .. first_slot + num_outputs - 1
  int num_outputs = 0;
  std::vector<int> release;  // slots no longer needed once this step has run
  /// A constant step: its output values, made once when the plan is built (each where its slot
  /// lives), so a run neither computes, copies nor synchronizes for them. A Const's value, or a
  /// folded step's (core/constant_folding.h).
  std::vector<Tensor> constants{};
  /// The fused kernel this step runs for several nodes (core/fusion.h), if any, and those nodes in
  /// order; `node` is the last of them.
  std::string_view fused_op{};
  std::vector<const Node*> fused_nodes{};
  /// A fused step that produces outputs of several of its nodes: which, in slot order. Empty when
  /// its outputs are `node`'s.
  std::vector<Output> fused_outputs{};

  /// Output k of this step: `node`'s output k, or fused_outputs[k].
  Output output(int k) const {
    return fused_outputs.empty() ? Output{node, k} : fused_outputs[static_cast<std::size_t>(k)];
  }

  bool is_copy() const { return kernel == nullptr; }
  bool is_constant() const { return !constants.empty(); }
};

using FeedShapes = std::vector<std::vector<std::int64_t>>;

/// A run recorded as device work (core/step_capture.h).
struct CapturedRun;

/// What one run of a plan uses: an arena per device, and the run captured on them (if any). Each
/// is used by one run at a time; a concurrent run of the same plan takes (or makes) another.
struct RunResources {
  RunResources();
  RunResources(RunResources&&) noexcept;
  RunResources& operator=(RunResources&&) noexcept;
  ~RunResources();

  std::vector<std::unique_ptr<ActivationArena>> arenas;
  std::unique_ptr<CapturedRun> captured;
  /// The last eager run was served from the planned arenas and gave no variable a new buffer: the
  /// next one may be captured.
  bool capture_ready = false;
  /// Captures of this plan and feed shapes that failed; after a few, it runs eagerly for good.
  int capture_failures = 0;
};

/// RunResources of one plan, one set per feed-shape signature (a smaller last batch plans its own).
class RunResourcePool {
 public:
  RunResources acquire(const FeedShapes& feed_shapes, const DeviceSet& devices);
  void release(const FeedShapes& feed_shapes, RunResources resources);

 private:
  std::mutex mutex_;
  std::map<FeedShapes, std::vector<RunResources>> free_;
};

struct Plan {
  std::vector<Step> steps;
  std::map<Output, int> feed_slots;  // feeds hold slots 0 .. feed_slots.size() - 1
  std::vector<ValueRef> fetches;
  int num_slots = 0;
  std::vector<int> slot_device;  // where each slot's value lives
  /// The device whose work a run of this plan can be captured on (-1: none), and if none, why.
  int capture_device = -1;
  std::string not_capturable;
  mutable RunResourcePool resources;
};

}  // namespace varscope
