// Finite-difference checks of gradient rules on placeholders with unknown dimensions.
//
//   expect_dynamic_gradients_match([](const std::vector<Output>& x) { return reduce_mean(x[0]); },
//                                  {random_tensor({4, 3}, 1)}, {Shape{-1, 3}});
//
// Like expect_gradients_match (gradient_check.h), but input i is a placeholder of the partial shape
// `shapes[i]`, so the rules under test must work from run-time shapes (Shape ops, BroadcastTo...).
// The projection L = sum(r * y) uses a placeholder r fed with values of y's run-time shape.
#pragma once

#include <functional>
#include <vector>

#include "gradient_check.h"

namespace varscope::testing {

void expect_dynamic_gradients_match(const std::function<Output(const std::vector<Output>&)>& build,
                                    const std::vector<Tensor>& inputs,
                                    const std::vector<Shape>& shapes,
                                    GradientCheckOptions options = {});

}  // namespace varscope::testing
