// Constant folding (core/constant_folding.h): steps whose inputs are all known when a plan is built
// are computed once then, with the values they would have had; stateful ops, values from feeds or
// variables, large outputs and failing kernels are left to the run.
#include "core/constant_folding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "varscope/error.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Whether the plan of (fetches, feeds) computes `name` once, when it is built.
bool is_constant_step(Session& sess, const std::string& name, const std::vector<Output>& fetches,
                      const std::vector<Output>& feeds = {}) {
  for (const PlacedNode& p : sess.placed_graph(fetches, feeds)) {
    if (p.name == name) return p.constant;
  }
  ADD_FAILURE() << "no step " << name << " in the plan";
  return false;
}

class ConstantFoldingTest : public ::testing::Test {
 protected:
  Graph graph_;
  DefaultGraph use_{graph_};
  Output x_ = placeholder(DType::kFloat32, Shape{3}, "x");
  Output three_ = constant(3.0, DType::kFloat32, "three");
  Output four_ = constant(4.0, DType::kFloat32, "four");
  Output seven_ = add(three_, four_, "seven");
  Output scaled_ = multiply(x_, seven_, "scaled");
  FeedDict feeds_{{x_, Tensor::from_vector(std::vector<float>{1, 2, -1})}};
};

TEST_F(ConstantFoldingTest, AStepOfConstantsRunsOnceWhenThePlanIsBuilt) {
  Session sess{graph_};
  EXPECT_TRUE(is_constant_step(sess, "seven", {scaled_}, {x_}));
  EXPECT_FALSE(is_constant_step(sess, "scaled", {scaled_}, {x_}));  // it reads a feed
  for (int run = 0; run < 2; ++run) {
    EXPECT_THAT(sess.run(scaled_, feeds_).to_vector<float>(), ElementsAre(7, 14, -7));
  }
  EXPECT_FLOAT_EQ(sess.run(seven_).item<float>(), 7.0f);  // a folded value can be fetched
}

TEST_F(ConstantFoldingTest, FoldingOffRunsEveryStepWithTheSameValues) {
  Session sess{graph_, {.fold_constants = false}};
  EXPECT_FALSE(is_constant_step(sess, "seven", {scaled_}, {x_}));
  EXPECT_TRUE(is_constant_step(sess, "three", {scaled_}, {x_}));  // a Const is one either way
  EXPECT_THAT(sess.run(scaled_, feeds_).to_vector<float>(), ElementsAre(7, 14, -7));
}

TEST_F(ConstantFoldingTest, ChainsFoldAndMultipleOutputsToo) {
  // (3 + 4) * 4 as int32, and both outputs of BroadcastGradientArgs of two constant shapes.
  const Output chain = cast(multiply(seven_, four_, "times_four"), DType::kInt32, "as_int");
  const std::vector<Output> axes =
      broadcast_gradient_args(constant(Tensor::from_vector(std::vector<std::int32_t>{2, 1, 3})),
                              constant(Tensor::from_vector(std::vector<std::int32_t>{3})), "axes");
  Session sess{graph_};
  EXPECT_TRUE(is_constant_step(sess, "as_int", {chain}));
  EXPECT_TRUE(is_constant_step(sess, "axes", {axes[0], axes[1]}));
  EXPECT_EQ(sess.run(chain).item<std::int32_t>(), 28);
  const std::vector<Tensor> reduced = sess.run({axes[0], axes[1]});
  EXPECT_THAT(reduced[0].to_vector<std::int32_t>(), ElementsAre(1));  // as TF: 1 against 1 too
  EXPECT_THAT(reduced[1].to_vector<std::int32_t>(), ElementsAre(0, 1));
}

TEST_F(ConstantFoldingTest, RandomOpsAreNotFolded) {
  const Output noise = random_uniform(Shape{4}, DType::kFloat32, 0.0, 1.0, 7);
  const Output shifted = add(noise, seven_, "shifted");
  Session sess{graph_};
  EXPECT_FALSE(is_constant_step(sess, "shifted", {shifted}));
  EXPECT_NE(sess.run(shifted).to_vector<float>(), sess.run(shifted).to_vector<float>());
}

TEST_F(ConstantFoldingTest, VariablesAreNotFolded) {
  Variable v = get_variable("v", {3}, {.initializer = constant_initializer(2.0)});
  const Output read = add(v.value(), seven_, "read");
  Session sess{graph_};
  sess.run_targets({global_variables_initializer()});
  EXPECT_FALSE(is_constant_step(sess, "read", {read}));
  EXPECT_THAT(sess.run(read).to_vector<float>(), ElementsAre(9, 9, 9));
}

TEST_F(ConstantFoldingTest, LargeOutputsAreComputedAtEachRun) {
  const std::int64_t n = static_cast<std::int64_t>(kMaxFoldedBytes / sizeof(float)) + 1;
  const Output big = fill(Shape{n}, seven_, "big");
  const Output small = fill(Shape{8}, seven_, "small");
  Session sess{graph_};
  EXPECT_FALSE(is_constant_step(sess, "big", {big, small}));
  EXPECT_TRUE(is_constant_step(sess, "small", {big, small}));
  const std::vector<Tensor> out = sess.run({big, small});
  EXPECT_EQ(out[0].num_elements(), n);
  EXPECT_FLOAT_EQ(out[0].to_vector<float>().back(), 7.0f);
}

TEST_F(ConstantFoldingTest, AFailingStepFailsAtTheRunAsWithoutFolding) {
  // Index 5 of a 3-vector: shape inference cannot see it, the kernel can.
  const Output params = constant(Tensor::from_vector(std::vector<float>{1, 2, 3}), "params");
  const Output indices = constant(Tensor::from_vector(std::vector<std::int32_t>{5}), "indices");
  const Output gathered = gather(params, indices, 0, "gathered");
  std::string folded_error, unfolded_error;
  for (bool fold : {true, false}) {
    Session sess{graph_, {.fold_constants = fold}};
    EXPECT_FALSE(is_constant_step(sess, "gathered", {gathered}));
    try {
      sess.run(gathered);
      ADD_FAILURE() << "index 5 of 3 values was accepted";
    } catch (const InvalidArgumentError& e) {
      (fold ? folded_error : unfolded_error) = e.what();
    }
  }
  EXPECT_THAT(folded_error, HasSubstr("node 'gathered'"));
  EXPECT_EQ(folded_error, unfolded_error);
}

}  // namespace
}  // namespace varscope
