#include "core/fusion.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/device_set.h"
#include "core/fused_kernels.h"

namespace varscope {
namespace {

// What the rules need to know about who reads what.
struct Uses {
  std::vector<int> readers;  // per slot: reading steps, plus 2 when fetched
  std::unordered_map<const Node*, std::size_t> first_control_dependent;  // step index

  bool only_reader(int slot) const { return readers[static_cast<std::size_t>(slot)] == 1; }
  bool unread(int slot) const { return readers[static_cast<std::size_t>(slot)] == 0; }
  // Steps that must run after `node` all come after step `at`.
  bool waits_after(const Node* node, std::size_t at) const {
    const auto it = first_control_dependent.find(node);
    return it == first_control_dependent.end() || it->second > at;
  }
};

Uses uses_of(const Plan& plan) {
  Uses uses;
  uses.readers.assign(static_cast<std::size_t>(plan.num_slots), 0);
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    for (const ValueRef& in : step.inputs) {
      if (in.slot >= 0) ++uses.readers[static_cast<std::size_t>(in.slot)];
    }
    if (step.is_copy()) continue;
    for (const Node* c : step.node->control_inputs())
      uses.first_control_dependent.emplace(c, i);  // first wins
  }
  for (const ValueRef& fetch : plan.fetches) {
    if (fetch.slot >= 0) uses.readers[static_cast<std::size_t>(fetch.slot)] += 2;
  }
  return uses;
}

const KernelDef* fused_kernel(const DeviceSet& devices, std::string_view op, const Step& step) {
  const KernelDef* def = devices.kernels().find(op, devices.backend(step.device).device_type(),
                                                kernel_dtype(*step.node));
  return def && !def->on_host ? def : nullptr;
}

// BiasAdd -> Relu: the Relu's step runs both on the BiasAdd's inputs.
void fuse_bias_add_relu(Plan& plan, const DeviceSet& devices, const Uses& uses,
                        std::vector<bool>& fused_away) {
  std::unordered_map<int, std::size_t> producer;  // slot -> index of the step writing it
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    Step& step = plan.steps[i];
    for (int k = 0; k < step.num_outputs; ++k) producer[step.first_slot + k] = i;
    if (step.is_copy() || step.is_constant() || step.node->op() != "Relu" || step.inputs.empty())
      continue;
    const int slot = step.inputs[0].slot;
    const auto it = producer.find(slot);
    if (slot < 0 || it == producer.end()) continue;
    Step& bias_add = plan.steps[it->second];
    if (bias_add.is_copy() || bias_add.is_constant() || bias_add.node->op() != "BiasAdd" ||
        bias_add.device != step.device || bias_add.first_slot != slot || !uses.only_reader(slot) ||
        !uses.waits_after(bias_add.node, i)) {
      continue;
    }
    const KernelDef* fused = fused_kernel(devices, kFusedBiasAddRelu, step);
    if (!fused) continue;
    step.inputs = bias_add.inputs;
    step.input_devices = bias_add.input_devices;
    step.ref_inputs = bias_add.ref_inputs;
    step.kernel = fused;
    step.fused_op = kFusedBiasAddRelu;
    step.fused_nodes = {bias_add.node, step.node};
    fused_away[it->second] = true;
  }
}

// Consecutive ApplyGradientDescent steps (constants and copies may sit between them) on one device
// and dtype, each on another variable and nobody reading its output: one step, at the last one's
// place, updates them all.
void fuse_gradient_descent(Plan& plan, const DeviceSet& devices, const Uses& uses,
                           std::vector<bool>& fused_away) {
  const auto member = [&](const Step& step) {
    return !step.is_copy() && !step.is_constant() && step.node->op() == "ApplyGradientDescent" &&
           step.inputs.size() == 3 && step.inputs[0].variable && uses.unread(step.first_slot);
  };
  std::size_t i = 0;
  while (i < plan.steps.size()) {
    if (!member(plan.steps[i])) {
      ++i;
      continue;
    }
    // The run from i: members (and constants between them) while device, dtype and variables allow.
    const Step& first = plan.steps[i];
    std::vector<std::size_t> run{i};
    std::unordered_set<const Node*> variables{first.inputs[0].variable};
    std::size_t j = i + 1;
    for (; j < plan.steps.size(); ++j) {
      const Step& next = plan.steps[j];
      // Steps that touch no variable may sit between the updates: constants, copies of other
      // values.
      if (next.is_constant() || (next.is_copy() && !next.inputs[0].variable)) continue;
      if (!member(next) || next.device != first.device ||
          kernel_dtype(*next.node) != kernel_dtype(*first.node) ||
          !variables.insert(next.inputs[0].variable).second) {
        break;
      }
      run.push_back(j);
    }
    // Each member's control dependents (the optimizer's NoOp) must still run after the fused step.
    while (run.size() > 1 && !std::all_of(run.begin(), run.end(), [&](std::size_t k) {
             return uses.waits_after(plan.steps[k].node, run.back());
           })) {
      run.pop_back();
    }
    Step& target = plan.steps[run.back()];
    const KernelDef* fused =
        run.size() > 1 ? fused_kernel(devices, kFusedApplyGradientDescent, target) : nullptr;
    if (fused) {
      Step merged = target;
      merged.inputs.clear();
      merged.input_devices.clear();
      merged.ref_inputs.clear();
      for (std::size_t k : run) {
        const Step& m = plan.steps[k];
        merged.inputs.insert(merged.inputs.end(), m.inputs.begin(), m.inputs.end());
        merged.input_devices.insert(merged.input_devices.end(), m.input_devices.begin(),
                                    m.input_devices.end());
        merged.ref_inputs.insert(merged.ref_inputs.end(), m.ref_inputs.begin(), m.ref_inputs.end());
        merged.fused_nodes.push_back(m.node);
        if (k != run.back()) fused_away[k] = true;
      }
      merged.kernel = fused;
      merged.fused_op = kFusedApplyGradientDescent;
      target = std::move(merged);
    }
    i = run.back() + 1;
  }
}

