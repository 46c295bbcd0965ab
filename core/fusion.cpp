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

// MatMul -> BiasAdd [-> Relu], each value read only by the next: one step at the last one's place
// runs all of them on (a, b, bias), as TF's _FusedMatMul (one GEMM with a bias epilogue on the
// GPU).
void fuse_matmul_bias_add(Plan& plan, const DeviceSet& devices, const Uses& uses,
                          std::vector<bool>& fused_away) {
  std::unordered_map<int, std::size_t> producer;  // slot -> index of the step writing it
  std::unordered_map<int, std::size_t> relu_of;   // slot -> the Relu step reading it
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    for (int k = 0; k < step.num_outputs; ++k) producer[step.first_slot + k] = i;
    if (!step.is_copy() && !step.is_constant() && step.node->op() == "Relu" &&
        step.inputs.size() == 1 && step.inputs[0].slot >= 0) {
      relu_of.emplace(step.inputs[0].slot, i);
    }
  }
  // The kernel step at `index` runs `op` on `device` as itself, and only `reader` (a later step)
  // reads its one value.
  const auto feeds_only = [&](std::size_t index, const char* op, int device, std::size_t reader) {
    const Step& step = plan.steps[index];
    return !step.is_copy() && !step.is_constant() && !fused_away[index] && step.fused_op.empty() &&
           step.node->op() == op && step.device == device && step.num_outputs == 1 &&
           uses.only_reader(step.first_slot) && uses.waits_after(step.node, reader) &&
           step.node->control_inputs().empty();
  };
  for (std::size_t ib = 0; ib < plan.steps.size(); ++ib) {
    const Step& bias_add = plan.steps[ib];
    if (bias_add.is_copy() || bias_add.is_constant() || fused_away[ib] ||
        bias_add.node->op() != "BiasAdd" || bias_add.inputs.size() != 2 ||
        bias_add.inputs[0].slot < 0) {
      continue;
    }
    const auto it = producer.find(bias_add.inputs[0].slot);
    if (it == producer.end() || plan.steps[it->second].first_slot != bias_add.inputs[0].slot ||
        !feeds_only(it->second, "MatMul", bias_add.device, ib)) {
      continue;
    }
    const std::size_t im = it->second;
    // With the Relu when it alone reads the sum.
    const auto relu = relu_of.find(bias_add.first_slot);
    const bool with_relu = relu != relu_of.end() &&
                           plan.steps[relu->second].device == bias_add.device &&
                           feeds_only(ib, "BiasAdd", bias_add.device, relu->second);
    const std::size_t target = with_relu ? relu->second : ib;
    const std::string_view op = with_relu ? kFusedMatMulBiasAddRelu : kFusedMatMulBiasAdd;
    const KernelDef* fused = fused_kernel(devices, op, plan.steps[target]);
    if (!fused) continue;
    const Step& matmul = plan.steps[im];
    Step merged = plan.steps[target];
    merged.inputs = {matmul.inputs[0], matmul.inputs[1], bias_add.inputs[1]};
    merged.input_devices = {matmul.input_devices[0], matmul.input_devices[1],
                            bias_add.input_devices[1]};
    merged.ref_inputs = {false, false, false};
    merged.fused_nodes = {matmul.node, bias_add.node};
    if (with_relu) merged.fused_nodes.push_back(merged.node);
    merged.kernel = fused;
    merged.fused_op = op;
    fused_away[im] = true;
    if (with_relu) fused_away[ib] = true;
    plan.steps[target] = std::move(merged);
  }
}

