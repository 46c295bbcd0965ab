#include "core/fused_kernels.h"

#include <string>
#include <vector>

#include "core/kernel_args.h"
#include "varscope/error.h"

namespace varscope {

namespace {

[[noreturn]] void fail_at(const Node& node, const std::string& message) {
  throw InvalidArgumentError("[" + node.op() + "] node '" + node.name() + "': " + message);
}

// Calls check(node, first) for each update of a fused optimizer step, `per_update` inputs each
// from input `first`, after checking the input count.
template <class Check>
void for_each_update(const KernelContext& ctx, std::string_view fused_op, int per_update,
                     const Check& check) {
  const std::vector<const Node*>& nodes = ctx.fused_nodes();
  if (ctx.num_inputs() != per_update * static_cast<int>(nodes.size())) {
    throw InternalError("[" + std::string(fused_op) + "] " + std::to_string(ctx.num_inputs()) +
                        " inputs for " + std::to_string(nodes.size()) + " updates");
  }
  for (std::size_t k = 0; k < nodes.size(); ++k) check(*nodes[k], per_update * static_cast<int>(k));
}

// Fails at update `node` unless input first + i has var's (input first's) shape.
void expect_var_shape(const KernelContext& ctx, const Node& node, int first, int i,
                      const char* what) {
  const Shape& var = ctx.input(first).shape();
  const Shape& other = ctx.input(first + i).shape();
  if (var != other) {
    fail_at(node, "var " + node.inputs().at(0).node->name() + " and " + what +
                      " do not have the same shape: " + var.to_string() + " and " +
                      other.to_string());
  }
}

void expect_scalar(const KernelContext& ctx, const Node& node, int i, const char* what) {
  const Shape& shape = ctx.input(i).shape();
  if (shape.rank() != 0)
    fail_at(node, std::string(what) + " is not a scalar: " + shape.to_string());
}

}  // namespace

void check_bias_add_args(const KernelContext& ctx, const Tensor& value, const Tensor& bias) {
  const Node& node = ctx.fused_nodes().empty() ? ctx.node() : *ctx.fused_nodes().front();
  check_bias_add_args(node, value.shape(), bias.shape());
}

void check_bias_add_args(const Node& bias_add, const Shape& value, const Shape& bias) {
  if (value.rank() < 2) {
    fail_at(bias_add, "value must be at least rank 2, got shape " + value.to_string());
  }
  if (bias.rank() != 1 || bias.dim(0) != value.dim(-1)) {
    fail_at(bias_add, "bias shape " + bias.to_string() +
                          " does not match the last dimension of value shape " + value.to_string());
  }
}

std::int64_t check_relu_grad_bias_add_grad_args(const KernelContext& ctx) {
  const std::vector<const Node*>& nodes = ctx.fused_nodes();
  if (nodes.size() != 2 || ctx.num_inputs() != 2) {
    throw InternalError("[" + std::string(kFusedReluGradBiasAddGrad) + "] " +
                        std::to_string(ctx.num_inputs()) + " inputs for " +
                        std::to_string(nodes.size()) + " nodes");
  }
  const Shape& gradients = ctx.input(0).shape();
  const Shape& features = ctx.input(1).shape();
  if (gradients != features) {
    fail_at(*nodes[0], "gradients shape " + gradients.to_string() + " and features shape " +
                           features.to_string() + " differ");
  }
  if (gradients.rank() < 2) {
    fail_at(*nodes[1], "out_backprop must be at least rank 2, got shape " + gradients.to_string());
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
  for_each_update(ctx, kFusedApplyGradientDescent, 3, [&](const Node& node, int first) {
    expect_scalar(ctx, node, first + 1, "alpha");
    expect_var_shape(ctx, node, first, 2, "delta");
  });
}

void check_adam_args(const KernelContext& ctx) {
  // In the single kernel's order: m, v, the scalars, grad.
  for_each_update(ctx, kFusedApplyAdam, 10, [&](const Node& node, int first) {
    expect_var_shape(ctx, node, first, 1, "m");
    expect_var_shape(ctx, node, first, 2, "v");
    const char* scalars[] = {"beta1_power", "beta2_power", "lr", "beta1", "beta2", "epsilon"};
    for (int j = 0; j < 6; ++j) expect_scalar(ctx, node, first + 3 + j, scalars[j]);
    expect_var_shape(ctx, node, first, 9, "grad");
  });
}

}  // namespace varscope
