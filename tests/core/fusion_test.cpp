// Plan fusion (core/fusion.h): a BiasAdd into the Relu that alone reads it, an optimizer's SGD
// updates into one step, a BiasAddGrad into the ReluGrad whose output it sums. One step, the same
// values, errors naming the node at fault, and no fusion where something else needs a fused value.
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
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::FloatNear;
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

// ReluGrad -> BiasAddGrad: one step gives both values; the ReluGrad's output still reaches its
// other readers and fetches.
class FusedReluGradBiasAddGradTest : public ::testing::Test {
 protected:
  static std::vector<float> iota_floats(int n) {
    std::vector<float> v(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = 0.25f * static_cast<float>(i - 9);
    return v;
  }

  Graph graph_;
  DefaultGraph use_{graph_};
};

TEST_F(FusedReluGradBiasAddGradTest, ALayersBiasGradientIsSummedInTheReluGradsPass) {
  // (2, 2, 2, 3) activations: the bias gradient sums 8 rows per channel.
  const Output x = placeholder(DType::kFloat32, Shape{2, 2, 2, 3}, "x");
  const Output b = constant(Tensor::from_vector(std::vector<float>{0.5f, -1, 0}), "b");
  const Output y = nn::relu(nn::bias_add(x, b, "sum"), "y");
  const Output loss = reduce_sum(square(y));
  const std::vector<Output> grads = gradients({loss}, {x, b});
  Session sess{graph_};
  const std::vector<std::string> plan = steps(sess, grads, {x});
  const std::string bias_grad = grads[1].node->name();
  EXPECT_THAT(plan, Contains(bias_grad + " _FusedReluGradBiasAddGrad"));
  EXPECT_THAT(plan, Not(Contains(HasSubstr(" ReluGrad"))));
  EXPECT_THAT(plan, Not(Contains(HasSubstr(" BiasAddGrad"))));

  const std::vector<float> xs = iota_floats(24);
  const std::vector<Tensor> out =
      sess.run(grads, {{x, Tensor::from_vector(xs, Shape{2, 2, 2, 3})}});
  // d loss / d sum = 2 relu(sum); the bias gradient is its sum over the 8 rows.
  const std::vector<float> bias{0.5f, -1, 0};
  std::vector<float> dx(24);
  std::vector<float> db(3, 0.0f);
  for (std::size_t i = 0; i < 24; ++i) {
    const float s = xs[i] + bias[i % 3];
    dx[i] = s > 0 ? 2 * s : 0;
    db[i % 3] += dx[i];
  }
  EXPECT_EQ(out[0].to_vector<float>(), dx);
  EXPECT_THAT(out[1].to_vector<float>(), ElementsAre(db[0], db[1], db[2]));
}

TEST_F(FusedReluGradBiasAddGradTest, ItsErrorsNameTheNodeAtFault) {
  const Output dy = placeholder(DType::kFloat32, Shape::unknown(), "dy");
  const Output features = placeholder(DType::kFloat32, Shape::unknown(), "features");
  const Output backprops = nn::relu_grad(dy, features, "relu_grad");
  const Output db = nn::bias_add_grad(backprops, "bias_grad");
  Session sess{graph_};
  ASSERT_THAT(steps(sess, {db}, {dy, features}), Contains("bias_grad _FusedReluGradBiasAddGrad"));
  const auto run = [&](Shape a, Shape b) {
    sess.run(db, {{dy, Tensor::filled(DType::kFloat32, a, 1.0)},
                  {features, Tensor::filled(DType::kFloat32, b, 1.0)}});
  };
  try {
    run(Shape{2, 3}, Shape{3, 2});
    FAIL() << "ReluGrad accepted gradients and features of different shapes";
  } catch (const InvalidArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("[ReluGrad] node 'relu_grad': gradients shape (2, 3) and "
                                    "features shape (3, 2) differ"));
  }
  try {
    run(Shape{3}, Shape{3});
    FAIL() << "BiasAddGrad accepted a vector";
  } catch (const InvalidArgumentError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("[BiasAddGrad] node 'bias_grad': out_backprop must be at least rank 2"));
  }
  // Empty rows: the backprops are empty and every bias gradient is 0.
  sess.run(db, {{dy, Tensor::filled(DType::kFloat32, Shape{0, 4}, 1.0)},
                {features, Tensor::filled(DType::kFloat32, Shape{0, 4}, 1.0)}});
  EXPECT_THAT(sess.run(db, {{dy, Tensor::filled(DType::kFloat32, Shape{0, 4}, 1.0)},
                            {features, Tensor::filled(DType::kFloat32, Shape{0, 4}, 1.0)}})
                  .to_vector<float>(),
              ElementsAre(0, 0, 0, 0));
}

