// Runs captured as CUDA graphs (SessionOptions::capture_cuda_graphs) on a real GPU: a captured
// Session gives the values of an eager one step by step (training with dropout, so the random
// stream must move on at every replay), fresh feeds reach every replay, and replays allocate
// nothing. The session's logic is tested on every CI run by tests/core/step_capture_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "../../examples/support/fashion_cnn.h"
#include "device_test.h"
#include "varscope/collections.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

using CudaCaptureTest = test::CudaTest;

Tensor random_images(std::int64_t batch, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  Tensor t(DType::kFloat32, Shape{batch, 28, 28, 1});
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.num_elements(); ++i) p[i] = dist(gen);
  return t;
}

Tensor labels_for(std::int64_t batch, int shift) {
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  for (std::size_t i = 0; i < labels.size(); ++i)
    labels[i] = static_cast<std::int32_t>((i + shift) % 10);
  return Tensor::from_vector(labels);
}

float max_abs_difference(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  const float* x = a.data<float>();
  const float* y = b.data<float>();
  float worst = 0;
  for (std::int64_t i = 0; i < a.num_elements(); ++i)
    worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

TEST_F(CudaCaptureTest, ATrainingStepWithDropoutReplaysAsItRunsEagerly) {
  Graph graph;
  DefaultGraph use{graph};
  graph.set_random_seed(1);
  const auto model = examples::build_fashion_cnn_graph("sgd", 0.05, std::nullopt);
  Session eager{graph, {.device = "/gpu:0", .allow_soft_placement = false}};
  Session captured{
      graph, {.device = "/gpu:0", .allow_soft_placement = false, .capture_cuda_graphs = true}};
  ASSERT_EQ(captured.why_not_captured({model.loss}, {model.images, model.labels}, {model.train_op}),
            "");
  for (Session* sess : {&eager, &captured}) sess->run_targets({global_variables_initializer()});
  // Same initial weights in both sessions (initializers are seeded by the graph seed).
  for (const Variable& v : trainable_variables()) {
    ASSERT_EQ(max_abs_difference(eager.variable_value(v), captured.variable_value(v)), 0.0f)
        << v.op_name();
  }
  constexpr std::int64_t kBatch = 64;
  for (int step = 0; step < 8; ++step) {
    const FeedDict feeds{{model.images, random_images(kBatch, 100 + step)},
                         {model.labels, labels_for(kBatch, step)}};
    const float a = eager.run({model.loss}, feeds, {model.train_op})[0].item<float>();
    const float b = captured.run({model.loss}, feeds, {model.train_op})[0].item<float>();
    EXPECT_NEAR(a, b, 1e-4f * std::max(1.0f, std::abs(a))) << "step " << step;
  }
  for (const Variable& v : trainable_variables()) {
    EXPECT_LT(max_abs_difference(eager.variable_value(v), captured.variable_value(v)), 1e-4f)
        << v.op_name();
  }
  EXPECT_EQ(eager.variable_value(model.global_step).item<std::int64_t>(), 8);
  EXPECT_EQ(captured.variable_value(model.global_step).item<std::int64_t>(), 8);
  const CaptureStats stats = captured.capture_stats();
  EXPECT_EQ(stats.captures, 1);
  EXPECT_EQ(stats.replays, 6);
  EXPECT_EQ(stats.failures, 0);
  EXPECT_EQ(eager.capture_stats().captures, 0);
}

TEST_F(CudaCaptureTest, ReplaysDrawNewRandomNumbersInTheEagerSequence) {
  Graph graph;
  DefaultGraph use{graph};
  const Output x = placeholder(DType::kFloat32, Shape{1000}, "x");
  const Output noisy = add(x, random_uniform(Shape{1000}, DType::kFloat32, 0.0, 1.0, 7), "noisy");
  Session eager{graph, {.device = "/gpu:0", .allow_soft_placement = false}};
  Session captured{
      graph, {.device = "/gpu:0", .allow_soft_placement = false, .capture_cuda_graphs = true}};
  std::vector<Tensor> seen;
  for (int run = 0; run < 5; ++run) {
    const Tensor feed = Tensor::filled(DType::kFloat32, Shape{1000}, static_cast<double>(run));
    const Tensor a = eager.run(noisy, {{x, feed}});
    const Tensor b = captured.run(noisy, {{x, feed}});
    EXPECT_EQ(max_abs_difference(a, b), 0.0f) << "run " << run;
    for (const Tensor& earlier : seen)
      EXPECT_GT(max_abs_difference(a, earlier), 1.0f) << "run " << run;
    seen.push_back(a);
  }
  EXPECT_EQ(captured.capture_stats().replays, 3);
}

TEST_F(CudaCaptureTest, ReplaysAllocateNothing) {
  Graph graph;
  DefaultGraph use{graph};
  const Output images = placeholder(DType::kFloat32, Shape{-1, 28, 28, 1}, "images");
  const Output logits = examples::fashion_cnn(images, false);
  Session sess{graph,
               {.device = "/gpu:0", .allow_soft_placement = false, .capture_cuda_graphs = true}};
  sess.run_targets({global_variables_initializer()});
  Session eager{graph, {.device = "/gpu:0", .allow_soft_placement = false}};
  for (const Variable& v : global_variables()) eager.assign_variable(v, sess.variable_value(v));
  for (int run = 0; run < 3; ++run) sess.run(logits, {{images, random_images(400, run)}});
  const MemoryStats before = sess.memory_stats("/gpu:0");
  std::vector<std::pair<Tensor, Tensor>> checked;  // (feed, replayed logits)
  for (int run = 0; run < 50; ++run) {
    Tensor feed = random_images(400, 1000 + run);
    Tensor replayed = sess.run(logits, {{images, feed}});
    if (run % 10 == 0) checked.emplace_back(std::move(feed), std::move(replayed));
  }
  const MemoryStats after = sess.memory_stats("/gpu:0");
  EXPECT_EQ(after.reserved, before.reserved);
  EXPECT_EQ(after.total_current, before.total_current);
  for (const auto& [feed, replayed] : checked) {
    EXPECT_LT(max_abs_difference(replayed, eager.run(logits, {{images, feed}})), 1e-4f);
  }
  EXPECT_EQ(sess.capture_stats().replays, 2 + 50);
}

}  // namespace
}  // namespace varscope
