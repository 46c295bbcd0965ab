// Gradient rules of the math ops: the op names TF gives the gradient subgraph (gradients/add_grad/
// Shape, BroadcastGradientArgs...), values on small hand-checked cases, and finite-difference
// checks of every rule, with broadcasting and with unknown batch dimensions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dynamic_gradient_check.h"
#include "expect_error.h"
#include "gradient_check.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

using testing::expect_dynamic_gradients_match;
using testing::expect_gradients_match;
using testing::random_tensor;
using Inputs = const std::vector<Output>&;

// "name (Op)" of every node whose name starts with `prefix`, in creation order.
std::vector<std::string> nodes_under(const Graph& g, const std::string& prefix) {
  std::vector<std::string> result;
  for (Node* n : g.nodes()) {
    if (n->name().rfind(prefix, 0) == 0)
      result.push_back(n->name().substr(prefix.size()) + " (" + n->op() + ")");
  }
  return result;
}

std::string input_name(const Output& t, int i) {
  return t.node->inputs()[static_cast<std::size_t>(i)].name();
}

Tensor matrix(std::vector<double> values, Shape shape) {
  return Tensor::from_vector(values, std::move(shape));
}

class MathGradients : public ::testing::Test {
 protected:
  Graph g;
  DefaultGraph use{g};
};

// ---- TF names -----------------------------------------------------------------------------------