// A value's new slot: every step input and fetch reading `from` reads `to` instead.
void move_slot(Plan& plan, int from, int to) {
  const auto move = [&](ValueRef& ref) {
    if (ref.slot == from) ref.slot = to;
  };
  for (Step& step : plan.steps) std::for_each(step.inputs.begin(), step.inputs.end(), move);
  std::for_each(plan.fetches.begin(), plan.fetches.end(), move);
}

// ReluGrad -> BiasAddGrad: the ReluGrad's step also sums its output per channel, in the same pass,
// and gives both values. Its output still goes to its other readers (the layer's input and weight
// gradients). The two values move to two new adjacent slots, as a step's outputs must be.
void fuse_relu_grad_bias_add_grad(Plan& plan, const DeviceSet& devices,
                                  std::vector<bool>& fused_away) {
  std::unordered_map<int, std::size_t> bias_grad_of;  // slot -> the BiasAddGrad step reading it
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    if (!step.is_copy() && !step.is_constant() && !fused_away[i] &&
        step.node->op() == "BiasAddGrad" && step.inputs.size() == 1 && step.inputs[0].slot >= 0 &&
        step.node->control_inputs().empty()) {
      bias_grad_of.emplace(step.inputs[0].slot, i);
    }
  }
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    Step& step = plan.steps[i];
    if (step.is_copy() || step.is_constant() || fused_away[i] || step.node->op() != "ReluGrad" ||
        step.num_outputs != 1) {
      continue;
    }
    const auto it = bias_grad_of.find(step.first_slot);
    if (it == bias_grad_of.end() || it->second < i) continue;
    const Step& bias_grad = plan.steps[it->second];
    if (bias_grad.device != step.device ||
        kernel_dtype(*bias_grad.node) != kernel_dtype(*step.node)) {
      continue;
    }
    const KernelDef* fused = fused_kernel(devices, kFusedReluGradBiasAddGrad, step);
    if (!fused) continue;
    const int backprops = plan.num_slots, bias_backprop = plan.num_slots + 1;
    move_slot(plan, step.first_slot, backprops);
    move_slot(plan, bias_grad.first_slot, bias_backprop);
    plan.num_slots += 2;
    plan.slot_device.push_back(step.device);
    plan.slot_device.push_back(bias_grad.device);
    step.first_slot = backprops;
    step.num_outputs = 2;
    step.fused_outputs = {Output{step.node, 0}, Output{bias_grad.node, 0}};
    step.fused_nodes = {step.node, bias_grad.node};
    step.node = bias_grad.node;
    step.kernel = fused;
    step.fused_op = kFusedReluGradBiasAddGrad;
    fused_away[it->second] = true;
  }
}

}  // namespace

void fuse_steps(Plan& plan, const DeviceSet& devices) {
  const Uses uses = uses_of(plan);
  std::vector<bool> fused_away(plan.steps.size(), false);
  fuse_bias_add_relu(plan, devices, uses, fused_away);
  fuse_gradient_descent(plan, devices, uses, fused_away);
  fuse_relu_grad_bias_add_grad(plan, devices, fused_away);

  std::size_t next = 0;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    if (fused_away[i]) continue;
    if (next != i) plan.steps[next] = std::move(plan.steps[i]);
    ++next;
  }
  plan.steps.resize(next);
}

}  // namespace varscope
