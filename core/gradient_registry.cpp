#include "core/gradient_registry.h"

#include "varscope/error.h"

namespace varscope {

const GradientRegistry& GradientRegistry::global() {
  static const GradientRegistry registry = [] {
    GradientRegistry r;
    register_array_gradients(r);
    register_math_gradients(r);
    register_nn_gradients(r);
    return r;
  }();
  return registry;
}

void GradientRegistry::add(std::string op, GradientFn fn) {
  if (!fn) throw InternalError("GradientRegistry::add: null rule for op '" + op + "'");
  if (not_differentiable_.contains(op) || !rules_.emplace(op, std::move(fn)).second) {
    throw InternalError("GradientRegistry::add: op '" + op + "' is registered twice");
  }
}

void GradientRegistry::add_not_differentiable(std::string op) {
  if (rules_.contains(op) || !not_differentiable_.emplace(op, true).second) {
    throw InternalError("GradientRegistry::add_not_differentiable: op '" + op + "' is registered twice");
  }
}

const GradientFn* GradientRegistry::find(std::string_view op) const {
  auto it = rules_.find(op);
  return it == rules_.end() ? nullptr : &it->second;
}

bool GradientRegistry::is_not_differentiable(std::string_view op) const {
  return not_differentiable_.find(op) != not_differentiable_.end();
}

}  // namespace varscope
