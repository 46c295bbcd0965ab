// Gradient rules of the array ops (Identity, Reshape, ConcatV2, Slice, Fill, Transpose): the op
// names TF gives them, values on hand-checked cases, and finite-difference checks with static and
// unknown batch dimensions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dynamic_gradient_check.h"
#include "gradient_check.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

using testing::expect_dynamic_gradients_match;
using testing::expect_gradients_match;
using testing::random_tensor;
using Inputs = const std::vector<Output>&;

std::vector<std::string> nodes_under(const Graph& g, const std::string& prefix) {
  std::vector<std::string> result;
  for (Node* n : g.nodes()) {
    if (n->name().rfind(prefix, 0) == 0)
      result.push_back(n->name().substr(prefix.size()) + " (" + n->op() + ")");
  }
  return result;
}

class ArrayGradients : public ::testing::Test {
 protected:
  Graph g;
  DefaultGraph use{g};
};

TEST_F(ArrayGradients, ReshapeNames) {
  Output x = placeholder(float32, Shape{4, 3}, "x");
  Output u = placeholder(float32, Shape{-1, 3}, "u");
  Output v = placeholder(float32, Shape{-1, -1}, "v");
  Output rx = reshape(x, {3, 4});
  Output ru = reshape(u, {-1});
  Output rv = reshape(v, {-1});
  gradients({reduce_sum(rx)}, {x});
  gradients({reduce_sum(ru)}, {u});
  gradients({reduce_sum(rv)}, {v});
  // Known shape: a Const "Shape"; one unknown dimension: a Const shape with -1; more: a Shape op.
  EXPECT_EQ(nodes_under(g, "gradients/Reshape_grad/"),
            (std::vector<std::string>{"Shape (Const)", "Reshape (Reshape)"}));
  EXPECT_EQ(nodes_under(g, "gradients_1/Reshape_1_grad/"),
            (std::vector<std::string>{"Reshape/shape (Const)", "Reshape (Reshape)"}));
  EXPECT_EQ(g.find_node("gradients_1/Reshape_1_grad/Reshape/shape")
                ->attr_as<Tensor>("value")
                .to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{-1, 3}));
  EXPECT_EQ(nodes_under(g, "gradients_2/Reshape_2_grad/"),
            (std::vector<std::string>{"Shape (Shape)", "Reshape (Reshape)"}));
}

