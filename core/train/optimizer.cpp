// The optimizer base (TF1's optimizer.py): compute_gradients, apply_gradients, minimize, and the
// slot / non-slot variable bookkeeping shared by the optimizers.
#include <algorithm>
#include <map>
#include <utility>

#include "core/op_builder.h"
#include "core/train/slot_creator.h"
#include "core/variable_memory.h"
#include "varscope/collections.h"
#include "varscope/error.h"
#include "varscope/gradients.h"
#include "varscope/name_scope.h"
#include "varscope/ops.h"
#include "varscope/train.h"

namespace varscope::train {
namespace {

// Python's str() of a RefVariable, as TF's messages embed it.
std::string variable_repr(const Variable& v) {
  return "<tf.Variable '" + v.name() + "' shape=" + v.shape().to_string() +
         " dtype=" + std::string(dtype_name(v.dtype())) + "_ref>";
}

// repr() of a Python list of those strings: each is quoted with " since it contains '.
std::string variable_list_repr(const std::vector<Variable>& vars) {
  std::string text = "[";
  for (std::size_t i = 0; i < vars.size(); ++i)
    text += (i ? ", \"" : "\"") + variable_repr(vars[i]) + "\"";
  return text + "]";
}

// Python's str() of a graph tensor.
std::string tensor_repr(const Output& t) {
  return "Tensor(\"" + t.name() + "\", shape=" + t.shape().to_string() +
         ", dtype=" + std::string(dtype_name(t.dtype())) + ")";
}

// TF's Optimizer._assert_valid_dtypes (the set's order as TF prints it).
void assert_valid_dtype(const Output& t) {
  if (!is_floating(t.dtype())) {
    throw ValueError("Invalid type tf." + std::string(dtype_name(t.dtype())) + " for " + t.name() +
                     ", expected: [tf.float32, tf.float64, tf.float16, tf.bfloat16].");
  }
}

}  // namespace

struct Optimizer::State {
  bool use_locking = false;
  std::string name{};
  // slot name -> primary VariableV2 node -> slot (TF's self._slots keyed by _var_key).
  std::map<std::string, std::map<const Node*, Variable>, std::less<>> slots{};
  // (name, graph) -> variable (TF's self._non_slot_dict).
  std::map<std::pair<std::string, const Graph*>, Variable> non_slot{};
};

Optimizer::Optimizer(bool use_locking, std::string name) : state_(std::make_unique<State>()) {
  if (name.empty()) throw ValueError("Must specify the optimizer name");
  state_->use_locking = use_locking;
  state_->name = std::move(name);
}

Optimizer::~Optimizer() = default;
Optimizer::Optimizer(Optimizer&&) noexcept = default;
Optimizer& Optimizer::operator=(Optimizer&&) noexcept = default;

const std::string& Optimizer::name() const { return state_->name; }
bool Optimizer::use_locking() const { return state_->use_locking; }

std::vector<GradAndVar> Optimizer::compute_gradients(
    const Output& loss, const std::optional<std::vector<Variable>>& var_list,
    const Output& grad_loss) {
  if (!loss.valid()) throw ValueError("compute_gradients: the loss is a null tensor");
  assert_valid_dtype(loss);
  if (grad_loss.valid()) assert_valid_dtype(grad_loss);
  Graph& graph = loss.graph();
  builder::UseGraph use{graph};
  const std::vector<Variable> vars = var_list ? *var_list : trainable_variables("", graph);
  if (vars.empty()) throw ValueError("No variables to optimize.");
  for (const Variable& v : vars) {
    if (!v) throw ValueError("compute_gradients: a variable of var_list is a null handle");
  }
  // tf.gradients answers None for integer variables; ours rejects them, so they are left out.
  std::vector<Variable> floating;
  for (const Variable& v : vars) {
    if (is_floating(v.dtype())) floating.push_back(v);
  }
  std::vector<Output> grads;
  if (!floating.empty()) {
    std::vector<Output> grad_ys;
    if (grad_loss.valid()) grad_ys.push_back(grad_loss);
    grads = gradients({loss}, floating, grad_ys);
  }
  std::vector<GradAndVar> result;
  std::size_t next = 0;
  for (const Variable& v : vars) {
    Output g = is_floating(v.dtype()) ? grads[next++] : Output();
    result.push_back({g, v});
  }
  return result;
}

Node* Optimizer::minimize(const Output& loss, const Variable& global_step,
                          const std::optional<std::vector<Variable>>& var_list,
                          std::string_view name) {
  std::vector<GradAndVar> grads_and_vars = compute_gradients(loss, var_list);
  const bool any = std::any_of(grads_and_vars.begin(), grads_and_vars.end(),
                               [](const GradAndVar& gv) { return gv.gradient.valid(); });
  if (!any) {
    std::vector<Variable> vars;
    for (const GradAndVar& gv : grads_and_vars) vars.push_back(gv.variable);
    throw ValueError(
        "No gradients provided for any variable, check your graph for ops that do not support "
        "gradients, between "
        "variables " +
        variable_list_repr(vars) + " and loss " + tensor_repr(loss) + ".");
  }
  return apply_gradients(grads_and_vars, global_step, name);
}

Node* Optimizer::apply_gradients(const std::vector<GradAndVar>& grads_and_vars,
                                 const Variable& global_step, std::string_view name) {
  if (grads_and_vars.empty()) throw ValueError("No variables provided.");
  std::vector<Variable> all;
  std::vector<Variable> var_list;
  for (const GradAndVar& gv : grads_and_vars) {
    if (!gv.variable) throw ValueError("apply_gradients: a variable is a null handle");
    all.push_back(gv.variable);
    if (gv.gradient.valid()) var_list.push_back(gv.variable);
  }
  if (var_list.empty())
    throw ValueError("No gradients provided for any variable: " + variable_list_repr(all) + ".");
  Graph& graph = var_list.front().op()->graph();
  builder::UseGraph use{graph};
  {
    // TF's init_scope: slots do not wait on the caller's control dependencies; the name scope
    // stays.
    ControlDependencies none{nullptr};
    create_slots(var_list);
  }

  Node* apply_updates = nullptr;
  NameScope scope{builder::scope_arg(name), state_->name};
  prepare();
  std::vector<Node*> update_ops;
  for (const GradAndVar& gv : grads_and_vars) {
    if (!gv.gradient.valid()) continue;
    NameScope update{"update_" + gv.variable.op_name()};
    ColocateWith colocate{*gv.variable.op()};
    update_ops.push_back(apply_dense(gv.gradient, gv.variable));
  }
  if (!global_step) {
    apply_updates = finish(update_ops, scope.name());
  } else {
    Node* updated = finish(update_ops, "update");
    ColocateWith colocate{*global_step.op()};
    Output one;
    {
      // The AssignAdd waits on the updates through this Const (TF drops its own, implied, edge).
      ControlDependencies after{std::vector<Node*>{updated}};
      one = builder::make_const(graph, Tensor::filled(global_step.dtype(), Shape{}, 1.0), "value");
    }
    apply_updates = assign_add(global_step, one, scope.name()).node;
  }

  const std::vector<CollectionItem> train_ops = get_collection(GraphKeys::TRAIN_OP, "", graph);
  if (std::find(train_ops.begin(), train_ops.end(), CollectionItem(apply_updates)) ==
      train_ops.end()) {
    add_to_collection(GraphKeys::TRAIN_OP, apply_updates, graph);
  }
  return apply_updates;
}

void Optimizer::create_slots(const std::vector<Variable>&) {}
void Optimizer::prepare() {}

Node* Optimizer::finish(const std::vector<Node*>& update_ops, std::string_view name_scope) {
  return group(update_ops, name_scope);
}

std::optional<Variable> Optimizer::get_slot(const Variable& var, std::string_view slot_name) const {
  if (!var) return std::nullopt;
  auto named = state_->slots.find(slot_name);
  if (named == state_->slots.end()) return std::nullopt;
  auto it = named->second.find(var.op());
  if (it == named->second.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> Optimizer::get_slot_names() const {
  std::vector<std::string> names;
  for (const auto& [slot_name, slots] : state_->slots) names.push_back(slot_name);
  return names;  // std::map keeps them sorted
}

std::vector<Variable> Optimizer::variables() const {
  const Graph* graph = &get_default_graph();
  std::vector<Variable> vars;
  for (const auto& [key, v] : state_->non_slot) {
    if (key.second == graph) vars.push_back(v);
  }
  for (const auto& [slot_name, slots] : state_->slots) {
    for (const auto& [primary, slot] : slots) {
      if (&slot.op()->graph() == graph) vars.push_back(slot);
    }
  }
  std::sort(vars.begin(), vars.end(),
            [](const Variable& a, const Variable& b) { return a.name() < b.name(); });
  return vars;
}

Variable Optimizer::zeros_slot(const Variable& var, const std::string& slot_name,
                               const std::string& op_name) {
  std::map<const Node*, Variable>& named = state_->slots[slot_name];
  if (auto it = named.find(var.op()); it != named.end()) return it->second;
  Variable slot = create_zeros_slot(var, op_name);
  named.emplace(var.op(), slot);
  return slot;
}

Variable Optimizer::create_non_slot_variable(double initial_value, const std::string& name,
                                             const Variable& colocate_with) {
  Graph& graph = colocate_with.op()->graph();
  const auto key = std::make_pair(name, static_cast<const Graph*>(&graph));
  if (auto it = state_->non_slot.find(key); it != state_->non_slot.end()) return it->second;
  builder::UseGraph use{graph};
  ColocateWith colocate{*colocate_with.op()};
  // A Python float: a float32 tf.Variable "<name scope>/<name>" with Const "<name>/initial_value".
  Variable v(Tensor::scalar(static_cast<float>(initial_value)),
             VariableOptions{.trainable = false, .name = name});
  set_variable_memory_category(v, MemoryCategory::kOptimizerSlot);
  state_->non_slot.emplace(key, v);
  return v;
}

Variable Optimizer::get_non_slot_variable(const std::string& name, const Graph& graph) const {
  auto it = state_->non_slot.find(std::make_pair(name, &graph));
  if (it == state_->non_slot.end()) {
    throw InternalError("optimizer " + state_->name + " has no variable " + name +
                        " in this graph");
  }
  return it->second;
}

Output Optimizer::hyper_tensor(const HyperParameter& value, std::string_view const_name) {
  if (value.is_tensor()) return value.tensor();
  return builder::make_const(get_default_graph(),
                             Tensor::scalar(static_cast<float>(value.number())), const_name);
}

Output Optimizer::cast_to(const Output& x, DType dtype) {
  return x.dtype() == dtype ? x : cast(x, dtype);
}

}  // namespace varscope::train
