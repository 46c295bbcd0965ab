#include "gradient_check.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "varscope/gradients.h"
#include "varscope/ops.h"
#include "varscope/session.h"

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
  Graph graph;
  DefaultGraph use{graph};
  std::vector<Output> xs;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_EQ(inputs[i].dtype(), DType::kFloat64) << "input " << i << " must be float64";
    xs.push_back(placeholder(DType::kFloat64, inputs[i].shape(), "x" + std::to_string(i)));
  }
  const Output y = build(xs);
  ASSERT_TRUE(y.valid());
  ASSERT_EQ(y.dtype(), DType::kFloat64) << y.name();
  ASSERT_TRUE(y.shape().is_fully_defined()) << "y " << y.name() << " has shape " << y.shape().to_string();
  const Output projection = constant(random_tensor(y.shape(), 12345, 0.5, 1.5), "projection");
  const Output loss = reduce_sum(multiply(y, projection), std::nullopt, false, "loss");
  const std::vector<Output> grads = gradients({loss}, xs);

  Session session{graph};
  FeedDict feeds;
  for (std::size_t i = 0; i < inputs.size(); ++i) feeds.emplace_back(xs[i], inputs[i].clone());
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
