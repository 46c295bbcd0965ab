#include "dynamic_gradient_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "varscope/gradients.h"
#include "varscope/ops.h"
#include "varscope/session.h"

namespace varscope::testing {

void expect_dynamic_gradients_match(const std::function<Output(const std::vector<Output>&)>& build,
                                    const std::vector<Tensor>& inputs,
                                    const std::vector<Shape>& shapes,
                                    GradientCheckOptions options) {
  ASSERT_EQ(inputs.size(), shapes.size());
  Graph graph;
  DefaultGraph use{graph};
  std::vector<Output> xs;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_EQ(inputs[i].dtype(), DType::kFloat64) << "input " << i << " must be float64";
    ASSERT_TRUE(shapes[i].is_compatible_with(inputs[i].shape())) << "input " << i;
    xs.push_back(placeholder(DType::kFloat64, shapes[i], "x" + std::to_string(i)));
  }
  const Output y = build(xs);
  ASSERT_TRUE(y.valid());
  ASSERT_EQ(y.dtype(), DType::kFloat64) << y.name();
  const Output projection = placeholder(DType::kFloat64, y.shape(), "projection");
  const Output loss = reduce_sum(multiply(y, projection), std::nullopt, false, "loss");
  const std::vector<Output> grads = gradients({loss}, xs);

  Session session{graph};
  FeedDict feeds;
  for (std::size_t i = 0; i < inputs.size(); ++i) feeds.emplace_back(xs[i], inputs[i].clone());
  const Tensor y_value = session.run(y, feeds);
  feeds.emplace_back(projection, random_tensor(y_value.shape(), 12345, 0.5, 1.5));
  std::vector<Output> fetches;
  for (std::size_t i = 0; i < grads.size(); ++i) {
    ASSERT_TRUE(grads[i].valid()) << "no gradient reaches input " << i;
    fetches.push_back(grads[i]);
  }
  const std::vector<Tensor> symbolic = session.run(fetches, feeds);

  const auto loss_at = [&] { return session.run(loss, feeds).item<double>(); };
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_EQ(symbolic[i].shape(), inputs[i].shape()) << "gradient of input " << i;
    double* x = feeds[i].second.data<double>();
    const double* g = symbolic[i].data<double>();
    for (std::int64_t k = 0; k < inputs[i].num_elements(); ++k) {
      const double saved = x[k];
      x[k] = saved + options.delta;
      const double plus = loss_at();
      x[k] = saved - options.delta;
      const double minus = loss_at();
      x[k] = saved;
      const double numeric = (plus - minus) / (2 * options.delta);
      EXPECT_LE(std::abs(g[k] - numeric), options.atol + options.rtol * std::abs(numeric))
          << "input " << i << " element " << k << ": symbolic " << g[k] << ", numeric " << numeric;
    }
  }
}

}  // namespace varscope::testing
