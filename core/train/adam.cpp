// tf.compat.v1.train.AdamOptimizer (adam.py): slots "m" and "v", non-slot accumulators
// "beta1_power" and "beta2_power" updated after every step's variable updates.
#include <algorithm>

#include "core/op_builder.h"
#include "varscope/name_scope.h"
#include "varscope/ops.h"
#include "varscope/train.h"

namespace varscope::train {

AdamOptimizer::AdamOptimizer(AdamOptions options)
    : Optimizer(options.use_locking, options.name), options_(std::move(options)) {}

AdamOptimizer::AdamOptimizer(HyperParameter learning_rate)
    : AdamOptimizer(AdamOptions{.learning_rate = learning_rate}) {}

void AdamOptimizer::create_slots(const std::vector<Variable>& var_list) {
  // The accumulators sit with the first variable by name, so every worker puts them on one device.
  const Variable& first =
      *std::min_element(var_list.begin(), var_list.end(),
                        [](const Variable& a, const Variable& b) { return a.name() < b.name(); });
  create_non_slot_variable(options_.beta1, "beta1_power", first);
  create_non_slot_variable(options_.beta2, "beta2_power", first);
  for (const Variable& v : var_list) {
    zeros_slot(v, "m", name());
    zeros_slot(v, "v", name());
  }
}

void AdamOptimizer::prepare() {
  lr_t_ = hyper_tensor(options_.learning_rate, "learning_rate");
  beta1_t_ = hyper_tensor(options_.beta1, "beta1");
  beta2_t_ = hyper_tensor(options_.beta2, "beta2");
  epsilon_t_ = hyper_tensor(options_.epsilon, "epsilon");
}

Node* AdamOptimizer::apply_dense(const Output& grad, const Variable& var) {
  const DType dtype = var.dtype();
  Graph& graph = var.op()->graph();
  Variable m = *get_slot(var, "m");
  Variable v = *get_slot(var, "v");
  Variable beta1_power = get_non_slot_variable("beta1_power", graph);
  Variable beta2_power = get_non_slot_variable("beta2_power", graph);
  std::vector<Output> inputs{var.op()->output(0), m.op()->output(0), v.op()->output(0)};
  for (const Output& x :
       {beta1_power.value(), beta2_power.value(), lr_t_, beta1_t_, beta2_t_, epsilon_t_}) {
    inputs.push_back(cast_to(x, dtype));
  }
  inputs.push_back(grad);
  return builder::make_node(graph, "ApplyAdam", "ApplyAdam", std::move(inputs),
                            {{"T", dtype}, {"use_locking", use_locking()}, {"use_nesterov", false}})
      .node;
}

Node* AdamOptimizer::finish(const std::vector<Node*>& update_ops, std::string_view name_scope) {
  Graph& graph = update_ops.front()->graph();
  Variable beta1_power = get_non_slot_variable("beta1_power", graph);
  Variable beta2_power = get_non_slot_variable("beta2_power", graph);
  std::vector<Node*> all = update_ops;
  {
    ColocateWith colocate{*beta1_power.op()};
    // beta_power *= beta after the updates: the products wait on them, the Assigns on the products.
    for (const auto& [power, beta] :
         {std::pair{beta1_power, beta1_t_}, std::pair{beta2_power, beta2_t_}}) {
      Output product;
      {
        ControlDependencies after{update_ops};
        product = power.value() * beta;
      }
      all.push_back(
          builder::make_node(
              graph, "Assign", "Assign", {power.op()->output(0), product},
              {{"T", power.dtype()}, {"validate_shape", true}, {"use_locking", use_locking()}})
              .node);
    }
  }
  return group(all, name_scope);
}

}  // namespace varscope::train
