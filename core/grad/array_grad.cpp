// Gradient rules of the array ops.
#include "core/gradient_registry.h"
#include "core/op_builder.h"
#include "varscope/nn.h"
#include "varscope/ops.h"

namespace varscope {

namespace {

std::vector<Output> identity_grad(Node&, const std::vector<Output>& grads) { return {grads[0]}; }

}  // namespace

void register_array_gradients(GradientRegistry& registry) {
  registry.add("Identity", identity_grad);
  registry.add_not_differentiable("StopGradient");
  registry.add_not_differentiable("Shape");
}

}  // namespace varscope
