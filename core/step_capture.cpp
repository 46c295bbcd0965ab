#include "core/step_capture.h"

#include <algorithm>
#include <string_view>

#include "core/device_set.h"
#include "core/op_def.h"

namespace varscope {
namespace {

constexpr int kHost = 0;

// Ops that read only their inputs' shapes: their outputs are fixed for given feed shapes.
bool reads_only_shapes(const Node& node) {
  const std::string& op = node.op();
  return op == "Shape" || op == "ShapeN" || op == "Size" || op == "Rank";
}

// NoOp is "stateful" only so that it runs when nothing consumes it; it does nothing.
bool is_stateful(const Node& node) {
  if (node.op() == "NoOp") return false;
  const OpDef* def = OpRegistry::global().find(node.op());
  return !def || def->is_stateful;
}

std::string step_label(const Step& step) {
  if (step.is_copy()) return "copy '" + step.copy_name + "'";
  return "node '" + step.node->name() + "' (" + step.node->op() + ")";
}

// The reason a run of `plan` cannot be captured, or "" when it can, with the device in `device`.
std::string why_not(const Plan& plan, const DeviceSet& devices, int& device) {
  device = -1;
  const int num_feeds = static_cast<int>(plan.feed_slots.size());
  // Host slots whose values may differ between runs with the same feed shapes.
  std::vector<bool> changing(static_cast<std::size_t>(plan.num_slots), false);
  for (int s = 0; s < num_feeds; ++s) changing[static_cast<std::size_t>(s)] = true;
  const auto use_device = [&](int d, const Step& step) -> std::string {
    if (device >= 0 && device != d) {
      return step_label(step) + " runs on " + devices.device(d).to_string() +
             ", another device than " + devices.device(device).to_string();
    }
    device = d;
    return {};
  };

  for (const Step& step : plan.steps) {
    if (step.is_constant()) continue;
    if (step.is_copy()) {
      if (step.device == kHost)
        return step_label(step) + " brings a device value to the host during the run";
      if (step.copy_source != kHost) return step_label(step) + " copies between devices";
      const ValueRef& source = step.inputs.front();
      if (source.variable) {
        return step_label(step) + " reads variable '" + source.variable->name() +
               "', which lives on the host";
      }
      const bool feed = source.slot < num_feeds;
      if (!feed && changing[static_cast<std::size_t>(source.slot)]) {
        return step_label(step) + " uploads a host value that changes from run to run";
      }
      if (std::string why = use_device(step.device, step); !why.empty()) return why;
      continue;
    }
    if (step.device == kHost) {
      if (is_stateful(*step.node)) return step_label(step) + " is stateful and runs on the host";
      bool output_changes = false;
      if (!reads_only_shapes(*step.node)) {
        for (const ValueRef& in : step.inputs) {
          if (in.variable) {
            return step_label(step) + " reads variable '" + in.variable->name() + "' on the host";
          }
          output_changes = output_changes || changing[static_cast<std::size_t>(in.slot)];
        }
      }
      // A host step computing from fed values is fine as long as no device step needs its result
      // (checked where one reads it).
      for (int k = 0; k < step.num_outputs; ++k)
        changing[static_cast<std::size_t>(step.first_slot + k)] = output_changes;
      continue;
    }
    if (!devices.backend(step.device).supports_capture()) {
      return step_label(step) + " runs on " + devices.device(step.device).to_string() +
             ", which cannot capture work";
    }
    if (std::string why = use_device(step.device, step); !why.empty()) return why;
    for (std::size_t i = 0; i < step.inputs.size(); ++i) {
      const ValueRef& in = step.inputs[i];
      if (step.input_devices[i] == kHost && in.slot >= 0 &&
          changing[static_cast<std::size_t>(in.slot)]) {
        return step_label(step) + " takes input " + std::to_string(i) +
               " in host memory, and its value changes from run to run";
      }
    }
  }
  for (const ValueRef& fetch : plan.fetches) {
    if (fetch.slot >= num_feeds && changing[static_cast<std::size_t>(fetch.slot)]) {
      return "a fetch is computed on the host from values that change from run to run";
    }
  }
  if (device < 0) return "no step runs on a device that can capture work";
  return {};
}

}  // namespace

void analyze_capture(Plan& plan, const DeviceSet& devices) {
  int device = -1;
  plan.not_capturable = why_not(plan, devices, device);
  plan.capture_device = plan.not_capturable.empty() ? device : -1;
}

}  // namespace varscope