// BiasAdd -> Relu: the Relu's step runs both on the BiasAdd's inputs.
void fuse_bias_add_relu(Plan& plan, const DeviceSet& devices, const Uses& uses,
                        std::vector<bool>& fused_away) {
  std::unordered_map<int, std::size_t> producer;  // slot -> index of the step writing it
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    Step& step = plan.steps[i];
    for (int k = 0; k < step.num_outputs; ++k) producer[step.first_slot + k] = i;
    if (step.is_copy() || step.is_constant() || !step.fused_op.empty() ||
        step.node->op() != "Relu" || step.inputs.empty()) {
      continue;
    }
    const int slot = step.inputs[0].slot;
    const auto it = producer.find(slot);
    if (slot < 0 || it == producer.end()) continue;
    Step& bias_add = plan.steps[it->second];
    if (bias_add.is_copy() || bias_add.is_constant() || fused_away[it->second] ||
        !bias_add.fused_op.empty() || bias_add.node->op() != "BiasAdd" ||
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

bool use_nesterov(const Node& node) {
  return node.has_attr("use_nesterov") && node.attr_as<bool>("use_nesterov");
}

// Consecutive `op` steps (an optimizer's updates, each `inputs` inputs; constants and copies may
// sit between them) on one device and dtype with the same use_nesterov, each on another variable
// and nobody reading its output: one `fused_op` step, at the last one's place, updates them all.
void fuse_updates(Plan& plan, const DeviceSet& devices, const Uses& uses,
                  std::vector<bool>& fused_away, std::string_view op, std::size_t inputs,
                  std::string_view fused_op) {
  const auto member = [&](const Step& step) {
    return !step.is_copy() && !step.is_constant() && step.node->op() == op &&
           step.inputs.size() == inputs && step.inputs[0].variable && uses.unread(step.first_slot);
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
          use_nesterov(*next.node) != use_nesterov(*first.node) ||
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
    const KernelDef* fused = run.size() > 1 ? fused_kernel(devices, fused_op, target) : nullptr;
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
      merged.fused_op = fused_op;
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

// Index of the step writing each slot (-1: a feed or no step).
std::vector<int> producers_of(const Plan& plan) {
  std::vector<int> producer(static_cast<std::size_t>(plan.num_slots), -1);
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    for (int k = 0; k < step.num_outputs; ++k)
      producer[static_cast<std::size_t>(step.first_slot + k)] = static_cast<int>(i);
  }
  return producer;
}

// Whether `op` reads only its inputs' shapes.
bool reads_only_shapes(const std::string& op) {
  return op == "Shape" || op == "ShapeN" || op == "Size" || op == "Rank";
}

// tf.nn.dropout's chain (nn::dropout, as TF 1.15 builds it), each value read only by the next:
//   R = RandomUniform(shape), M = Mul(R, range), U = Add(M, minval), G = GreaterEqual(U, rate),
//   C = Cast(G), S = Mul(x, scale), Y = Mul(S, C)
// with range, minval, rate and scale constant steps and shape x's own shape. One step at Y's
// place draws the uniforms and gives Y and the mask C (which the gradient reads, after Y). S may
// also be read by shape-only ops (the gradient's Shape of it): they read x instead, of S's shape.
void fuse_dropout(Plan& plan, const DeviceSet& devices, const Uses& uses,
                  std::vector<bool>& fused_away) {
  const std::vector<int> producer = producers_of(plan);
  // The step writing a slot; -1 also for the slots fusions here add.
  const auto producer_of = [&](const ValueRef& ref) {
    return ref.slot < 0 || ref.slot >= static_cast<int>(producer.size())
               ? -1
               : producer[static_cast<std::size_t>(ref.slot)];
  };
  // The step writing the value `ref` reads, when it is an unfused kernel step running `op` on
  // `device`, with no control inputs and nothing waiting for it before step `before`.
  const auto chain_step = [&](const ValueRef& ref, const char* op, int device,
                              std::size_t before) -> Step* {
    if (producer_of(ref) < 0) return nullptr;
    const auto index = static_cast<std::size_t>(producer_of(ref));
    Step& step = plan.steps[index];
    if (step.is_copy() || step.is_constant() || fused_away[index] || !step.fused_op.empty() ||
        step.node->op() != op || step.device != device || step.first_slot != ref.slot ||
        !step.node->control_inputs().empty() || !uses.waits_after(step.node, before)) {
      return nullptr;
    }
    return &step;
  };
  // A scalar a constant step makes.
  const auto constant_scalar = [&](const ValueRef& ref) {
    if (producer_of(ref) < 0) return false;
    const Step& step = plan.steps[static_cast<std::size_t>(producer_of(ref))];
    return step.is_constant() &&
           step.constants[static_cast<std::size_t>(ref.slot - step.first_slot)].shape().rank() == 0;
  };
  const auto only_read = [&](const Step* step) {
    return step != nullptr && step->inputs.size() == 2 && uses.only_reader(step->first_slot);
  };
  for (std::size_t iy = 0; iy < plan.steps.size(); ++iy) {
    Step& y = plan.steps[iy];
    if (y.is_copy() || y.is_constant() || fused_away[iy] || y.node->op() != "Mul" ||
        y.inputs.size() != 2 || !y.node->control_inputs().empty()) {
      continue;
    }
    const DType dtype = kernel_dtype(*y.node);
    if (dtype != DType::kFloat32 && dtype != DType::kFloat64) continue;
    Step* s = chain_step(y.inputs[0], "Mul", y.device, iy);
    Step* c = chain_step(y.inputs[1], "Cast", y.device, iy);
    if (s == nullptr || s->inputs.size() != 2 || !constant_scalar(s->inputs[1]) || c == nullptr ||
        c->inputs.size() != 1) {
      continue;
    }
    // S's readers: Y, and shape-only ops (input k of step i) that can read x instead.
    std::vector<std::pair<std::size_t, std::size_t>> shape_readers;
    bool other_reader = false;
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
      const Step& reader = plan.steps[i];
      for (std::size_t k = 0; k < reader.inputs.size(); ++k) {
        if (i == iy || reader.inputs[k].slot != s->first_slot) continue;
        if (reader.is_copy() || !reads_only_shapes(reader.node->op())) other_reader = true;
        shape_readers.emplace_back(i, k);
      }
    }
    // (A fetch counts 2 readers: never fused.)
    if (other_reader || uses.readers[static_cast<std::size_t>(s->first_slot)] !=
                            1 + static_cast<int>(shape_readers.size())) {
      continue;
    }
    Step* g = chain_step(c->inputs[0], "GreaterEqual", y.device, iy);
    if (!only_read(g) || !constant_scalar(g->inputs[1])) continue;
    Step* u = chain_step(g->inputs[0], "Add", y.device, iy);
    if (!only_read(u) || !constant_scalar(u->inputs[1])) continue;
    Step* m = chain_step(u->inputs[0], "Mul", y.device, iy);
    if (!only_read(m) || !constant_scalar(m->inputs[1])) continue;
    Step* r = chain_step(m->inputs[0], "RandomUniform", y.device, iy);
    if (r == nullptr || r->inputs.size() != 1 || !uses.only_reader(r->first_slot) ||
        r->node->attr_as<DType>("dtype") != dtype) {
      continue;
    }
    // The noise must have x's shape: drawn for Shape(x), or for a Const equal to x's static shape.
    const ValueRef& x = s->inputs[0];
    const ValueRef& shape = r->inputs[0];
    // (Through the copy that brings a device's Const to the host.)
    int shape_producer = producer_of(shape);
    while (shape_producer >= 0 && plan.steps[static_cast<std::size_t>(shape_producer)].is_copy())
      shape_producer = producer_of(plan.steps[static_cast<std::size_t>(shape_producer)].inputs[0]);
    if (shape_producer < 0) continue;
    const Step& shape_step = plan.steps[static_cast<std::size_t>(shape_producer)];
    const Shape& x_shape = s->node->inputs()[0].shape();
    const bool shape_of_x = !shape_step.is_copy() && shape_step.node->op() == "Shape" &&
                            shape_step.inputs.size() == 1 && shape_step.inputs[0].slot == x.slot &&
                            shape_step.inputs[0].variable == x.variable;
    const bool static_shape_of_x =
        shape_step.is_constant() && !shape_step.is_copy() && shape_step.node->op() == "Const" &&
        x_shape.is_fully_defined() &&
        shape_step.node->attr_as<Tensor>("value").to_vector<std::int32_t>() == [&] {
          std::vector<std::int32_t> dims;
          for (int d = 0; d < x_shape.rank(); ++d)
            dims.push_back(static_cast<std::int32_t>(x_shape.dim(d)));
          return dims;
        }();
    if (!(shape_of_x || static_shape_of_x) || shape_step.node->output_dtype(0) != DType::kInt32) {
      continue;
    }
    // The mask's other readers (the gradient) come after Y.
    bool mask_read_early = false;
    for (std::size_t i = 0; i < iy; ++i) {
      for (const ValueRef& in : plan.steps[i].inputs) mask_read_early |= in.slot == c->first_slot;
    }
    if (mask_read_early || c->node->attr_as<DType>("DstT") != dtype) continue;
    const KernelDef* fused = fused_kernel(devices, kFusedDropout, y);
    if (!fused) continue;

    Step merged = y;
    merged.inputs.clear();
    merged.input_devices.clear();
    merged.ref_inputs.clear();
    // (shape, range, minval, rate, x, scale)
    for (const auto& [step, k] :
         {std::pair<const Step*, int>{r, 0}, {m, 1}, {u, 1}, {g, 1}, {s, 0}, {s, 1}}) {
      merged.inputs.push_back(step->inputs[static_cast<std::size_t>(k)]);
      merged.input_devices.push_back(step->input_devices[static_cast<std::size_t>(k)]);
      merged.ref_inputs.push_back(false);
    }
    const int result = plan.num_slots, mask = plan.num_slots + 1;
    move_slot(plan, y.first_slot, result);
    move_slot(plan, c->first_slot, mask);
    plan.num_slots += 2;
    plan.slot_device.push_back(y.device);
    plan.slot_device.push_back(c->device);
    merged.first_slot = result;
    merged.num_outputs = 2;
    merged.fused_outputs = {Output{y.node, 0}, Output{c->node, 0}};
    merged.fused_nodes = {r->node, m->node, u->node, g->node, c->node, s->node, y.node};
    merged.kernel = fused;
    merged.fused_op = kFusedDropout;
    for (const Step* away : {r, m, u, g, c, s})
      fused_away[static_cast<std::size_t>(away - plan.steps.data())] = true;
    for (const auto& [i, k] : shape_readers) plan.steps[i].inputs[k] = x;
    y = std::move(merged);
  }
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
  fuse_matmul_bias_add(plan, devices, uses, fused_away);
  fuse_bias_add_relu(plan, devices, uses, fused_away);
  fuse_updates(plan, devices, uses, fused_away, "ApplyGradientDescent", 3,
               kFusedApplyGradientDescent);
  fuse_updates(plan, devices, uses, fused_away, "ApplyAdam", 10, kFusedApplyAdam);
  fuse_dropout(plan, devices, uses, fused_away);  // before any slot moves: `uses` is by slot
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