TEST_F(FusedReluGradBiasAddGradTest, TheSameValuesAsTheTwoKernelsOneAfterTheOther) {
  // Fetching both the backprops and the bias gradient of a wide layer, fused, against the two ops
  // run in separate plans (each alone is not fused).
  const Output dy = placeholder(DType::kFloat32, Shape{300, 70}, "dy");
  const Output features = placeholder(DType::kFloat32, Shape{300, 70}, "features");
  const Output backprops = nn::relu_grad(dy, features, "relu_grad");
  const Output db = nn::bias_add_grad(backprops, "bias_grad");
  std::vector<float> a(300 * 70), f(300 * 70);
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = static_cast<float>((i * 7919) % 1000) / 997.0f - 0.5f;
    f[i] = static_cast<float>((i * 104729) % 1000) / 991.0f - 0.5f;
  }
  const FeedDict feeds{{dy, Tensor::from_vector(a, Shape{300, 70})},
                       {features, Tensor::from_vector(f, Shape{300, 70})}};
  Session sess{graph_};
  ASSERT_THAT(steps(sess, {backprops, db}, {dy, features}),
              Contains("bias_grad _FusedReluGradBiasAddGrad"));
  const std::vector<Tensor> fused = sess.run({backprops, db}, feeds);
  const Tensor alone_backprops = sess.run(backprops, feeds);
  const Output fed = placeholder(DType::kFloat32, Shape{300, 70}, "fed");
  const Output db_alone = nn::bias_add_grad(fed, "bias_grad_alone");
  const Tensor alone_db = sess.run(db_alone, {{fed, alone_backprops}});
  EXPECT_EQ(fused[0].to_vector<float>(), alone_backprops.to_vector<float>());
  EXPECT_EQ(fused[1].to_vector<float>(), alone_db.to_vector<float>());
}

TEST_F(FusedGradientDescentTest, AnAdamOptimizersUpdatesRunAsOneStep) {
  const Output loss =
      add(add(reduce_sum(square(a_.value())), reduce_sum(b_.value())), square(c_.value()), "loss");
  train::AdamOptimizer adam{0.1};
  Node* step = adam.minimize(loss);
  Session sess{graph_};
  sess.run_targets({global_variables_initializer()});
  EXPECT_EQ(count_ops(sess, step, "_FusedApplyAdam"), 1);
  EXPECT_EQ(count_ops(sess, step, "ApplyAdam"), 0);
  sess.run_targets({step});
  // The first Adam step moves each variable by lr * g / (|g| + epsilon / sqrt(1 - beta2)): about
  // 0.1 against the sign of its gradient (2a, 1, 2c: all positive).
  EXPECT_THAT(sess.variable_value(a_).to_vector<float>(),
              ElementsAre(FloatNear(0.9f, 1e-5f), FloatNear(0.9f, 1e-5f), FloatNear(0.9f, 1e-5f)));
  EXPECT_THAT(sess.variable_value(b_).to_vector<float>(), Each(FloatNear(1.9f, 1e-5f)));
  EXPECT_NEAR(sess.variable_value(c_).item<float>(), 2.9f, 1e-5f);
}

