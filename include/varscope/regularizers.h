// Regularizers: functions of a new variable's value whose result goes into the
// REGULARIZATION_LOSSES collection (tf.contrib.layers.*_regularizer).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "varscope/graph.h"

namespace varscope {

/// Maps the variable's value to a scalar loss, or nullopt for "no loss". An empty std::function
/// means "unset" (inherit the scope's regularizer).
using Regularizer = std::function<std::optional<Output>(const Output& weights)>;

/// tf.no_regularizer: returns nothing, so it switches an inherited regularizer off.
std::optional<Output> no_regularizer(const Output& weights);
/// scale * sum(|w|), ops under "l1_regularizer/". scale 0 gives no loss; scale < 0 throws ValueError.
Regularizer l1_regularizer(double scale);
/// scale * l2_loss(w) = scale * sum(w^2) / 2, ops under "l2_regularizer/".
Regularizer l2_regularizer(double scale);
/// scale_l1 * sum(|w|) + scale_l2 * l2_loss(w).
Regularizer l1_l2_regularizer(double scale_l1, double scale_l2);
/// The sum of the given regularizers' losses (skipping those that return nothing); nullopt when none do.
Regularizer sum_regularizer(std::vector<Regularizer> regularizers);

}  // namespace varscope