TEST_F(MathGradients, AddWithUnknownBatchUsesBroadcastGradientArgs) {
  Output x = placeholder(float32, Shape{-1, 3}, "x");
  Output w = placeholder(float32, Shape{3}, "w");
  Output loss = reduce_sum(x + w);
  std::vector<Output> grads = gradients({loss}, {x, w});
  EXPECT_EQ(nodes_under(g, "gradients/Sum_grad/"),
            (std::vector<std::string>{"Reshape/shape (Const)", "Reshape (Reshape)", "Shape (Shape)",
                                      "Tile (Tile)"}));
  EXPECT_EQ(nodes_under(g, "gradients/add_grad/"),
            (std::vector<std::string>{"Shape (Shape)", "Shape_1 (Shape)",
                                      "BroadcastGradientArgs (BroadcastGradientArgs)", "Sum (Sum)",
                                      "Reshape (Reshape)", "Sum_1 (Sum)", "Reshape_1 (Reshape)"}));
  EXPECT_EQ(grads[0].name(), "gradients/add_grad/Reshape:0");
  EXPECT_EQ(grads[1].name(), "gradients/add_grad/Reshape_1:0");
  EXPECT_EQ(input_name(grads[1].node->inputs()[0], 1),
            "gradients/add_grad/BroadcastGradientArgs:1");
  EXPECT_EQ(grads[0].shape(), (Shape{-1, 3}));
  EXPECT_EQ(grads[1].shape(), (Shape{3}));

  Session session{g};
  auto values =
      session.run(grads, {{x, Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3})},
                          {w, Tensor::from_vector<float>({1, 1, 1})}});
  EXPECT_EQ(values[0].to_vector<float>(), (std::vector<float>{1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(values[1].to_vector<float>(), (std::vector<float>{2, 2, 2}));
}

TEST_F(MathGradients, AddWithStaticShapesReducesOnlyTheBroadcastOperand) {
  Output x = placeholder(float32, Shape{2, 3}, "x");
  Output w = placeholder(float32, Shape{3}, "w");
  Output same = placeholder(float32, Shape{2, 3}, "same");
  std::vector<Output> grads = gradients({reduce_sum((x + w) + same)}, {x, w, same});
  // add_1 (x + w) + same: equal static shapes pass the gradient through untouched.
  EXPECT_TRUE(nodes_under(g, "gradients/add_1_grad/").empty());
  // add: x already has the gradient's shape; w is summed over axis 0 with Const axes and shape.
  EXPECT_EQ(nodes_under(g, "gradients/add_grad/"),
            (std::vector<std::string>{"Sum/reduction_indices (Const)", "Sum (Sum)",
                                      "Reshape/shape (Const)", "Reshape (Reshape)"}));
  EXPECT_EQ(grads[0].name(), "gradients/Sum_grad/Tile:0");
  EXPECT_EQ(grads[1].name(), "gradients/add_grad/Reshape:0");
  EXPECT_EQ(grads[2].name(), "gradients/Sum_grad/Tile:0");
  // A fully known input shape becomes a Const "Const" for the Tile.
  EXPECT_EQ(input_name(grads[0], 1), "gradients/Sum_grad/Const:0");
}

TEST_F(MathGradients, SubAndMulNames) {
  Output a = placeholder(float32, Shape{-1, 3}, "a");
  Output b = placeholder(float32, Shape{3}, "b");
  gradients({reduce_sum(a * b - b)}, {a, b});
  EXPECT_EQ(
      nodes_under(g, "gradients/sub_grad/"),
      (std::vector<std::string>{
          "Shape (Shape)", "Shape_1 (Shape)", "BroadcastGradientArgs (BroadcastGradientArgs)",
          "Sum (Sum)", "Reshape (Reshape)", "Neg (Neg)", "Sum_1 (Sum)", "Reshape_1 (Reshape)"}));
  EXPECT_EQ(nodes_under(g, "gradients/mul_grad/"),
            (std::vector<std::string>{"Shape (Shape)", "Shape_1 (Shape)",
                                      "BroadcastGradientArgs (BroadcastGradientArgs)", "Mul (Mul)",
                                      "Sum (Sum)", "Reshape (Reshape)", "Mul_1 (Mul)",
                                      "Sum_1 (Sum)", "Reshape_1 (Reshape)"}));
  EXPECT_EQ(input_name(g.tensor_by_name("gradients/mul_grad/Mul:0"), 1), "b:0");
  EXPECT_EQ(input_name(g.tensor_by_name("gradients/mul_grad/Mul_1:0"), 0), "a:0");
}

TEST_F(MathGradients, MulOfEqualFloat32ShapesIsTwoMuls) {
  Output a = placeholder(float32, Shape{2, 3}, "a");
  Output b = placeholder(float32, Shape{2, 3}, "b");
  std::vector<Output> grads = gradients({reduce_sum(a * b)}, {a, b});
  EXPECT_EQ(nodes_under(g, "gradients/mul_grad/"),
            (std::vector<std::string>{"Mul (Mul)", "Mul_1 (Mul)"}));
  EXPECT_EQ(grads[0].name(), "gradients/mul_grad/Mul:0");
  EXPECT_EQ(grads[1].name(), "gradients/mul_grad/Mul_1:0");
}

TEST_F(MathGradients, MatMulNamesAndTransposes) {
  Output a = placeholder(float32, Shape{-1, 3}, "a");
  Output b = placeholder(float32, Shape{3, 4}, "b");
  std::vector<Output> grads = gradients({reduce_sum(matmul(a, b))}, {a, b});
  EXPECT_EQ(nodes_under(g, "gradients/MatMul_grad/"),
            (std::vector<std::string>{"MatMul (MatMul)", "MatMul_1 (MatMul)"}));
  const Node& ga = *grads[0].node;
  const Node& gb = *grads[1].node;
  EXPECT_EQ(ga.name(), "gradients/MatMul_grad/MatMul");
  EXPECT_EQ(input_name(grads[0], 1), "b:0");
  EXPECT_FALSE(ga.attr_as<bool>("transpose_a"));
  EXPECT_TRUE(ga.attr_as<bool>("transpose_b"));
  EXPECT_EQ(input_name(grads[1], 0), "a:0");
  EXPECT_TRUE(gb.attr_as<bool>("transpose_a"));
  EXPECT_FALSE(gb.attr_as<bool>("transpose_b"));
  EXPECT_EQ(grads[0].shape(), (Shape{-1, 3}));
  EXPECT_EQ(grads[1].shape(), (Shape{3, 4}));
}

TEST_F(MathGradients, ReduceSumOverSomeAxesWithUnknownBatchUsesReducedShape) {
  Output x = placeholder(float32, Shape{-1, 3}, "x");
  std::vector<Output> grads = gradients({reduce_sum(x, std::vector<std::int64_t>{1})}, {x});
  // TF 2's _SumGrad: reduced_shape by DynamicStitch, then BroadcastTo the input shape.
  EXPECT_EQ(nodes_under(g, "gradients/Sum_grad/"),
            (std::vector<std::string>{"Shape (Shape)", "Size (Const)", "add (Add)",
                                      "mod (FloorMod)", "Shape_1 (Const)", "range/start (Const)",
                                      "range/delta (Const)", "range (Range)", "ones/Const (Const)",
                                      "ones (Fill)", "DynamicStitch (DynamicStitch)",
                                      "Reshape (Reshape)", "BroadcastTo (BroadcastTo)"}));
  EXPECT_EQ(grads[0].name(), "gradients/Sum_grad/BroadcastTo:0");
  EXPECT_EQ(grads[0].shape(), (Shape{-1, 3}));
  Session session{g};
  Tensor value =
      session.run(grads[0], {{x, Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3})}});
  EXPECT_EQ(value.shape(), (Shape{2, 3}));
  EXPECT_EQ(value.to_vector<float>(), (std::vector<float>{1, 1, 1, 1, 1, 1}));
}

