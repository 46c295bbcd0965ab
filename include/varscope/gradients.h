// Reverse-mode automatic differentiation over the graph (tf.gradients).
//
//   auto loss = reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(labels, logits));
//   std::vector<Output> g = gradients({loss}, {w.op()->output(0), b.op()->output(0)});
//
// The new ops live under the name scope `name` ("gradients/", "gradients_1/"...), each op's rule
// under "<name>/<op name>_grad/" as TF names them: "gradients/conv1/Conv2D_grad/Conv2DBackpropInput".
#pragma once

#include <string_view>
#include <vector>

#include "varscope/graph.h"
#include "varscope/variable.h"

namespace varscope {

/// d(sum of ys) / d(each x). `grad_ys` (optional, one per y, same dtype and shape) seed the
/// backward pass instead of ones. An x the ys do not depend on gets an invalid Output (TF's None).
/// Throws LookupError-like NotFoundError "No gradient defined for operation 'n' (op type: T)" when
/// a path from an x to a y crosses an op without a gradient rule, and InvalidArgumentError for a
/// non-floating y or x.
std::vector<Output> gradients(const std::vector<Output>& ys, const std::vector<Output>& xs,
                              const std::vector<Output>& grad_ys = {}, std::string_view name = "gradients");
/// Gradients with respect to variables (their VariableV2 outputs "w:0", as tf.gradients(loss, [w])).
std::vector<Output> gradients(const std::vector<Output>& ys, const std::vector<Variable>& xs,
                              const std::vector<Output>& grad_ys = {}, std::string_view name = "gradients");

/// tf.stop_gradient: the identity whose gradient is none (op StopGradient).
Output stop_gradient(const Output& x, std::string_view name = "StopGradient");

}  // namespace varscope
