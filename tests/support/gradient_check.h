// Finite-difference checks of gradient rules, in float64.
//
//   expect_gradients_match([](const std::vector<Output>& x) { return nn::relu(x[0]); },
//                          {random_tensor({2, 3}, /*seed=*/1)});
//
// Builds y = build(placeholders shaped like `inputs`), a fixed random projection L = sum(r * y),
// and compares gradients(L, x_i) with central differences of L at every element of every input.
#pragma once

#include <functional>
#include <vector>

#include "varscope/graph.h"
#include "varscope/tensor.h"

namespace varscope::testing {

struct GradientCheckOptions {
  double delta = 1e-6;
  /// Passes when |symbolic - numeric| <= atol + rtol * |numeric|.
  double atol = 1e-7;
  double rtol = 1e-6;
};

/// Float64 tensor of `shape` with values uniform in [lo, hi), reproducible from `seed`.
Tensor random_tensor(const Shape& shape, unsigned seed, double lo = -1.0, double hi = 1.0);

/// Adds a GoogleTest failure per mismatching element (naming input, element, both values).
/// Every input must be float64; `build` may add constants of its own (labels, shapes).
void expect_gradients_match(const std::function<Output(const std::vector<Output>&)>& build,
                            const std::vector<Tensor>& inputs, GradientCheckOptions options = {});

}  // namespace varscope::testing