TEST_F(MathGradients, ReduceMeanNames) {
  Output x = placeholder(float32, Shape{-1, 3}, "x");
  Output k = placeholder(float32, Shape{2, 3}, "k");
  Output mean_x = reduce_mean(x);  // "Mean" (separate statements: operands of + are unsequenced)
  Output mean_k = reduce_mean(k, std::vector<std::int64_t>{1});  // "Mean_1"
  Output loss = mean_x + reduce_sum(mean_k);
  std::vector<Output> grads = gradients({loss}, {x, k});
  // All axes of an unknown-batch input: Reshape + Tile, and the count from the run-time shape.
  EXPECT_EQ(nodes_under(g, "gradients/Mean_grad/"),
            (std::vector<std::string>{"Reshape/shape (Const)", "Reshape (Reshape)", "Shape (Shape)",
                                      "Tile (Tile)", "Shape_1 (Shape)", "Size (Const)", "add (Add)",
                                      "mod (FloorMod)", "GatherV2/axis (Const)",
                                      "GatherV2 (GatherV2)", "Const (Const)", "Prod (Prod)",
                                      "Cast (Cast)", "truediv (RealDiv)"}));
  // One axis of a static shape: Reshape + Tile by Const multiples, then a Const count.
  EXPECT_EQ(nodes_under(g, "gradients/Mean_1_grad/"),
            (std::vector<std::string>{"Reshape/shape (Const)", "Reshape (Reshape)",
                                      "Tile/multiples (Const)", "Tile (Tile)", "Const (Const)",
                                      "truediv (RealDiv)"}));
  EXPECT_EQ(grads[0].name(), "gradients/Mean_grad/truediv:0");
  EXPECT_EQ(grads[1].name(), "gradients/Mean_1_grad/truediv:0");
  Session session{g};
  auto values = session.run(grads, {{x, Tensor::filled(float32, Shape{4, 3}, 1.0)},
                                    {k, Tensor::filled(float32, Shape{2, 3}, 1.0)}});
  EXPECT_EQ(values[0].to_vector<float>(), std::vector<float>(12, 1.0f / 12));
  EXPECT_EQ(values[1].to_vector<float>(), std::vector<float>(6, 1.0f / 3));
}

