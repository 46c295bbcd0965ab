#include "core/fused_kernels.h"

#include <string>
#include <vector>

#include "core/kernel_args.h"
#include "varscope/error.h"

namespace varscope {

void check_bias_add_args(const KernelContext& ctx, const Tensor& value, const Tensor& bias) {
  const Node& node = ctx.fused_nodes().empty() ? ctx.node() : *ctx.fused_nodes().front();
  check_bias_add_args(node, value.shape(), bias.shape());
}

void check_bias_add_args(const Node& bias_add, const Shape& value, const Shape& bias) {
  const auto fail = [&](const std::string& message) {
    throw InvalidArgumentError("[" + bias_add.op() + "] node '" + bias_add.name() +
                               "': " + message);
  };
  if (value.rank() < 2) fail("value must be at least rank 2, got shape " + value.to_string());
  if (bias.rank() != 1 || bias.dim(0) != value.dim(-1)) {
    fail("bias shape " + bias.to_string() + " does not match the last dimension of value shape " +
         value.to_string());
  }
}

std::int64_t check_relu_grad_bias_add_grad_args(const KernelContext& ctx) {
  const std::vector<const Node*>& nodes = ctx.fused_nodes();
  if (nodes.size() != 2 || ctx.num_inputs() != 2) {
    throw InternalError("[" + std::string(kFusedReluGradBiasAddGrad) + "] " +
                        std::to_string(ctx.num_inputs()) + " inputs for " +
                        std::to_string(nodes.size()) + " nodes");
  }
  const auto fail = [](const Node& node, const std::string& message) {
    throw InvalidArgumentError("[" + node.op() + "] node '" + node.name() + "': " + message);
  };
  const Shape& gradients = ctx.input(0).shape();
  const Shape& features = ctx.input(1).shape();
  if (gradients != features) {
    fail(*nodes[0], "gradients shape " + gradients.to_string() + " and features shape " +
                        features.to_string() + " differ");
  }
  if (gradients.rank() < 2) {
    fail(*nodes[1], "out_backprop must be at least rank 2, got shape " + gradients.to_string());
  }
  return gradients.dim(-1);
}

std::int64_t check_dropout_args(const KernelContext& ctx) {
  const std::vector<const Node*>& nodes = ctx.fused_nodes();
  const auto fail = [&](const std::string& message) {
    throw InternalError("[" + std::string(kFusedDropout) + "] node '" + ctx.node().name() +
                        "': " + message);
  };
  if (nodes.size() != 7 || ctx.num_inputs() != 6) {
    fail(std::to_string(ctx.num_inputs()) + " inputs for " + std::to_string(nodes.size()) +
         " nodes");
  }
  const Shape noise(index_values(ctx, ctx.input(0), "shape"));
  const Tensor& x = ctx.input(4);
  if (noise != x.shape()) {
    fail("the noise shape " + noise.to_string() + " is not x's shape " + x.shape().to_string());
  }
  for (int i : {1, 2, 3, 5}) {
    if (ctx.input(i).shape().rank() != 0) fail("input " + std::to_string(i) + " is not a scalar");
  }
  return x.num_elements();
}

void check_gradient_descent_args(const KernelContext& ctx) {
  const std::vector<const Node*>& nodes = ctx.fused_nodes();
  if (ctx.num_inputs() != 3 * static_cast<int>(nodes.size())) {
    throw InternalError("[" + std::string(kFusedApplyGradientDescent) + "] " +
                        std::to_string(ctx.num_inputs()) + " inputs for " +
                        std::to_string(nodes.size()) + " updates");
  }
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const Node& node = *nodes[k];
    const auto fail = [&](const std::string& message) {
      throw InvalidArgumentError("[" + node.op() + "] node '" + node.name() + "': " + message);
    };
    const int first = static_cast<int>(3 * k);
    const Shape& var = ctx.input(first).shape();
    const Shape& alpha = ctx.input(first + 1).shape();
    const Shape& delta = ctx.input(first + 2).shape();
    if (alpha.rank() != 0) fail("alpha is not a scalar: " + alpha.to_string());
    if (var != delta) {
      fail("var " + node.inputs().at(0).node->name() + " and delta do not have the same shape: " +
           var.to_string() + " and " + delta.to_string());
    }
  }
}

void check_adam_args(const KernelContext& ctx) {
  const std::vector<const Node*>& nodes = ctx.fused_nodes();
  if (ctx.num_inputs() != 10 * static_cast<int>(nodes.size())) {
    throw InternalError("[" + std::string(kFusedApplyAdam) + "] " +
                        std::to_string(ctx.num_inputs()) + " inputs for " +
                        std::to_string(nodes.size()) + " updates");
  }
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    const Node& node = *nodes[k];
    const auto fail = [&](const std::string& message) {
      throw InvalidArgumentError("[" + node.op() + "] node '" + node.name() + "': " + message);
    };
    const int first = static_cast<int>(10 * k);
    const Shape& var = ctx.input(first).shape();
    // In the single kernel's order: m, v, the scalars, grad.
    const auto expect_same_shape = [&](int i, const char* what) {
      const Shape& other = ctx.input(first + i).shape();
      if (var != other) {
        fail("var " + node.inputs().at(0).node->name() + " and " + what +
             " do not have the same shape: " + var.to_string() + " and " + other.to_string());
      }
    };
    expect_same_shape(1, "m");
    expect_same_shape(2, "v");
    const char* scalars[] = {"beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon"};
    for (int j = 0; j < 6; ++j) {
      const Shape& scalar = ctx.input(first + 3 + j).shape();
      if (scalar.rank() != 0)
        fail(std::string(scalars[j]) + " is not a scalar: " + scalar.to_string());
    }
    expect_same_shape(9, "grad");
  }
}

}  // namespace varscope
