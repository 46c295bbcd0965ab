#include "core/fusion.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/device_set.h"
#include "core/fused_kernels.h"

namespace varscope {

void fuse_steps(Plan& plan, const DeviceSet& devices) {
  // How many steps and fetches read each slot, and which nodes others wait for.
  std::vector<int> readers(static_cast<std::size_t>(plan.num_slots), 0);
  std::unordered_set<const Node*> control_inputs;
  for (const Step& step : plan.steps) {
    for (const ValueRef& in : step.inputs) {
      if (in.slot >= 0) ++readers[static_cast<std::size_t>(in.slot)];
    }
    if (!step.is_copy())
      control_inputs.insert(step.node->control_inputs().begin(), step.node->control_inputs().end());
  }
  for (const ValueRef& fetch : plan.fetches) {
    if (fetch.slot >= 0) readers[static_cast<std::size_t>(fetch.slot)] += 2;
  }

  std::unordered_map<int, std::size_t> producer;  // slot -> index of the step writing it
  std::vector<bool> fused_away(plan.steps.size(), false);
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    Step& step = plan.steps[i];
    for (int k = 0; k < step.num_outputs; ++k) producer[step.first_slot + k] = i;
    if (step.is_copy() || step.node->op() != "Relu" || step.inputs.empty()) continue;
    const int slot = step.inputs[0].slot;
    const auto it = producer.find(slot);
    if (slot < 0 || it == producer.end()) continue;
    Step& bias_add = plan.steps[it->second];
    if (bias_add.is_copy() || bias_add.is_constant() || bias_add.node->op() != "BiasAdd" ||
        bias_add.device != step.device || bias_add.first_slot != slot ||
        readers[static_cast<std::size_t>(slot)] != 1 || control_inputs.contains(bias_add.node)) {
      continue;
    }
    const KernelDef* fused = devices.kernels().find(
        kFusedBiasAddRelu, devices.backend(step.device).device_type(), kernel_dtype(*step.node));
    if (!fused || fused->on_host) continue;
    step.inputs = bias_add.inputs;
    step.input_devices = bias_add.input_devices;
    step.kernel = fused;
    step.fused_op = kFusedBiasAddRelu;
    fused_away[it->second] = true;
  }

  std::size_t next = 0;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    if (fused_away[i]) continue;
    if (next != i) plan.steps[next] = std::move(plan.steps[i]);
    ++next;
  }
  plan.steps.resize(next);
}

}  // namespace varscope