TEST_F(MathGradients, RealDivMaximumAndMaxNames) {
  Output a = placeholder(float32, Shape{2, 3}, "a");
  Output b = placeholder(float32, Shape{3}, "b");
  gradients({reduce_max(a / b) + reduce_sum(maximum(a, b))}, {a, b});
  EXPECT_EQ(
      nodes_under(g, "gradients/truediv_grad/"),
      (std::vector<std::string>{
          "Shape (Const)", "Shape_1 (Const)", "BroadcastGradientArgs (BroadcastGradientArgs)",
          "RealDiv (RealDiv)", "Sum (Sum)", "Reshape (Reshape)", "Neg (Neg)", "RealDiv_1 (RealDiv)",
          "RealDiv_2 (RealDiv)", "mul (Mul)", "Sum_1 (Sum)", "Reshape_1 (Reshape)"}));
  EXPECT_EQ(nodes_under(g, "gradients/Maximum_grad/"),
            (std::vector<std::string>{
                "Shape (Const)", "Shape_1 (Const)", "Shape_2 (Const)", "zeros/Const (Const)",
                "zeros (Fill)", "GreaterEqual (GreaterEqual)",
                "BroadcastGradientArgs (BroadcastGradientArgs)", "Select (Select)", "Sum (Sum)",
                "Reshape (Reshape)", "Select_1 (Select)", "Sum_1 (Sum)", "Reshape_1 (Reshape)"}));
  // As TF 2's _MinOrMaxGrad for a static shape: Const shapes for every Reshape.
  EXPECT_EQ(
      nodes_under(g, "gradients/Max_grad/"),
      (std::vector<std::string>{"Shape (Const)", "Reshape/shape (Const)", "Reshape (Reshape)",
                                "Reshape_1/shape (Const)", "Reshape_1 (Reshape)", "Equal (Equal)",
                                "Cast (Cast)", "Sum (Sum)", "Reshape_2/shape (Const)",
                                "Reshape_2 (Reshape)", "truediv (RealDiv)", "mul (Mul)"}));
}

TEST_F(MathGradients, UnaryNames) {
  Output x = placeholder(float32, Shape{2, 3}, "x");
  gradients({l2_loss(x) + reduce_sum(abs(x)) + reduce_sum(square(x)) + reduce_sum(-x) +
             reduce_sum(sqrt(x))},
            {x});
  EXPECT_EQ(nodes_under(g, "gradients/L2Loss_grad/"), (std::vector<std::string>{"mul (Mul)"}));
  EXPECT_EQ(nodes_under(g, "gradients/Abs_grad/"),
            (std::vector<std::string>{"Sign (Sign)", "mul (Mul)"}));
  EXPECT_EQ(nodes_under(g, "gradients/Square_grad/"),
            (std::vector<std::string>{"Const (Const)", "Mul (Mul)", "Mul_1 (Mul)"}));
  EXPECT_EQ(nodes_under(g, "gradients/Neg_grad/"), (std::vector<std::string>{"Neg (Neg)"}));
  EXPECT_EQ(nodes_under(g, "gradients/Sqrt_grad/"),
            (std::vector<std::string>{"SqrtGrad (SqrtGrad)"}));
  // Square's 2 * x waits for the incoming gradient (TF's control dependency).
  const Node* two = g.find_node("gradients/Square_grad/Const");
  ASSERT_NE(two, nullptr);
  ASSERT_EQ(two->control_inputs().size(), 1u);
}

// ---- Values -------------------------------------------------------------------------------------

TEST_F(MathGradients, MaxSplitsTheGradientBetweenTies) {
  Output x = placeholder(float64, Shape{2, 3}, "x");
  Output grad = gradients({reduce_max(x, std::vector<std::int64_t>{1})}, {x})[0];
  Session session{g};
  Tensor value = session.run(grad, {{x, matrix({1, 3, 3, 5, 2, 4}, {2, 3})}});
  EXPECT_EQ(value.to_vector<double>(), (std::vector<double>{0, 0.5, 0.5, 1, 0, 0}));
}

TEST_F(MathGradients, MaximumGivesTiesToTheFirstOperand) {
  Output a = placeholder(float64, Shape{3}, "a");
  Output b = placeholder(float64, Shape{3}, "b");
  std::vector<Output> grads = gradients({reduce_sum(maximum(a, b))}, {a, b});
  Session session{g};
  auto values = session.run(grads, {{a, Tensor::from_vector<double>({1, 2, 3})},
                                    {b, Tensor::from_vector<double>({0, 2, 4})}});
  EXPECT_EQ(values[0].to_vector<double>(), (std::vector<double>{1, 1, 0}));
  EXPECT_EQ(values[1].to_vector<double>(), (std::vector<double>{0, 0, 1}));
}

