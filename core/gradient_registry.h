// Gradient rules: one function per op type, building the gradient subgraph with ordinary op
// builders. gradients() (core/autodiff.cpp) calls a rule inside the name scope "<op name>_grad".
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "varscope/graph.h"

namespace varscope {

/// Builds d(loss)/d(input i) for every input of `op` from `grads`, where grads[k] is
/// d(loss)/d(output k) (an invalid Output when no gradient reaches output k; a rule for a
/// single-output op may assume grads[0] is valid). Returns one Output per input of `op`; an invalid
/// Output means no gradient flows to that input (TF's None).
using GradientFn = std::function<std::vector<Output>(Node& op, const std::vector<Output>& grads)>;

class GradientRegistry {
 public:
  static const GradientRegistry& global();

  void add(std::string op, GradientFn fn);
  /// Ops whose inputs get no gradient (Shape, ArgMax, Equal, random ops...): gradients() stops there.
  void add_not_differentiable(std::string op);

  /// nullptr when no rule is registered (and the op is not marked not differentiable).
  const GradientFn* find(std::string_view op) const;
  bool is_not_differentiable(std::string_view op) const;

 private:
  std::map<std::string, GradientFn, std::less<>> rules_;
  std::map<std::string, bool, std::less<>> not_differentiable_;
};

// The explicit registration lists (core/grad/*.cpp), called once by GradientRegistry::global().
void register_array_gradients(GradientRegistry& registry);
void register_math_gradients(GradientRegistry& registry);
void register_nn_gradients(GradientRegistry& registry);

}  // namespace varscope