TEST_F(FusedGradientDescentTest, ABadAdamUpdateNamesItsNodeAndUpdatesNothing) {
  const Output ga = placeholder(DType::kFloat32, Shape::unknown(), "ga");
  const Output gb = placeholder(DType::kFloat32, Shape::unknown(), "gb");
  train::AdamOptimizer adam{0.1};
  Node* step = adam.apply_gradients({{ga, a_}, {gb, b_}});
  Session sess{graph_};
  sess.run_targets({global_variables_initializer()});
  ASSERT_EQ(count_ops(sess, step, "_FusedApplyAdam", {ga, gb}), 1);
  const FeedDict feeds{{ga, Tensor::from_vector(std::vector<float>{1, 1, 1})},
                       {gb, Tensor::from_vector(std::vector<float>{1, 1, 1})}};
  try {
    sess.run_targets({step}, feeds);
    FAIL() << "a [3] gradient for the [2, 2] variable b was accepted";
  } catch (const InvalidArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("node 'Adam/update_b/ApplyAdam'"));
    EXPECT_THAT(e.what(), HasSubstr("var b and grad do not have the same shape: (2, 2) and (3,)"));
  }
  EXPECT_THAT(sess.variable_value(a_).to_vector<float>(), ElementsAre(1, 1, 1));
}

// MatMul -> BiasAdd [-> Relu]: one step (TF's _FusedMatMul), the separate kernels' values.
class FusedMatMulTest : public ::testing::Test {
 protected:
  static Tensor ramp(Shape shape, float step) {
    std::vector<float> v(static_cast<std::size_t>(shape.num_elements()));
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = step * static_cast<float>(static_cast<int>(i % 7) - 3);
    return Tensor::from_vector(v, shape);
  }

  Graph graph_;
  DefaultGraph use_{graph_};
  Output x_ = placeholder(DType::kFloat32, Shape{-1, 6}, "x");
  Output w_ = constant(ramp(Shape{5, 6}, 0.25f), "w");  // used transposed
  Output b_ = constant(Tensor::from_vector(std::vector<float>{0.5f, -1, 0, 2, -0.25f}), "b");
  Output product_ = matmul(x_, w_, false, true, "product");
  Output sum_ = nn::bias_add(product_, b_, "sum");
  FeedDict feeds_{{x_, ramp(Shape{4, 6}, 0.5f)}};
};

TEST_F(FusedMatMulTest, ADenseLayerIsOneStepWithTheSeparateKernelsValues) {
  const Output y = nn::relu(sum_, "y");
  Session fused{graph_};
  EXPECT_THAT(steps(fused, {y}, {x_}), Contains("y _FusedMatMulBiasAddRelu"));
  EXPECT_THAT(steps(fused, {y}, {x_}), Not(Contains(HasSubstr(" MatMul"))));
  // Fetching the product keeps the three apart.
  Session separate{graph_};
  EXPECT_THAT(steps(separate, {y, product_}, {x_}), Contains("product MatMul"));
  const std::vector<float> expected = separate.run({y, product_}, feeds_)[0].to_vector<float>();
  EXPECT_EQ(fused.run(y, feeds_).to_vector<float>(), expected);
  EXPECT_GT(std::count(expected.begin(), expected.end(), 0.0f), 0);  // the Relu clamped some
}

TEST_F(FusedMatMulTest, ASumWithOtherReadersIsFusedWithoutTheRelu) {
  const Output y = nn::relu(sum_, "y");
  const Output doubled = add(sum_, sum_, "doubled");
  Session fused{graph_};
  EXPECT_THAT(steps(fused, {y, doubled}, {x_}), Contains("sum _FusedMatMulBiasAdd"));
  EXPECT_THAT(steps(fused, {y, doubled}, {x_}), Contains("y Relu"));
  Session separate{graph_};
  const std::vector<Tensor> expected = separate.run({y, doubled, product_}, feeds_);
  const std::vector<Tensor> actual = fused.run({y, doubled}, feeds_);
  EXPECT_EQ(actual[0].to_vector<float>(), expected[0].to_vector<float>());
  EXPECT_EQ(actual[1].to_vector<float>(), expected[1].to_vector<float>());
}