TEST_F(ArrayGradients, ConcatNamesAndValues) {
  Output a = placeholder(float32, Shape{2, 3}, "a");
  Output b = placeholder(float32, Shape{2, 2}, "b");
  Output w = constant(Tensor::from_vector<float>({1, 2, 3, 4, 5}), "w");
  std::vector<Output> grads = gradients({reduce_sum(concat({a, b}, 1) * w)}, {a, b});
  EXPECT_EQ(nodes_under(g, "gradients/concat_grad/"),
            (std::vector<std::string>{"Rank (Const)", "mod (FloorMod)", "Shape (Const)",
                                      "Shape_1 (Const)", "ConcatOffset (ConcatOffset)",
                                      "Slice (Slice)", "Slice_1 (Slice)"}));
  EXPECT_EQ(grads[0].name(), "gradients/concat_grad/Slice:0");
  EXPECT_EQ(grads[0].shape(), (Shape{2, 3}));
  Session session{g};
  auto values = session.run(grads, {{a, Tensor::filled(float32, Shape{2, 3}, 1.0)},
                                    {b, Tensor::filled(float32, Shape{2, 2}, 1.0)}});
  EXPECT_EQ(values[0].to_vector<float>(), (std::vector<float>{1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(values[1].to_vector<float>(), (std::vector<float>{4, 5, 4, 5}));
}

TEST_F(ArrayGradients, ConcatWithUnknownShapesUsesShapeN) {
  Output a = placeholder(float32, Shape{-1, 3}, "a");
  Output b = placeholder(float32, Shape{-1, 3}, "b");
  gradients({reduce_sum(concat({a, b}, 0))}, {a, b});
  EXPECT_EQ(nodes_under(g, "gradients/concat_grad/"),
            (std::vector<std::string>{"Rank (Const)", "mod (FloorMod)", "Shape (Shape)",
                                      "ShapeN (ShapeN)", "ConcatOffset (ConcatOffset)",
                                      "Slice (Slice)", "Slice_1 (Slice)"}));
}

TEST_F(ArrayGradients, SliceNamesAndValues) {
  Output x = placeholder(float32, Shape{4, 3}, "x");
  Output grad = gradients({reduce_sum(slice(x, {1, 0}, {2, -1}))}, {x})[0];
  EXPECT_EQ(nodes_under(g, "gradients/Slice_grad/"),
            (std::vector<std::string>{"Rank (Const)", "Shape (Const)", "stack/1 (Const)",
                                      "stack (Pack)", "Reshape (Reshape)", "Shape_1 (Const)",
                                      "sub (Sub)", "sub_1 (Sub)", "Reshape_1 (Reshape)",
                                      "concat/axis (Const)", "concat (ConcatV2)", "Pad (Pad)"}));
  EXPECT_EQ(grad.name(), "gradients/Slice_grad/Pad:0");
  Session session{g};
  Tensor value = session.run(grad, {{x, Tensor::filled(float32, Shape{4, 3}, 5.0)}});
  EXPECT_EQ(value.to_vector<float>(), (std::vector<float>{0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0}));
}

TEST_F(ArrayGradients, FillAndTransposeNames) {
  Output v = placeholder(float32, Shape{}, "v");
  Output x = placeholder(float32, Shape{3, 2}, "x");
  Output filled = fill(Shape{2, 3}, v);
  Output t = transpose(x, {1, 0});
  std::vector<Output> grads = gradients({reduce_sum(filled * t)}, {v, x});
  EXPECT_EQ(nodes_under(g, "gradients/Fill_grad/"),
            (std::vector<std::string>{"Const (Const)", "Sum (Sum)"}));
  EXPECT_EQ(
      nodes_under(g, "gradients/transpose_grad/"),
      (std::vector<std::string>{"InvertPermutation (InvertPermutation)", "transpose (Transpose)"}));
  EXPECT_EQ(grads[1].node->inputs()[1].name(), "gradients/transpose_grad/InvertPermutation:0");
  EXPECT_EQ(grads[1].node->inputs()[1].node->inputs()[0].name(), "transpose/perm:0");
  EXPECT_EQ(grads[1].shape(), (Shape{3, 2}));
}

TEST(ArrayGradientCheck, IdentityAndReshape) {
  expect_gradients_match([](Inputs x) { return identity(x[0]) * 2.0; }, {random_tensor({2, 3}, 1)});
  expect_gradients_match(
      [](Inputs x) {
        return reshape(x[0], {3, 2});
      },
      {random_tensor({2, 3}, 2)});
  // x[1] reaches y through the product; its Shape carries no gradient.
  expect_gradients_match([](Inputs x) { return reshape(x[0], shape(x[1])) * x[1]; },
                         {random_tensor({6}, 3), random_tensor({3, 2}, 4)});
  expect_dynamic_gradients_match([](Inputs x) { return reshape(x[0], {-1}); },
                                 {random_tensor({4, 3}, 5)}, {Shape{-1, 3}});
  expect_dynamic_gradients_match(
      [](Inputs x) {
        return reshape(x[0], {-1, 2});
      },
      {random_tensor({4, 3}, 6)}, {Shape{-1, -1}});
}

TEST(ArrayGradientCheck, Concat) {
  expect_gradients_match(
      [](Inputs x) {
        return concat({x[0], x[1]}, 1);
      },
      {random_tensor({2, 3}, 7), random_tensor({2, 2}, 8)});
  expect_gradients_match(
      [](Inputs x) {
        return concat({x[0], x[1], x[0]}, -1);
      },
      {random_tensor({2, 1}, 9), random_tensor({2, 2}, 10)});
  expect_gradients_match([](Inputs x) { return concat({x[0]}, 0); }, {random_tensor({2, 2}, 11)});
  expect_dynamic_gradients_match(
      [](Inputs x) {
        return concat({x[0], x[1]}, 0);
      },
      {random_tensor({2, 3}, 12), random_tensor({3, 3}, 13)}, {Shape{-1, 3}, Shape{-1, 3}});
}

TEST(ArrayGradientCheck, Slice) {
  expect_gradients_match(
      [](Inputs x) {
        return slice(x[0], {1, 0}, {2, -1});
      },
      {random_tensor({4, 3}, 14)});
  expect_gradients_match(
      [](Inputs x) {
        return slice(x[0], {0, 1, 1}, {2, 1, 1});
      },
      {random_tensor({2, 3, 2}, 15)});
  expect_dynamic_gradients_match(
      [](Inputs x) {
        return slice(x[0], {0, 1}, {-1, 2});
      },
      {random_tensor({4, 3}, 16)}, {Shape{-1, 3}});
}

TEST(ArrayGradientCheck, Fill) {
  expect_gradients_match([](Inputs x) { return fill(Shape{2, 3}, x[0]); }, {random_tensor({}, 17)});
  expect_gradients_match([](Inputs x) { return fill(shape(x[1]), x[0]) * x[1]; },
                         {random_tensor({}, 18), random_tensor({3, 2}, 19)});
}

TEST(ArrayGradientCheck, Transpose) {
  expect_gradients_match(
      [](Inputs x) {
        return transpose(x[0], {1, 0});
      },
      {random_tensor({2, 3}, 20)});
  expect_gradients_match(
      [](Inputs x) {
        return transpose(x[0], {2, 0, 1});
      },
      {random_tensor({2, 3, 4}, 21)});
  expect_gradients_match([](Inputs x) { return transpose(x[0], std::vector<std::int64_t>{}); },
                         {random_tensor({2, 3, 2}, 22)});
  expect_gradients_match(
      [](Inputs x) {
        return transpose(x[0], constant(Tensor::from_vector<std::int32_t>({0, 2, 1}), "perm"));
      },
      {random_tensor({2, 3, 4}, 23)});
  expect_dynamic_gradients_match(
      [](Inputs x) {
        return transpose(x[0], {1, 0});
      },
      {random_tensor({4, 3}, 24)}, {Shape{-1, 3}});
}

}  // namespace
}  // namespace varscope
