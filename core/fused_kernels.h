// Kernels a plan runs in place of a chain of nodes (core/fusion.h): their names in the kernel
// registry, and the argument checks they share with the kernels they replace.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/kernel.h"

namespace varscope {

/// BiasAdd followed by Relu, run for the Relu node with the BiasAdd's inputs (value, bias).
inline constexpr std::string_view kFusedBiasAddRelu = "_FusedBiasAddRelu";

/// MatMul followed by a BiasAdd of its product (TF's _FusedMatMul), run for the BiasAdd node:
/// inputs (a, b, bias); the MatMul node (fused_nodes().front()) has the transpose attrs.
inline constexpr std::string_view kFusedMatMulBiasAdd = "_FusedMatMulBiasAdd";
/// The same followed by a Relu, run for the Relu node.
inline constexpr std::string_view kFusedMatMulBiasAddRelu = "_FusedMatMulBiasAddRelu";

/// Several ApplyGradientDescent updates, each of another variable: inputs (var, alpha, delta) for
/// each in order, run for the last one's node; its output is the last variable.
inline constexpr std::string_view kFusedApplyGradientDescent = "_FusedApplyGradientDescent";

/// ReluGrad followed by BiasAddGrad of its output, run for the BiasAddGrad node at the ReluGrad's
/// place: inputs (gradients, features), outputs (the ReluGrad's backprops, the bias gradient).
inline constexpr std::string_view kFusedReluGradBiasAddGrad = "_FusedReluGradBiasAddGrad";

/// tf.nn.dropout's chain (RandomUniform, Mul, Add, GreaterEqual, Cast; Mul(x, scale), Mul by the
/// mask), run for the last Mul: inputs (shape, range, minval, rate, x, scale), the four scalars
/// constants; outputs (the result, the mask). The uniforms come from the RandomUniform node's
/// stream (fused_nodes().front()) exactly as its own kernel draws them, and every value is rounded
/// as the separate kernels round it.
inline constexpr std::string_view kFusedDropout = "_FusedDropout";

/// Checks a fused dropout's inputs (the shape input is x's shape, the four constants are scalars)
/// and returns x's number of elements.
std::int64_t check_dropout_args(const KernelContext& ctx);

/// Checks ReluGrad's (gradients, features), and the rank BiasAddGrad needs, for the fused kernel;
/// a failure names the node at fault. Returns the number of channels (the last dimension).
std::int64_t check_relu_grad_bias_add_grad_args(const KernelContext& ctx);

/// Several ApplyAdam updates, each of another variable, with the same use_nesterov: inputs (var, m,
/// v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad) for each in order, run for the
/// last one's node; its output is the last variable.
inline constexpr std::string_view kFusedApplyAdam = "_FusedApplyAdam";

/// Checks every (var, alpha, delta) of a fused ApplyGradientDescent before any is updated; a
/// failure names the update at fault, with the messages of the single kernel.
void check_gradient_descent_args(const KernelContext& ctx);

/// Checks every update of a fused ApplyAdam (shapes of m, v and grad against var, scalars) before
/// any is made; a failure names the update at fault, with the messages of the single kernel.
void check_adam_args(const KernelContext& ctx);

/// Checks BiasAdd's (value, bias); a failure names the BiasAdd node, also when the kernel runs
/// fused for the Relu after it.
void check_bias_add_args(const KernelContext& ctx, const Tensor& value, const Tensor& bias);
/// The same for BiasAdd node `bias_add` (a fused kernel's), by the shapes alone.
void check_bias_add_args(const Node& bias_add, const Shape& value, const Shape& bias);

}  // namespace varscope
