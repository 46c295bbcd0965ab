// Plans fuse a BiasAdd into the Relu that alone reads it (core/fusion.h): one step, the same
// values, and no fusion where anything else needs the BiasAdd's value.
#include "core/fusion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "varscope/error.h"
#include "varscope/gradients.h"
#include "varscope/initializers.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/train.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
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

int count_ops(Session& sess, Node* target, const std::string& op,
              const std::vector<Output>& feeds = {}) {
  const std::vector<PlacedNode> placed = sess.placed_graph({}, feeds, {target});
  return static_cast<int>(
      std::count_if(placed.begin(), placed.end(), [&](const PlacedNode& p) { return p.op == op; }));
}

class FusedGradientDescentTest : public ::testing::Test {
 protected:
  Graph graph_;
  DefaultGraph use_{graph_};
  Variable a_ = get_variable("a", Shape{3}, {.initializer = constant_initializer(1.0)});
  Variable b_ = get_variable("b", Shape{2, 2}, {.initializer = constant_initializer(2.0)});
  Variable c_ = get_variable("c", Shape{}, {.initializer = constant_initializer(3.0)});
  train::GradientDescentOptimizer opt_{0.1};
};

TEST_F(FusedGradientDescentTest, AnOptimizersUpdatesRunAsOneStep) {
  const Output loss =
      add(add(reduce_sum(square(a_.value())), reduce_sum(b_.value())), square(c_.value()), "loss");
  Node* step = opt_.minimize(loss);
  Session sess{graph_};
  sess.run_targets({global_variables_initializer()});
  EXPECT_EQ(count_ops(sess, step, "_FusedApplyGradientDescent"), 1);
  EXPECT_EQ(count_ops(sess, step, "ApplyGradientDescent"), 0);
  sess.run_targets({step});
  // a -= 0.1 * 2a, b -= 0.1 * 1, c -= 0.1 * 2c.
  EXPECT_THAT(sess.variable_value(a_).to_vector<float>(), ElementsAre(0.8f, 0.8f, 0.8f));
  EXPECT_THAT(sess.variable_value(b_).to_vector<float>(), ElementsAre(1.9f, 1.9f, 1.9f, 1.9f));
  EXPECT_FLOAT_EQ(sess.variable_value(c_).item<float>(), 2.4f);
}

TEST_F(FusedGradientDescentTest, ABadUpdateNamesItsNodeAndUpdatesNothing) {
  const Output ga = placeholder(DType::kFloat32, Shape::unknown(), "ga");
  const Output gb = placeholder(DType::kFloat32, Shape::unknown(), "gb");
  Node* step = opt_.apply_gradients({{ga, a_}, {gb, b_}});
  Session sess{graph_};
  sess.run_targets({global_variables_initializer()});
  ASSERT_EQ(count_ops(sess, step, "_FusedApplyGradientDescent", {ga, gb}), 1);
  const FeedDict feeds{{ga, Tensor::from_vector(std::vector<float>{1, 1, 1})},
                       {gb, Tensor::from_vector(std::vector<float>{1, 1, 1})}};
  try {
    sess.run_targets({step}, feeds);
    FAIL() << "a [3] delta for the [2, 2] variable b was accepted";
  } catch (const InvalidArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("node 'GradientDescent/update_b/ApplyGradientDescent'"));
    EXPECT_THAT(e.what(), HasSubstr("var b and delta do not have the same shape: (2, 2) and (3,)"));
  }
  EXPECT_THAT(sess.variable_value(a_).to_vector<float>(),
              ElementsAre(1, 1, 1));  // checked before any update
}

TEST_F(FusedGradientDescentTest, AnUpdateWhoseValueIsFetchedRunsAlone) {
  const Output loss = add(reduce_sum(square(a_.value())), reduce_sum(b_.value()), "loss");
  std::vector<train::GradAndVar> pairs =
      opt_.compute_gradients(loss, std::vector<Variable>{a_, b_});
  Node* step = opt_.apply_gradients(pairs);
  Session sess{graph_};
  sess.run_targets({global_variables_initializer()});
  Node* update_a = graph_.find_node("GradientDescent/update_a/ApplyGradientDescent");
  ASSERT_NE(update_a, nullptr);
  const std::vector<PlacedNode> placed = sess.placed_graph({update_a->output(0)}, {}, {step});
  EXPECT_EQ(std::count_if(placed.begin(), placed.end(),
                          [](const PlacedNode& p) { return p.op == "ApplyGradientDescent"; }),
            2);
  const Tensor new_a = sess.run({update_a->output(0)}, {}, {step})[0];
  EXPECT_THAT(new_a.to_vector<float>(), ElementsAre(0.8f, 0.8f, 0.8f));
  EXPECT_THAT(sess.variable_value(b_).to_vector<float>(), ElementsAre(1.9f, 1.9f, 1.9f, 1.9f));
}

}  // namespace
}  // namespace varscope
