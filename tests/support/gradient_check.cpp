#include "gradient_check.h"

#include <gtest/gtest.h>

#include <random>

#include "dynamic_gradient_check.h"

namespace varscope::testing {

Tensor random_tensor(const Shape& shape, unsigned seed, double lo, double hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  Tensor t(DType::kFloat64, shape);
  double* p = t.data<double>();
  for (std::int64_t i = 0; i < t.num_elements(); ++i) p[i] = dist(gen);
  return t;
}

void expect_gradients_match(const std::function<Output(const std::vector<Output>&)>& build,
                            const std::vector<Tensor>& inputs, GradientCheckOptions options) {
  // The static case is the dynamic check with every shape fully known.
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  expect_dynamic_gradients_match(build, inputs, shapes, options);
}

}  // namespace varscope::testing