TEST_F(FusedMatMulTest, ItsErrorsNameTheNodeAtFault) {
  const Output a = placeholder(DType::kFloat32, Shape::unknown(), "a");
  const Output bias = placeholder(DType::kFloat32, Shape::unknown(), "bias");
  const Output y = nn::relu(nn::bias_add(matmul(a, w_, false, true, "mm"), bias, "add"), "act");
  Session sess{graph_};
  ASSERT_THAT(steps(sess, {y}, {a, bias}), Contains("act _FusedMatMulBiasAddRelu"));
  const auto run = [&](Shape a_shape, Shape bias_shape) {
    sess.run(y, {{a, Tensor::filled(DType::kFloat32, a_shape, 1.0)},
                 {bias, Tensor::filled(DType::kFloat32, bias_shape, 1.0)}});
  };
  try {
    run(Shape{2, 4}, Shape{5});
    FAIL() << "a (2, 4) times a (6, 5) transposed was accepted";
  } catch (const InvalidArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("[MatMul] node 'mm': inner dimensions differ"));
  }
  try {
    run(Shape{2, 6}, Shape{4});
    FAIL() << "a (4,) bias for 5 columns was accepted";
  } catch (const InvalidArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("[BiasAdd] node 'add': bias shape (4,) does not match"));
  }
}

// tf.nn.dropout's chain: one step draws the uniforms and gives the result and the mask, with the
// values of the separate kernels.
class FusedDropoutTest : public ::testing::Test {
 protected:
  Graph graph_;
  DefaultGraph use_{graph_};
  Output x_ = placeholder(DType::kFloat32, Shape{-1, 40}, "x");
  Output y_ = nn::dropout(x_, 0.4, 7, "drop");
  Output loss_ = reduce_sum(square(y_));
  Output dx_ = gradients({loss_}, {x_})[0];
  FeedDict feeds_{{x_, [] {
                     std::vector<float> v(3 * 40);
                     for (std::size_t i = 0; i < v.size(); ++i)
                       v[i] = 0.125f * static_cast<float>(static_cast<int>(i % 17) - 8);
                     return Tensor::from_vector(v, Shape{3, 40});
                   }()}};
};

TEST_F(FusedDropoutTest, TheChainRunsAsOneStepWithTheSeparateKernelsValues) {
  Session fused{graph_};
  const std::vector<std::string> plan = steps(fused, {y_, dx_}, {x_});
  EXPECT_THAT(plan, Contains(y_.node->name() + " _FusedDropout"));
  EXPECT_THAT(plan, Not(Contains(HasSubstr(" RandomUniform"))));
  EXPECT_THAT(plan, Not(Contains(HasSubstr(" GreaterEqual"))));
  // Fetching the uniforms keeps the chain apart; the same seed gives the same stream per session.
  const Output uniforms = graph_.find_node("drop/random_uniform")->output(0);
  Session separate{graph_};
  EXPECT_THAT(steps(separate, {y_, dx_, uniforms}, {x_}), Contains(HasSubstr(" RandomUniform")));
  for (int run = 0; run < 3; ++run) {
    const std::vector<Tensor> a = fused.run({y_, dx_}, feeds_);
    const std::vector<Tensor> b = separate.run({y_, dx_, uniforms}, feeds_);
    EXPECT_EQ(a[0].to_vector<float>(), b[0].to_vector<float>()) << "run " << run;
    EXPECT_EQ(a[1].to_vector<float>(), b[1].to_vector<float>()) << "run " << run;
    // About 40% dropped, the rest scaled by 1 / 0.6.
    const std::vector<float> y = a[0].to_vector<float>();
    const std::vector<float> x = feeds_.begin()->second.to_vector<float>();
    int dropped = 0;
    for (std::size_t i = 0; i < y.size(); ++i) {
      if (y[i] == 0 && x[i] != 0) ++dropped;
      if (y[i] != 0) {
        EXPECT_FLOAT_EQ(y[i], x[i] / 0.6f);
      }
    }
    EXPECT_GT(dropped, 20);
    EXPECT_LT(dropped, 80);
  }
}

}  // namespace
}  // namespace varscope
