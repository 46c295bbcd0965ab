// OpRegistry: the one table of OpDefs, filled once from the explicit lists in core/ops/*.cpp,
// and the helpers every shape function uses (constant inputs, arity checks, error texts).
#include <string>
#include <utility>

#include "core/op_def.h"

namespace varscope {

const OpRegistry& OpRegistry::global() {
  // A function-local static: built exactly once, thread-safe (C++11 magic statics), immutable after.
  static const OpRegistry registry = [] {
    OpRegistry r;
    register_array_ops(r);
    register_math_ops(r);
    register_random_ops(r);
    register_state_ops(r);
    register_nn_ops(r);
    register_training_ops(r);
    return r;
  }();
  return registry;
}

const OpDef* OpRegistry::find(std::string_view name) const {
  auto it = defs_.find(name);
  return it == defs_.end() ? nullptr : &it->second;
}

std::vector<std::string> OpRegistry::names() const {
  std::vector<std::string> result;
  result.reserve(defs_.size());
  for (const auto& [name, def] : defs_) result.push_back(name);
  return result;
}

void OpRegistry::add(OpDef def) {
  if (def.name.empty()) throw InternalError("OpRegistry::add: an OpDef needs a name");
  if (!def.infer) throw InternalError("OpRegistry::add: OpDef '" + def.name + "' has no shape function");
  std::string name = def.name;
  if (!defs_.emplace(name, std::move(def)).second) {
    throw InternalError("OpRegistry::add: op '" + name + "' is registered twice");
  }
}

Tensor InferenceContext::constant_input(int i) const {
  const Output& in = input(i);
  // Only Const nodes count: anything computed is unknown until run time (TF's constant folding
  // in shape inference goes further, but Const covers every shape/axis argument builders make).
  if (in.node == nullptr || in.node->op() != "Const" || !in.node->has_attr("value")) return Tensor();
  if (const Tensor* value = std::get_if<Tensor>(&in.node->attr("value"))) return *value;
  return Tensor();
}

void InferenceContext::expect_num_inputs(int n) const {
  if (num_inputs() != n) {
    fail("expects " + std::to_string(n) + " input" + (n == 1 ? "" : "s") + ", got " +
         std::to_string(num_inputs()));
  }
}

void InferenceContext::fail(const std::string& message) const {
  throw InvalidArgumentError("[" + op_ + "] node '" + node_name_ + "': " + message);
}

}  // namespace varscope
