// Optimizers and the global step (tf.compat.v1.train), with TF1's names, defaults and errors.
//
//   auto loss = reduce_mean(...);
//   Variable step = train::get_or_create_global_step();                 // "global_step:0", int64
//   train::AdamOptimizer opt;                                           // lr 0.001, beta1 0.9, ...
//   Node* train_op = opt.minimize(loss, step);                          // the AssignAdd "Adam"
//   // variables: "beta1_power", "beta2_power" (colocated with the first variable by name),
//   //            "<var>/Adam" (m) and "<var>/Adam_1" (v) per trained variable, not trainable;
//   // ops:       "Adam/update_<var>/ApplyAdam", "Adam/update", "Adam/value", "Adam".
//
// Slots are made by get_variable inside variable_scope(None, default_name="<var op name>/<name>"),
// as TF's slot_creator does, so minimize() called inside variable_scope("model") names the slot of
// "model/w" "model/model/w/Adam", exactly as TensorFlow does.
// Note [Slots under reuse]: TensorFlow 1 fails with "Variable model/model/w/Adam/ does not exist"
// when minimize() runs inside a variable_scope with reuse=True (the slot scope inherits reuse).
// Here a slot scope that inherits reuse=True behaves as AUTO_REUSE: the slot gets the name TF gives
// it under AUTO_REUSE and is created when missing (reused when it exists), so no error is raised.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "varscope/graph.h"
#include "varscope/variable.h"

namespace varscope::train {

/// A hyper-parameter: a number (made a float32 Const named after it, "Adam/learning_rate", each
/// time gradients are applied, as TF converts Python floats) or a graph tensor such as a decay
/// schedule (used as is). Either is cast to each variable's dtype when that differs.
class HyperParameter {
 public:
  HyperParameter(double value) : value_(value) {}
  HyperParameter(Output tensor) : value_(tensor) {}
  /// A variable's read value.
  HyperParameter(const Variable& variable) : value_(variable.value()) {}

  bool is_tensor() const { return std::holds_alternative<Output>(value_); }
  /// The number (0 for a tensor).
  double number() const { return is_tensor() ? 0.0 : std::get<double>(value_); }
  /// The tensor (invalid for a number).
  Output tensor() const { return is_tensor() ? std::get<Output>(value_) : Output(); }

 private:
  std::variant<double, Output> value_;
};

/// One (gradient, variable) pair as compute_gradients returns it; an invalid gradient is TF's None.
struct GradAndVar {
  Output gradient{};
  Variable variable{};
};

/// tf.compat.v1.train.Optimizer: the base of the optimizers below. An optimizer remembers the
/// slot variables it made, so a second minimize() on the same variables reuses them.
class Optimizer {
 public:
  virtual ~Optimizer();
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  Optimizer(Optimizer&&) noexcept;
  Optimizer& operator=(Optimizer&&) noexcept;

  /// The optimizer's name ("Adam"): the default name scope of apply_gradients.
  const std::string& name() const;
  bool use_locking() const;

  /// TF's compute_gradients: gradients of `loss` with respect to `var_list` (default: the
  /// TRAINABLE_VARIABLES collection of the loss's graph), built under "gradients/". A variable
  /// the loss does not depend on, or of a non-floating dtype, gets an invalid gradient. Throws
  /// ValueError "No variables to optimize." for an empty list and "Invalid type tf.int32 for
  /// Sum:0, expected: [tf.float32, tf.float64, tf.float16, tf.bfloat16]." for a non-floating loss.
  std::vector<GradAndVar> compute_gradients(
      const Output& loss, const std::optional<std::vector<Variable>>& var_list = std::nullopt,
      const Output& grad_loss = Output());

  /// TF's apply_gradients: creates the slots (outside any control dependencies, under the caller's
  /// name scope), then in name scope `name` (default: the optimizer's name, uniquified) one update
  /// op per variable with a gradient ("update_<var>/Apply..."), colocated with its variable.
  /// Returns the AssignAdd of `global_step` named after the scope when one is given (it runs after
  /// the updates), else the NoOp grouping the updates; the op is added to the TRAIN_OP collection.
  /// Throws ValueError "No variables provided." and "No gradients provided for any variable:
  /// [...].".
  Node* apply_gradients(const std::vector<GradAndVar>& grads_and_vars,
                        const Variable& global_step = Variable(), std::string_view name = "");

  /// compute_gradients then apply_gradients. Throws ValueError "No gradients provided for any
  /// variable, check your graph for ops that do not support gradients, between variables [...] and
  /// loss Tensor(...)." when no variable has a gradient.
  Node* minimize(const Output& loss, const Variable& global_step = Variable(),
                 const std::optional<std::vector<Variable>>& var_list = std::nullopt,
                 std::string_view name = "");

  /// The slot `slot_name` ("m", "v", "momentum") of `var`, if this optimizer made one.
  std::optional<Variable> get_slot(const Variable& var, std::string_view slot_name) const;
  /// The slot names in use, sorted.
  std::vector<std::string> get_slot_names() const;
  /// Every variable this optimizer made in the default graph (slots and non-slot accumulators), by
  /// name.
  std::vector<Variable> variables() const;

 protected:
  Optimizer(bool use_locking, std::string name);

