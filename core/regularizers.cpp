// Regularizers, as tf.contrib.layers' (ops under "<kind>_regularizer/", the loss op named after it).
#include "varscope/regularizers.h"

#include <cmath>

#include "varscope/error.h"
#include "varscope/name_scope.h"
#include "varscope/ops.h"

namespace varscope {
namespace {

void check_scale(double scale, const char* kind) {
  if (!std::isfinite(scale)) throw ValueError(std::string(kind) + ": scale must be a finite number");
  if (scale < 0.0) {
    throw ValueError("Setting a scale less than 0 on a regularizer: " + std::to_string(scale) + ".");
  }
}

}  // namespace

std::optional<Output> no_regularizer(const Output&) { return std::nullopt; }

Regularizer l1_regularizer(double scale) {
  check_scale(scale, "l1_regularizer");
  if (scale == 0.0) return no_regularizer;
  return [scale](const Output& weights) -> std::optional<Output> {
    NameScope scope{std::nullopt, "l1_regularizer"};
    Output my_scale = constant(scale, weights.dtype(), "scale");
    return multiply(my_scale, reduce_sum(abs(weights)), scope.name());
  };
}

Regularizer l2_regularizer(double scale) {
  check_scale(scale, "l2_regularizer");
  if (scale == 0.0) return no_regularizer;
  return [scale](const Output& weights) -> std::optional<Output> {
    NameScope scope{std::nullopt, "l2_regularizer"};
    Output my_scale = constant(scale, weights.dtype(), "scale");
    return multiply(my_scale, l2_loss(weights), scope.name());
  };
}

Regularizer l1_l2_regularizer(double scale_l1, double scale_l2) {
  return sum_regularizer({l1_regularizer(scale_l1), l2_regularizer(scale_l2)});
}

Regularizer sum_regularizer(std::vector<Regularizer> regularizers) {
  return [regularizers = std::move(regularizers)](const Output& weights) -> std::optional<Output> {
    NameScope scope{std::nullopt, "sum_regularizer"};
    std::vector<Output> losses;
    for (const Regularizer& r : regularizers) {
      if (!r) continue;
      if (std::optional<Output> loss = r(weights)) losses.push_back(*loss);
    }
    if (losses.empty()) return std::nullopt;
    return add_n(losses, scope.name());
  };
}

}  // namespace varscope
