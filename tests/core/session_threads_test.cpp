// Sessions from several threads (scripts/sanitize runs these under ThreadSanitizer): Sessions on
// one graph each hold their own variable values, so concurrent training gives what a lone run
// gives; one Session serves concurrent runs of different batch sizes; threads that build their own
// graphs under AUTO_REUSE scopes and train them do not disturb each other.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "varscope/initializers.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/train.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

constexpr std::int64_t kFeatures = 4;

// A linear regression built inside variable_scope("model", reuse=AUTO_REUSE).
struct Regression {
  explicit Regression(Graph& g) {
    DefaultGraph use{g};
    x = placeholder(DType::kFloat32, Shape{-1, kFeatures}, "x");
    y = placeholder(DType::kFloat32, Shape{-1, 1}, "y");
    {
      VariableScope scope{"model", {.reuse = AUTO_REUSE}};
      w = get_variable("w", {kFeatures, 1}, {.initializer = constant_initializer(0.1)}).variable();
    }
    prediction = matmul(x, w);
    loss = reduce_mean(square(prediction - y));
    train_op = optimizer.minimize(loss);
  }

  Output x;
  Output y;
  Variable w;
  Output prediction;
  Output loss;
  train::GradientDescentOptimizer optimizer{0.05};
  Node* train_op = nullptr;
};

// A batch of `rows` examples that depends on `seed`: y = x . (0.5, 1, 1.5, 2).
std::pair<Tensor, Tensor> batch(int seed, std::int64_t rows) {
  std::vector<float> x(static_cast<std::size_t>(rows * kFeatures));
  std::vector<float> y(static_cast<std::size_t>(rows));
  for (std::int64_t i = 0; i < rows; ++i) {
    float target = 0;
    for (std::int64_t j = 0; j < kFeatures; ++j) {
      const float v = std::sin(static_cast<float>(seed * 31 + i * kFeatures + j));
      x[static_cast<std::size_t>(i * kFeatures + j)] = v;
      target += v * 0.5F * static_cast<float>(j + 1);
    }
    y[static_cast<std::size_t>(i)] = target;
  }
  return {Tensor::from_vector(x, Shape{rows, kFeatures}), Tensor::from_vector(y, Shape{rows, 1})};
}

// Trains a fresh Session over `model`'s graph for `steps` steps of the seed's data; returns w.
std::vector<float> train_weights(Graph& g, const Regression& model, int seed, int steps) {
  Session sess{g};
  sess.run_targets({global_variables_initializer(g)});
  const auto [x, y] = batch(seed, 8);
  for (int step = 0; step < steps; ++step)
    sess.run_targets({model.train_op}, {{model.x, x}, {model.y, y}});
  return sess.variable_value(model.w).to_vector<float>();
}

// Runs `work(t)` on `threads` threads started together; rethrows the first exception on this one.
template <class Work>
void run_threads(int threads, Work work) {
  std::latch start{threads};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      try {
        work(t);
      } catch (...) {
        errors[static_cast<std::size_t>(t)] = std::current_exception();
      }
    });
  }
  for (std::thread& thread : pool) thread.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

void expect_same_weights(const std::vector<float>& actual, const std::vector<float>& expected,
                         int seed) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], 1e-6) << "seed " << seed << ", w[" << i << "]";
  }
}

TEST(SessionThreads, SessionsOnOneGraphTrainIndependently) {
  constexpr int kThreads = 4;
  constexpr int kSteps = 40;
  Graph g;
  const Regression model{g};
  std::vector<std::vector<float>> alone;
  for (int t = 0; t < kThreads; ++t) alone.push_back(train_weights(g, model, t, kSteps));
  ASSERT_NE(alone[0], alone[1]);  // the seeds' data differ, so would their weights

  std::vector<std::vector<float>> together(kThreads);
  run_threads(kThreads, [&](int t) {
    together[static_cast<std::size_t>(t)] = train_weights(g, model, t, kSteps);
  });
  for (int t = 0; t < kThreads; ++t) {
    expect_same_weights(together[static_cast<std::size_t>(t)], alone[static_cast<std::size_t>(t)],
                        t);
  }
}

TEST(SessionThreads, OneSessionServesConcurrentRuns) {
  constexpr int kThreads = 4;
  constexpr int kRuns = 50;
  Graph g;
  const Regression model{g};
  Session sess{g};
  sess.run_targets({global_variables_initializer(g)});
  const std::vector<float> w = sess.variable_value(model.w).to_vector<float>();

  std::vector<int> wrong(kThreads, 0);
  run_threads(kThreads, [&](int t) {
    const std::int64_t rows = t + 1;  // each thread its own batch size, so its own arena
    const auto [x, y] = batch(t, rows);
    const std::vector<float> xs = x.to_vector<float>();
    for (int run = 0; run < kRuns; ++run) {
      const std::vector<float> p = sess.run(model.prediction, {{model.x, x}}).to_vector<float>();
      for (std::int64_t i = 0; i < rows; ++i) {
        float expected = 0;
        for (std::int64_t j = 0; j < kFeatures; ++j) {
          expected +=
              xs[static_cast<std::size_t>(i * kFeatures + j)] * w[static_cast<std::size_t>(j)];
        }
        if (std::abs(p[static_cast<std::size_t>(i)] - expected) > 1e-5F)
          ++wrong[static_cast<std::size_t>(t)];
      }
    }
  });
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(wrong[static_cast<std::size_t>(t)], 0) << "thread " << t;
}

TEST(SessionThreads, ThreadsBuildAndTrainTheirOwnGraphs) {
  constexpr int kThreads = 4;
  constexpr int kSteps = 20;
  std::vector<std::vector<float>> alone;
  for (int t = 0; t < kThreads; ++t) {
    Graph g;
    const Regression model{g};
    alone.push_back(train_weights(g, model, t, kSteps));
  }
  std::vector<std::vector<float>> together(kThreads);
  std::vector<std::string> names(kThreads);
  run_threads(kThreads, [&](int t) {
    Graph g;
    const Regression model{g};
    const Regression reused{g};  // AUTO_REUSE: the same variable, a second tower of ops
    names[static_cast<std::size_t>(t)] = model.w.name() + " " + reused.w.name();
    together[static_cast<std::size_t>(t)] = train_weights(g, model, t, kSteps);
  });
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(names[static_cast<std::size_t>(t)], "model/w:0 model/w:0");
    expect_same_weights(together[static_cast<std::size_t>(t)], alone[static_cast<std::size_t>(t)],
                        t);
  }
}

}  // namespace
}  // namespace varscope
