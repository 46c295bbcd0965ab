#include "core/constant_folding.h"

#include <cstdint>
#include <vector>

#include "core/device_set.h"
#include "core/kernel.h"
#include "core/op_def.h"
#include "varscope/error.h"

namespace varscope {
namespace {

constexpr int kHost = 0;

// The bytes of the node's outputs by their static shapes; -1 when a shape is not fully defined
// (then the outputs are measured after the kernel has run).
std::int64_t static_output_bytes(const Node& node) {
  std::int64_t bytes = 0;
  for (int k = 0; k < node.num_outputs(); ++k) {
    const Shape& shape = node.output_shape(k);
    if (!shape.is_fully_defined()) return -1;
    bytes += shape.num_elements() * static_cast<std::int64_t>(dtype_size(node.output_dtype(k)));
  }
  return bytes;
}

bool stateless(const Node& node) {
  const OpDef* def = OpRegistry::global().find(node.op());
  return def != nullptr && !def->is_stateful;
}

}  // namespace

int fold_constants(Plan& plan, const DeviceSet& devices, const PlaceConstant& place) {
  std::vector<Tensor> known(static_cast<std::size_t>(plan.num_slots));  // host values
  const auto known_value = [&](const ValueRef& ref) -> const Tensor* {
    if (ref.variable != nullptr || ref.slot < 0) return nullptr;
    const Tensor& value = known[static_cast<std::size_t>(ref.slot)];
    return value.defined() ? &value : nullptr;
  };
  Backend& host = devices.backend(kHost);
  VariableValues no_variables;  // stateless kernels read none
  int folded = 0;
  for (Step& step : plan.steps) {
    const auto slot = [&](int k) { return static_cast<std::size_t>(step.first_slot + k); };
    if (step.is_constant()) {  // a Const: its attr is the host value
      if (!step.is_copy()) known[slot(0)] = step.node->attr_as<Tensor>("value");
      continue;
    }
    if (step.is_copy()) {
      const Tensor* source = known_value(step.inputs[0]);
      if (source == nullptr) continue;
      known[slot(0)] = *source;
      step.constants = {place(*source, step.device)};
      ++folded;
      continue;
    }
    const Node& node = *step.node;
    if (!step.fused_op.empty() || !stateless(node)) continue;
    if (static_output_bytes(node) > static_cast<std::int64_t>(kMaxFoldedBytes)) continue;
    std::vector<Tensor> inputs;
    for (const ValueRef& ref : step.inputs) {
      const Tensor* value = known_value(ref);
      if (value == nullptr) break;
      inputs.push_back(*value);
    }
    if (inputs.size() != step.inputs.size()) continue;
    const KernelDef* kernel =
        step.device == kHost
            ? step.kernel
            : devices.kernels().find(node.op(), DeviceType::kCPU, kernel_dtype(node));
    if (kernel == nullptr || kernel->on_host) continue;
    KernelContext ctx(node, std::move(inputs), host, no_variables, nullptr, MemoryCategory::kOther);
    try {
      kernel->fn(ctx);
    } catch (const Error&) {
      continue;  // the run reports it, as it would have without folding
    }
    const std::vector<Tensor>& outputs = ctx.outputs();
    std::size_t bytes = 0;
    for (const Tensor& out : outputs) bytes += out.defined() ? out.nbytes() : kMaxFoldedBytes + 1;
    if (bytes > kMaxFoldedBytes) continue;
    std::vector<Tensor> constants;
    for (int k = 0; k < step.num_outputs; ++k) {
      known[slot(k)] = outputs[static_cast<std::size_t>(k)];
      constants.push_back(place(known[slot(k)], plan.slot_device[slot(k)]));
    }
    step.constants = std::move(constants);
    ++folded;
  }
  return folded;
}

}  // namespace varscope