TEST_F(MathGradients, NonDifferentiableOpsStopTheGradient) {
  Output x = placeholder(float64, Shape{2, 3}, "x");
  Output y = placeholder(float64, Shape{2, 3}, "y");
  // Only the multiply carries a gradient: the Equal / GreaterEqual masks are constants to it.
  Output mask = cast(equal(x, y), float64) + cast(greater_equal(x, y), float64);
  std::vector<Output> grads = gradients({reduce_sum(mask * x)}, {x});
  Session session{g};
  Tensor value = session.run(
      grads[0], {{x, matrix({1, 2, 3, 4, 5, 6}, {2, 3})}, {y, matrix({1, 0, 9, 4, 9, 0}, {2, 3})}});
  EXPECT_EQ(value.to_vector<double>(), (std::vector<double>{2, 1, 0, 2, 0, 1}));
  // Through ArgMax nothing reaches x at all: TF's None.
  EXPECT_FALSE(gradients({reduce_sum(cast(argmax(x, 1), float64))}, {x})[0].valid());
  Output u =
      placeholder(float64, Shape{-1, 3}, "u");  // unknown shape: the ZerosLike / OnesLike ops
  Output like = zeros_like(u);
  EXPECT_EQ(like.node->op(), "ZerosLike");
  EXPECT_FALSE(gradients({reduce_sum(like + ones_like(u))}, {u})[0].valid());
}

// ---- Finite differences -------------------------------------------------------------------------

TEST(MathGradientCheck, AddSubMulSameShape) {
  expect_gradients_match([](Inputs x) { return x[0] + x[1]; },
                         {random_tensor({2, 3}, 1), random_tensor({2, 3}, 2)});
  expect_gradients_match([](Inputs x) { return x[0] - x[1]; },
                         {random_tensor({2, 3}, 3), random_tensor({2, 3}, 4)});
  expect_gradients_match([](Inputs x) { return x[0] * x[1]; },
                         {random_tensor({2, 3}, 5), random_tensor({2, 3}, 6)});
}

TEST(MathGradientCheck, AddSubMulBroadcasting) {
  for (auto op : {+[](const Output&a, const Output&b) { return a + b; },
                  +[](const Output&a, const Output&b) { return a - b; },
                  +[](const Output&a, const Output&b) { return a * b; }}) {
    expect_gradients_match([op](Inputs x) { return op(x[0], x[1]); },
                           {random_tensor({2, 3}, 7), random_tensor({3}, 8)});
    expect_gradients_match([op](Inputs x) { return op(x[0], x[1]); },
                           {random_tensor({2, 1}, 9), random_tensor({1, 3}, 10)});
    expect_gradients_match([op](Inputs x) { return op(x[0], x[1]); },
                           {random_tensor({}, 11), random_tensor({2, 2}, 12)});
    expect_gradients_match([op](Inputs x) { return op(x[0], x[1]); },
                           {random_tensor({3, 1, 2}, 13), random_tensor({4, 1}, 14)});
  }
}

TEST(MathGradientCheck, AddSubMulWithUnknownBatch) {
  for (auto op : {+[](const Output&a, const Output&b) { return a + b; },
                  +[](const Output&a, const Output&b) { return a - b; },
                  +[](const Output&a, const Output&b) { return a * b; }}) {
    expect_dynamic_gradients_match([op](Inputs x) { return op(x[0], x[1]); },
                                   {random_tensor({4, 3}, 15), random_tensor({3}, 16)},
                                   {Shape{-1, 3}, Shape{3}});
    expect_dynamic_gradients_match([op](Inputs x) { return op(x[0], x[1]); },
                                   {random_tensor({4, 1}, 17), random_tensor({4, 3}, 18)},
                                   {Shape{-1, 1}, Shape{-1, 3}});
  }
}

