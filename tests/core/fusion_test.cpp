// Plans fuse a BiasAdd into the Relu that alone reads it (core/fusion.h): one step, the same
// values, and no fusion where anything else needs the BiasAdd's value.
#include "core/fusion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "varscope/gradients.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/session.h"

namespace varscope {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

std::vector<std::string> steps(Session& sess, const std::vector<Output>& fetches,
                               const std::vector<Output>& feeds) {
  std::vector<std::string> out;
  for (const PlacedNode& p : sess.placed_graph(fetches, feeds)) out.push_back(p.name + " " + p.op);
  return out;
}

class FusionTest : public ::testing::Test {
 protected:
  Graph graph_;
  DefaultGraph use_{graph_};
  Output x_ = placeholder(DType::kFloat32, Shape{2, 3}, "x");
  Output b_ = constant(Tensor::from_vector(std::vector<float>{1, -1, 0.5f}), "b");
  Output sum_ = nn::bias_add(x_, b_, "sum");
  Output y_ = nn::relu(sum_, "y");
  FeedDict feeds_{
      {x_, Tensor::from_vector(std::vector<float>{-2, 0.5f, 1, 3, 1, -4}, Shape{2, 3})}};
};

TEST_F(FusionTest, ABiasAddOnlyAReluReadsRunsInsideIt) {
  Session sess{graph_};
  EXPECT_THAT(steps(sess, {y_}, {x_}), Contains("y _FusedBiasAddRelu"));
  EXPECT_THAT(steps(sess, {y_}, {x_}), Not(Contains("sum BiasAdd")));
  EXPECT_THAT(sess.run(y_, feeds_).to_vector<float>(), ElementsAre(0, 0, 1.5f, 4, 0, 0));
}

TEST_F(FusionTest, AFetchedBiasAddIsNotFused) {
  Session sess{graph_};
  EXPECT_THAT(steps(sess, {y_, sum_}, {x_}), Contains("sum BiasAdd"));
  EXPECT_THAT(steps(sess, {y_, sum_}, {x_}), Contains("y Relu"));
  const std::vector<Tensor> out = sess.run({y_, sum_}, feeds_);
  EXPECT_THAT(out[0].to_vector<float>(), ElementsAre(0, 0, 1.5f, 4, 0, 0));
  EXPECT_THAT(out[1].to_vector<float>(), ElementsAre(-1, -0.5f, 1.5f, 4, 0, -3.5f));
}

TEST_F(FusionTest, ABiasAddWithAnotherReaderIsNotFused) {
  const Output doubled = add(sum_, sum_, "doubled");
  const Output both = add(y_, doubled, "both");
  Session sess{graph_};
  EXPECT_THAT(steps(sess, {both}, {x_}), Contains("sum BiasAdd"));
  EXPECT_THAT(sess.run(both, feeds_).to_vector<float>(), ElementsAre(-2, -1, 4.5f, 12, 0, -7));
}

TEST_F(FusionTest, GradientsThroughAFusedReluAreUnchanged) {
  // d/dx sum(relu(x + b)) = (x + b > 0): the gradient reads the Relu's value, never the sum's.
  const Output loss = reduce_sum(y_);
  const Output dx = gradients({loss}, {x_})[0];
  Session sess{graph_};
  EXPECT_THAT(steps(sess, {dx}, {x_}), Contains("y _FusedBiasAddRelu"));
  EXPECT_THAT(sess.run(dx, feeds_).to_vector<float>(), ElementsAre(0, 0, 1, 1, 0, 0));
}

}  // namespace
}  // namespace varscope
