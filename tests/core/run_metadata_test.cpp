// Traced runs (RunOptions::kFullTrace): one NodeExecStats per step of the plan, in order, with the
// names, ops and devices placed_graph() shows, and times that add up.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "fake_gpu.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/session.h"

namespace varscope {
namespace {

using ::testing::ElementsAreArray;

Tensor random_matrix(std::int64_t rows, std::int64_t cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Tensor t(DType::kFloat32, Shape{rows, cols});
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.num_elements(); ++i) p[i] = dist(gen);
  return t;
}

std::vector<std::string> names_of(const std::vector<NodeExecStats>& stats) {
  std::vector<std::string> names;
  for (const NodeExecStats& s : stats) names.push_back(s.node_name + " " + s.op + " " + s.device);
  return names;
}

std::vector<std::string> names_of(const std::vector<PlacedNode>& placed) {
  std::vector<std::string> names;
  for (const PlacedNode& p : placed) names.push_back(p.name + " " + p.op + " " + p.device);
  return names;
}

class RunMetadataTest : public ::testing::Test {
 protected:
  Graph graph_;
  DefaultGraph use_{graph_};
  Output a_ = placeholder(DType::kFloat32, Shape{256, 256}, "a");
  Output product_ = matmul(a_, a_, false, false, "product");
  Output total_ = reduce_sum(nn::relu(product_), std::nullopt, false, "total");
  FeedDict feeds_{{a_, random_matrix(256, 256, 1)}};
};

TEST_F(RunMetadataTest, ATracedRunReportsEveryStepInOrder) {
  Session sess{graph_, {}, testing::cpu_and_fake_gpu()};
  RunMetadata metadata;
  const Tensor traced = sess.run({.trace_level = RunOptions::TraceLevel::kFullTrace}, {total_},
                                 feeds_, {}, &metadata)[0];
  EXPECT_FLOAT_EQ(traced.item<float>(), sess.run(total_, feeds_).item<float>());
  // The stand-in GPU runs the ops, after a copy of the feed: every step, as placed_graph shows it.
  EXPECT_THAT(names_of(metadata.step_stats),
              ElementsAreArray(names_of(sess.placed_graph({total_}, {a_}))));
  ASSERT_GE(metadata.step_stats.size(), 4u);
  EXPECT_EQ(metadata.step_stats.front().op, "_HostToDevice");
  double previous_start = -1;
  for (const NodeExecStats& s : metadata.step_stats) {
    EXPECT_GE(s.device_micros, 0) << s.node_name;
    EXPECT_GE(s.host_micros, 0) << s.node_name;
    if (s.device == metadata.step_stats.front().device) {
      EXPECT_GE(s.start_micros, previous_start) << s.node_name;
      previous_start = s.start_micros;
    }
  }
  // A 256^3 product is the bulk of the work: it takes measurable time on both clocks.
  const auto product =
      std::find_if(metadata.step_stats.begin(), metadata.step_stats.end(),
                   [](const NodeExecStats& s) { return s.node_name == "product"; });
  ASSERT_NE(product, metadata.step_stats.end());
  EXPECT_GT(product->device_micros, 0);
  EXPECT_GT(product->host_micros, 0);
}

TEST_F(RunMetadataTest, AnUntracedRunReportsNothing) {
  Session sess{graph_};
  RunMetadata metadata;
  metadata.step_stats.resize(3);  // cleared, not appended to
  sess.run({}, {total_}, feeds_, {}, &metadata);
  EXPECT_TRUE(metadata.step_stats.empty());
}

}  // namespace
}  // namespace varscope