TEST(MathGradientCheck, RealDiv) {
  // Divisors in [1, 2): far from 0.
  expect_gradients_match([](Inputs x) { return divide(x[0], x[1]); },
                         {random_tensor({2, 3}, 19), random_tensor({2, 3}, 20, 1.0, 2.0)});
  expect_gradients_match([](Inputs x) { return x[0] / x[1]; },
                         {random_tensor({2, 3}, 21), random_tensor({3}, 22, 1.0, 2.0)});
  expect_gradients_match([](Inputs x) { return x[1] / x[0]; },
                         {random_tensor({2, 1}, 23, 1.0, 2.0), random_tensor({2, 3}, 24)});
  expect_gradients_match([](Inputs x) { return x[0] / 4.0; }, {random_tensor({2, 3}, 25)});
  expect_dynamic_gradients_match([](Inputs x) { return x[0] / x[1]; },
                                 {random_tensor({4, 3}, 26), random_tensor({3}, 27, 1.0, 2.0)},
                                 {Shape{-1, 3}, Shape{3}});
}

TEST(MathGradientCheck, Maximum) {
  // Independent random operands: no ties, so the kink is never within delta.
  expect_gradients_match([](Inputs x) { return maximum(x[0], x[1]); },
                         {random_tensor({2, 3}, 28), random_tensor({2, 3}, 29)});
  expect_gradients_match([](Inputs x) { return maximum(x[0], x[1]); },
                         {random_tensor({2, 3}, 30), random_tensor({3}, 31)});
  expect_dynamic_gradients_match([](Inputs x) { return maximum(x[0], x[1]); },
                                 {random_tensor({4, 3}, 32), random_tensor({3}, 33)},
                                 {Shape{-1, 3}, Shape{3}});
}

TEST(MathGradientCheck, AddN) {
  expect_gradients_match(
      [](Inputs x) {
        return add_n({x[0], x[1], x[0]});
      },
      {random_tensor({2, 3}, 34), random_tensor({2, 3}, 35)});
}

TEST(MathGradientCheck, UnaryOps) {
  expect_gradients_match([](Inputs x) { return negative(x[0]); }, {random_tensor({2, 3}, 36)});
  expect_gradients_match([](Inputs x) { return -x[0]; }, {random_tensor({2, 3}, 37)});
  expect_gradients_match([](Inputs x) { return square(x[0]); }, {random_tensor({2, 3}, 38)});
  expect_gradients_match([](Inputs x) { return sqrt(x[0]); },
                         {random_tensor({2, 3}, 39, 0.5, 2.0)});
  // Abs away from its kink at 0: |x| >= 0.2.
  expect_gradients_match(
      [](Inputs x) { return abs(x[0]); },
      {Tensor::from_vector<double>({-1.0, -0.2, 0.3, 0.9, -0.5, 0.7}, Shape{2, 3})});
  expect_gradients_match([](Inputs x) { return l2_loss(x[0]); }, {random_tensor({2, 3}, 40)});
  expect_dynamic_gradients_match([](Inputs x) { return sqrt(square(x[0]) + 1.0); },
                                 {random_tensor({4, 3}, 41)}, {Shape{-1, 3}});
}

TEST(MathGradientCheck, CastThroughFloat32) {
  // float32 rounding (about 1e-7 relative) limits the finite differences: a larger delta and
  // tolerance.
  expect_gradients_match([](Inputs x) { return cast(square(cast(x[0], float32)), float64); },
                         {random_tensor({2, 3}, 42)}, {.delta = 1e-3, .atol = 1e-3, .rtol = 1e-3});
}

TEST(MathGradientCheck, MatMulAllTransposes) {
  expect_gradients_match([](Inputs x) { return matmul(x[0], x[1]); },
                         {random_tensor({2, 3}, 43), random_tensor({3, 4}, 44)});
  expect_gradients_match([](Inputs x) { return matmul(x[0], x[1], true, false); },
                         {random_tensor({3, 2}, 45), random_tensor({3, 4}, 46)});
  expect_gradients_match([](Inputs x) { return matmul(x[0], x[1], false, true); },
                         {random_tensor({2, 3}, 47), random_tensor({4, 3}, 48)});
  expect_gradients_match([](Inputs x) { return matmul(x[0], x[1], true, true); },
                         {random_tensor({3, 2}, 49), random_tensor({4, 3}, 50)});
  expect_dynamic_gradients_match([](Inputs x) { return matmul(x[0], x[1]); },
                                 {random_tensor({5, 3}, 51), random_tensor({3, 2}, 52)},
                                 {Shape{-1, 3}, Shape{3, 2}});
}