  /// Creates the slots of the variables about to be updated (TF's _create_slots).
  virtual void create_slots(const std::vector<Variable>& var_list);
  /// Converts hyper-parameters to tensors, inside the apply name scope (TF's _prepare).
  virtual void prepare();
  /// Builds the update of one variable (TF's _apply_dense); returns its op.
  virtual Node* apply_dense(const Output& grad, const Variable& var) = 0;
  /// Groups the updates under `name_scope` (TF's _finish); Adam updates its beta powers here.
  virtual Node* finish(const std::vector<Node*>& update_ops, std::string_view name_scope);

  /// The zero-initialized slot `slot_name` of `var`, named "<var>/<op_name>" (TF's _zeros_slot).
  Variable zeros_slot(const Variable& var, const std::string& slot_name,
                      const std::string& op_name);
  /// A float32 scalar variable `name` colocated with `colocate_with`, made once per graph.
  Variable create_non_slot_variable(double initial_value, const std::string& name,
                                    const Variable& colocate_with);
  /// The non-slot variable `name` of `graph`; throws InternalError when missing.
  Variable get_non_slot_variable(const std::string& name, const Graph& graph) const;
  /// `value` as a tensor: a number becomes a float32 Const `const_name` in the current name scope.
  static Output hyper_tensor(const HyperParameter& value, std::string_view const_name);
  /// `x` cast to `dtype` (no op when it already has it).
  static Output cast_to(const Output& x, DType dtype);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Options of GradientDescentOptimizer, in TF's keyword order.
struct GradientDescentOptions {
  bool use_locking = false;
  std::string name = "GradientDescent";
};

/// tf.compat.v1.train.GradientDescentOptimizer: var -= learning_rate * grad (ApplyGradientDescent).
class GradientDescentOptimizer : public Optimizer {
 public:
  explicit GradientDescentOptimizer(HyperParameter learning_rate,
                                    GradientDescentOptions options = {});

 protected:
  void prepare() override;
  Node* apply_dense(const Output& grad, const Variable& var) override;

 private:
  HyperParameter learning_rate_;
  Output learning_rate_tensor_{};
};

/// Options of MomentumOptimizer, in TF's keyword order.
struct MomentumOptions {
  bool use_locking = false;
  std::string name = "Momentum";
  bool use_nesterov = false;
};

/// tf.compat.v1.train.MomentumOptimizer: accum = accum * momentum + grad; var -= lr * accum
/// (ApplyMomentum), with one slot "momentum" named "<var>/Momentum".
class MomentumOptimizer : public Optimizer {
 public:
  MomentumOptimizer(HyperParameter learning_rate, HyperParameter momentum,
                    MomentumOptions options = {});
  /// MomentumOptimizer(learning_rate, momentum, use_nesterov=...).
  MomentumOptimizer(HyperParameter learning_rate, HyperParameter momentum, bool use_nesterov);

 protected:
  void create_slots(const std::vector<Variable>& var_list) override;
  void prepare() override;
  Node* apply_dense(const Output& grad, const Variable& var) override;

 private:
  HyperParameter learning_rate_;
  HyperParameter momentum_;
  bool use_nesterov_ = false;
  Output learning_rate_tensor_{};
  Output momentum_tensor_{};
};

/// Options of AdamOptimizer, with TF's defaults and keyword order.
struct AdamOptions {
  HyperParameter learning_rate = 0.001;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  bool use_locking = false;
  std::string name = "Adam";
};

/// tf.compat.v1.train.AdamOptimizer (ApplyAdam): slots "m" ("<var>/Adam") and "v" ("<var>/Adam_1"),
/// and the non-slot accumulators "beta1_power" and "beta2_power" (float32, initialized to beta1 and
/// beta2, multiplied by them after each step).
class AdamOptimizer : public Optimizer {
 public:
  explicit AdamOptimizer(AdamOptions options = {});
  explicit AdamOptimizer(HyperParameter learning_rate);

 protected:
  void create_slots(const std::vector<Variable>& var_list) override;
  void prepare() override;
  Node* apply_dense(const Output& grad, const Variable& var) override;
  Node* finish(const std::vector<Node*>& update_ops, std::string_view name_scope) override;

 private:
  AdamOptions options_;
  Output lr_t_{}, beta1_t_{}, beta2_t_{}, epsilon_t_{};
};

/// tf.train.get_global_step: the single variable of the GLOBAL_STEP collection, else the global
/// variable named "global_step:0", else nullopt (also when the collection holds several: TF logs
/// "Multiple tensors in global_step collection."). Throws TypeError when it is not an integer
/// scalar variable ("Existing \"global_step\" does not have integer type: <dtype: 'float32'>").
std::optional<Variable> get_global_step(Graph& graph = get_default_graph());
/// tf.train.create_global_step: get_variable("global_step", shape (), int64, zeros, not trainable,
/// collections GLOBAL_VARIABLES and GLOBAL_STEP) in the current variable scope, at the root name
/// scope. Throws ValueError "\"global_step\" already exists." when there is one.
Variable create_global_step(Graph& graph = get_default_graph());
/// tf.train.get_or_create_global_step.
Variable get_or_create_global_step(Graph& graph = get_default_graph());

}  // namespace varscope::train