TEST(MathGradientCheck, SumAndMean) {
  using Axes = std::vector<std::int64_t>;
  for (auto reduce :
       {+[](const Output&x, std::optional<Axes> a, bool k) { return reduce_sum(x, a, k); },
        +[](const Output&x, std::optional<Axes> a, bool k) { return reduce_mean(x, a, k); }}) {
    expect_gradients_match([reduce](Inputs x) { return reduce(x[0], std::nullopt, false); },
                           {random_tensor({2, 3}, 53)});
    expect_gradients_match([reduce](Inputs x) { return reduce(x[0], Axes{1}, false); },
                           {random_tensor({2, 3}, 54)});
    expect_gradients_match([reduce](Inputs x) { return reduce(x[0], Axes{0}, true); },
                           {random_tensor({2, 3}, 55)});
    expect_gradients_match(
        [reduce](Inputs x) {
          return reduce(x[0], Axes{-1, 0}, false);
        },
        {random_tensor({2, 3, 2}, 56)});
    expect_gradients_match([reduce](Inputs x) { return reduce(x[0], Axes{}, false); },
                           {random_tensor({}, 57)});
    // Unknown batch: the all-axes fast path, one axis (reduced_shape + BroadcastTo), keep_dims.
    expect_dynamic_gradients_match([reduce](Inputs x) { return reduce(x[0], std::nullopt, false); },
                                   {random_tensor({4, 3}, 58)}, {Shape{-1, 3}});
    expect_dynamic_gradients_match([reduce](Inputs x) { return reduce(x[0], Axes{1}, false); },
                                   {random_tensor({4, 3}, 59)}, {Shape{-1, 3}});
    expect_dynamic_gradients_match(
        [reduce](Inputs x) {
          return reduce(x[0], Axes{0, 2}, true);
        },
        {random_tensor({4, 3, 2}, 60)}, {Shape{-1, 3, -1}});
  }
}

TEST(MathGradientCheck, Max) {
  using Axes = std::vector<std::int64_t>;
  // Random values: no ties within delta.
  expect_gradients_match([](Inputs x) { return reduce_max(x[0]); }, {random_tensor({2, 3}, 61)});
  expect_gradients_match([](Inputs x) { return reduce_max(x[0], Axes{1}); },
                         {random_tensor({2, 3}, 62)});
  expect_gradients_match([](Inputs x) { return reduce_max(x[0], Axes{0}, true); },
                         {random_tensor({3, 2}, 63)});
  expect_dynamic_gradients_match([](Inputs x) { return reduce_max(x[0], Axes{1}); },
                                 {random_tensor({4, 3}, 64)}, {Shape{-1, 3}});
  expect_dynamic_gradients_match([](Inputs x) { return reduce_max(x[0], Axes{1}, true); },
                                 {random_tensor({4, 3}, 65)}, {Shape{-1, 3}});
}

TEST(MathGradientCheck, SoftmaxLikeComposition) {
  // The pieces a hand-written classifier uses: matmul, bias broadcast, max-shift, mean over a
  // batch.
  expect_dynamic_gradients_match(
      [](Inputs x) {
        Output logits = matmul(x[0], x[1]) + x[2];
        Output shifted = logits - reduce_max(logits, std::vector<std::int64_t>{1}, true);
        return reduce_mean(square(shifted), std::vector<std::int64_t>{0});
      },
      {random_tensor({5, 4}, 66), random_tensor({4, 3}, 67), random_tensor({3}, 68)},
      {Shape{-1, 4}, Shape{4, 3}, Shape{3}});
}

}  // namespace
}  // namespace varscope
