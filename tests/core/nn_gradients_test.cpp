// Gradient rules of the nn ops: the ops they build and their TF1 names
// ("gradients/conv1/Conv2D_grad/Conv2DBackpropInput"), the static shapes they keep, and
// finite-difference checks (float64) of every differentiable nn op: Conv2D (input and filter, SAME,
// VALID, strides, dilations), both Conv2D backprops, BiasAdd, MaxPool, AvgPool, Relu, Sigmoid,
// Tanh, Softmax, LogSoftmax, both softmax cross entropies, Exp and ExpandDims.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "expect_error.h"
#include "gradient_check.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

using testing::expect_gradients_match;
using testing::random_tensor;
using Ints = std::vector<std::int64_t>;

class NnGradients : public ::testing::Test {
 protected:
  Graph g;
  DefaultGraph use{g};

  // "name op" of the nodes created since `first` whose name starts with `prefix`.
  std::vector<std::string> nodes_since(std::size_t first, const std::string& prefix) const {
    std::vector<std::string> out;
    const std::vector<Node*> nodes = g.nodes();
    for (std::size_t i = first; i < nodes.size(); ++i) {
      if (nodes[i]->name().rfind(prefix, 0) == 0)
        out.push_back(nodes[i]->name() + " " + nodes[i]->op());
    }
    return out;
  }
  Node& node(const std::string& name) const {
    Node* n = g.find_node(name);
    if (n == nullptr) throw NotFoundError("no node " + name);
    return *n;
  }
};

// ---- Names and graph structure ------------------------------------------------------------------

TEST_F(NnGradients, ConvNetRulesBuildTfNames) {
  // The same graph as TF1: conv1/{Conv2D, BiasAdd, Relu}, MaxPool, AvgPool, Sigmoid, Tanh.
  Output x = placeholder(float32, Shape{-1, 28, 28, 1}, "x");
  Output w = placeholder(float32, Shape{5, 5, 1, 32}, "w");
  Output b = placeholder(float32, Shape{32}, "b");
  Output h;
  {
    NameScope scope{"conv1"};
    h = nn::relu(nn::bias_add(nn::conv2d(x, w, {1, 1, 1, 1}, "SAME"), b));
  }
  Output p = nn::max_pool(h, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
  Output a = nn::avg_pool(p, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
  Output t = nn::tanh(nn::sigmoid(a));
  Output loss = reduce_sum(t);
  const std::size_t first = g.num_nodes();
  const std::vector<Output> grads = gradients({loss}, {x, w, b});
  // Everything but the Sum's own rule and the seed, in TF's creation order.
  std::vector<std::string> nn_nodes;
  for (const std::string& s : nodes_since(first, "gradients/")) {
    if (s.rfind("gradients/Sum_grad/", 0) != 0 && s.rfind("gradients/Shape", 0) != 0 &&
        s.rfind("gradients/grad_ys_0", 0) != 0 && s.rfind("gradients/Fill", 0) != 0) {
      nn_nodes.push_back(s);
    }
  }
  EXPECT_EQ(nn_nodes, (std::vector<std::string>{
                          "gradients/Tanh_grad/TanhGrad TanhGrad",
                          "gradients/Sigmoid_grad/SigmoidGrad SigmoidGrad",
                          "gradients/AvgPool_grad/Shape Shape",
                          "gradients/AvgPool_grad/AvgPoolGrad AvgPoolGrad",
                          "gradients/MaxPool_grad/MaxPoolGrad MaxPoolGrad",
                          "gradients/conv1/Relu_grad/ReluGrad ReluGrad",
                          "gradients/conv1/BiasAdd_grad/BiasAddGrad BiasAddGrad",
                          "gradients/conv1/Conv2D_grad/ShapeN ShapeN",
                          "gradients/conv1/Conv2D_grad/Conv2DBackpropInput Conv2DBackpropInput",
                          "gradients/conv1/Conv2D_grad/Conv2DBackpropFilter Conv2DBackpropFilter",
                      }));
  EXPECT_EQ(grads[0].name(), "gradients/conv1/Conv2D_grad/Conv2DBackpropInput:0");
  EXPECT_EQ(grads[1].name(), "gradients/conv1/Conv2D_grad/Conv2DBackpropFilter:0");
  EXPECT_EQ(grads[2].name(), "gradients/conv1/BiasAdd_grad/BiasAddGrad:0");
  // Static shapes survive the dynamic batch (ShapeN's outputs are as known as its inputs).
  EXPECT_EQ(grads[0].shape(), (Shape{-1, 28, 28, 1}));
  EXPECT_EQ(grads[1].shape(), (Shape{5, 5, 1, 32}));
  EXPECT_EQ(grads[2].shape(), (Shape{32}));
  // Inputs as TF wires them: ReluGrad(grad, Relu output), SigmoidGrad(y, dy), MaxPoolGrad(x, y,
  // dy).
  const Node& relu_grad = node("gradients/conv1/Relu_grad/ReluGrad");
  EXPECT_EQ(relu_grad.inputs()[0].name(), "gradients/MaxPool_grad/MaxPoolGrad:0");
  EXPECT_EQ(relu_grad.inputs()[1].name(), "conv1/Relu:0");
  const Node& sig_grad = node("gradients/Sigmoid_grad/SigmoidGrad");
  EXPECT_EQ(sig_grad.inputs()[0].name(), "Sigmoid:0");
  EXPECT_EQ(sig_grad.inputs()[1].name(), "gradients/Tanh_grad/TanhGrad:0");
  const Node& mp_grad = node("gradients/MaxPool_grad/MaxPoolGrad");
  EXPECT_EQ(mp_grad.inputs()[0].name(), "conv1/Relu:0");
  EXPECT_EQ(mp_grad.inputs()[1].name(), "MaxPool:0");
  EXPECT_EQ(mp_grad.attr_as<Ints>("ksize"), (Ints{1, 2, 2, 1}));
  EXPECT_EQ(mp_grad.attr_as<std::string>("padding"), "VALID");
  const Node& dx = node("gradients/conv1/Conv2D_grad/Conv2DBackpropInput");
  EXPECT_EQ(dx.inputs()[0].name(), "gradients/conv1/Conv2D_grad/ShapeN:0");
  EXPECT_EQ(dx.inputs()[1].name(), "w:0");
  const Node& dw = node("gradients/conv1/Conv2D_grad/Conv2DBackpropFilter");
  EXPECT_EQ(dw.inputs()[0].name(), "x:0");
  EXPECT_EQ(dw.inputs()[1].name(), "gradients/conv1/Conv2D_grad/ShapeN:1");
  EXPECT_EQ(dw.attr_as<std::string>("padding"), "SAME");

  // And they run: a batch of 2 through the whole backward pass.
  Session session{g};
  const std::vector<Tensor> values =
      session.run(grads, {{x, testing::random_tensor(Shape{2, 28, 28, 1}, 1).cast(float32)},
                          {w, testing::random_tensor(Shape{5, 5, 1, 32}, 2).cast(float32)},
                          {b, testing::random_tensor(Shape{32}, 3).cast(float32)}});
  EXPECT_EQ(values[0].shape(), (Shape{2, 28, 28, 1}));
  EXPECT_EQ(values[1].shape(), (Shape{5, 5, 1, 32}));
}

TEST_F(NnGradients, StaticShapesBecomeShapeConsts) {
  // array_ops.shape of a fully defined shape is a Const named "Shape" (optimize=True).
  Output x = placeholder(float32, Shape{2, 4, 4, 3}, "x");
  Output a = nn::avg_pool(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
  const std::size_t first = g.num_nodes();
  gradients({reduce_sum(a)}, {x});
  EXPECT_EQ(node("gradients/AvgPool_grad/Shape").op(), "Const");
  EXPECT_EQ(nodes_since(first, "gradients/AvgPool_grad/"),
            (std::vector<std::string>{"gradients/AvgPool_grad/Shape Const",
                                      "gradients/AvgPool_grad/AvgPoolGrad AvgPoolGrad"}));
}

TEST_F(NnGradients, SoftmaxRulesBuildTfNames) {
  Output x = placeholder(float32, Shape{-1, 10}, "x");
  Output s = nn::softmax(x), ls = nn::log_softmax(x);
  std::size_t first = g.num_nodes();
  gradients({reduce_sum(s)}, {x});
  EXPECT_EQ(
      nodes_since(first, "gradients/Softmax_grad/"),
      (std::vector<std::string>{"gradients/Softmax_grad/mul Mul",
                                "gradients/Softmax_grad/Sum/reduction_indices Const",
                                "gradients/Softmax_grad/Sum Sum", "gradients/Softmax_grad/sub Sub",
                                "gradients/Softmax_grad/mul_1 Mul"}));
  EXPECT_EQ(node("gradients/Softmax_grad/Sum").attr_as<bool>("keep_dims"), true);
  first = g.num_nodes();
  gradients({reduce_sum(ls)}, {x}, {}, "g2");
  EXPECT_EQ(nodes_since(first, "g2/LogSoftmax_grad/"),
            (std::vector<std::string>{"g2/LogSoftmax_grad/Exp Exp",
                                      "g2/LogSoftmax_grad/Sum/reduction_indices Const",
                                      "g2/LogSoftmax_grad/Sum Sum", "g2/LogSoftmax_grad/mul Mul",
                                      "g2/LogSoftmax_grad/sub Sub"}));
}

TEST_F(NnGradients, CrossEntropyRulesBuildTfNames) {
  Output logits = placeholder(float32, Shape{-1, 10}, "logits");
  Output labels = placeholder(float32, Shape{-1, 10}, "labels");
  Output loss = nn::softmax_cross_entropy_with_logits(labels, logits);
  std::size_t first = g.num_nodes();
  const std::vector<Output> grads = gradients({reduce_sum(loss)}, {logits, labels});
  const std::string p = "gradients/softmax_cross_entropy_with_logits_grad/";
  EXPECT_EQ(nodes_since(first, p),
            (std::vector<std::string>{p + "ExpandDims/dim Const", p + "ExpandDims ExpandDims",
                                      p + "mul Mul", p + "LogSoftmax LogSoftmax", p + "Neg Neg",
                                      p + "ExpandDims_1/dim Const", p + "ExpandDims_1 ExpandDims",
                                      p + "mul_1 Mul"}));
  EXPECT_EQ(grads[0].name(), p + "mul:0");
  EXPECT_EQ(grads[1].name(), p + "mul_1:0");
  EXPECT_EQ(node(p + "mul").inputs()[1].name(),
            "softmax_cross_entropy_with_logits:1");  // the backprop output
  EXPECT_EQ(grads[0].shape(), (Shape{-1, 10}));

  Output classes = placeholder(int32, Shape{-1}, "classes");
  Output sparse = nn::sparse_softmax_cross_entropy_with_logits(classes, logits);
  first = g.num_nodes();
  const std::vector<Output> sgrads = gradients({reduce_sum(sparse)}, {logits}, {}, "g2");
  const std::string q =
      "g2/SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits_grad/";
  EXPECT_EQ(
      nodes_since(first, q),
      (std::vector<std::string>{q + "PreventGradient PreventGradient", q + "ExpandDims/dim Const",
                                q + "ExpandDims ExpandDims", q + "mul Mul"}));
  EXPECT_EQ(sgrads[0].name(), q + "mul:0");
  EXPECT_EQ(node(q + "ExpandDims/dim").attr_as<Tensor>("value").item<std::int32_t>(), -1);
}

TEST_F(NnGradients, SparseCrossEntropyHasNoSecondDerivative) {
  Output logits = placeholder(float64, Shape{2, 3}, "logits");
  Output classes = constant(Tensor::from_vector<std::int32_t>({0, 2}), "classes");
  Output loss = reduce_sum(nn::sparse_softmax_cross_entropy_with_logits(classes, logits));
  const Output dlogits = gradients({loss}, {logits})[0];
  VS_EXPECT_ERROR(
      gradients({reduce_sum(dlogits)}, {logits}), NotFoundError,
      "Gradient explicitly disabled. Reason: Currently there is no way to take the second "
      "derivative of "
      "sparse_softmax_cross_entropy_with_logits due to the fused implementation's interaction with "
      "tf.gradients()");
}

TEST_F(NnGradients, DropoutGradientIsTheScaledMask) {
  // d sum(dropout(x)) / dx = mask / (1 - rate) = y / x, from one run (the mask changes every run).
  Output x = placeholder(float64, Shape{8, 25}, "x");
  Output y = nn::dropout(x, 0.4, 3);
  const Output dx = gradients({reduce_sum(y)}, {x})[0];
  ASSERT_TRUE(dx.valid());
  Session session{g};
  const Tensor xv = random_tensor(Shape{8, 25}, 9, 0.5, 1.5);
  const std::vector<Tensor> out = session.run({y, dx}, {{x, xv}});
  const std::vector<double> xs = xv.to_vector<double>(), ys = out[0].to_vector<double>(),
                            ds = out[1].to_vector<double>();
  int kept = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_NEAR(ds[i], ys[i] / xs[i], 1e-12) << "element " << i;
    EXPECT_TRUE(ds[i] == 0.0 || std::abs(ds[i] - 1 / 0.6) < 1e-12)
        << "element " << i << " = " << ds[i];
    kept += ds[i] != 0.0;
  }
  EXPECT_GT(kept, 60);  // about 120 of 200 kept
  EXPECT_LT(kept, 180);
}

// ---- Finite differences -------------------------------------------------------------------------

struct ConvGradCase {
  const char* label;
  Shape input, filter;
  Ints strides, dilations;
  const char* padding;
};

class ConvGradient : public ::testing::TestWithParam<ConvGradCase> {};

TEST_P(ConvGradient, InputAndFilter) {
  const ConvGradCase& c = GetParam();
  expect_gradients_match(
      [&](const std::vector<Output>& in) {
        return nn::conv2d(in[0], in[1], c.strides, c.padding, c.dilations);
      },
      {random_tensor(c.input, 1), random_tensor(c.filter, 2)});
}

TEST_P(ConvGradient, BackpropInputIsLinearInFilterAndOutBackprop) {
  const ConvGradCase& c = GetParam();
  Graph probe;
  Shape out_shape;
  {
    DefaultGraph use{probe};
    out_shape = nn::conv2d(placeholder(float64, c.input), placeholder(float64, c.filter), c.strides,
                           c.padding, c.dilations)
                    .shape();
  }
  expect_gradients_match(
      [&](const std::vector<Output>& in) {
        Output sizes = constant(Tensor::from_vector(c.input.dims()).cast(int32), "sizes");
        return nn::conv2d_backprop_input(sizes, in[0], in[1], c.strides, c.padding, c.dilations);
      },
      {random_tensor(c.filter, 3), random_tensor(out_shape, 4)});
  expect_gradients_match(
      [&](const std::vector<Output>& in) {
        Output sizes = constant(Tensor::from_vector(c.filter.dims()).cast(int32), "sizes");
        return nn::conv2d_backprop_filter(in[0], sizes, in[1], c.strides, c.padding, c.dilations);
      },
      {random_tensor(c.input, 5), random_tensor(out_shape, 6)});
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConvGradient,
    ::testing::Values(
        ConvGradCase{
            "same", Shape{2, 5, 4, 2}, Shape{3, 3, 2, 3}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME"},
        ConvGradCase{"valid_stride2",
                     Shape{1, 7, 6, 2},
                     Shape{2, 3, 2, 2},
                     {1, 2, 2, 1},
                     {1, 1, 1, 1},
                     "VALID"},
        ConvGradCase{"same_dilation2",
                     Shape{1, 6, 5, 1},
                     Shape{2, 2, 1, 2},
                     {1, 1, 1, 1},
                     {1, 2, 2, 1},
                     "SAME"},
        ConvGradCase{
            "pointwise", Shape{2, 3, 3, 3}, Shape{1, 1, 3, 2}, {1, 1, 1, 1}, {1, 1, 1, 1}, "SAME"}),
    [](const ::testing::TestParamInfo<ConvGradCase>& info) {
      return std::string(info.param.label);
    });

TEST(NnGradientCheck, BiasAdd) {
  expect_gradients_match([](const std::vector<Output>& in) { return nn::bias_add(in[0], in[1]); },
                         {random_tensor(Shape{2, 3, 4}, 1), random_tensor(Shape{4}, 2)});
}

TEST(NnGradientCheck, MaxPoolValidAndSame) {
  expect_gradients_match(
      [](const std::vector<Output>& in) {
        return nn::max_pool(in[0], {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
      },
      {random_tensor(Shape{2, 4, 4, 3}, 3)});
  expect_gradients_match(
      [](const std::vector<Output>& in) {
        return nn::max_pool(in[0], {1, 3, 2, 1}, {1, 2, 1, 1}, "SAME");
      },
      {random_tensor(Shape{1, 5, 4, 2}, 4)});
}

TEST(NnGradientCheck, AvgPoolValidAndSame) {
  expect_gradients_match(
      [](const std::vector<Output>& in) {
        return nn::avg_pool(in[0], {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
      },
      {random_tensor(Shape{2, 4, 4, 3}, 5)});
  expect_gradients_match(
      [](const std::vector<Output>& in) {
        return nn::avg_pool(in[0], {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME");
      },
      {random_tensor(Shape{1, 5, 4, 2}, 6)});
}

TEST(NnGradientCheck, Activations) {
  expect_gradients_match([](const std::vector<Output>& in) { return nn::relu(in[0]); },
                         {random_tensor(Shape{3, 4}, 7)});
  expect_gradients_match([](const std::vector<Output>& in) { return nn::sigmoid(in[0]); },
                         {random_tensor(Shape{3, 4}, 8, -3, 3)});
  expect_gradients_match([](const std::vector<Output>& in) { return nn::tanh(in[0]); },
                         {random_tensor(Shape{3, 4}, 9, -2, 2)});
}

TEST(NnGradientCheck, SoftmaxAndLogSoftmax) {
  expect_gradients_match([](const std::vector<Output>& in) { return nn::softmax(in[0]); },
                         {random_tensor(Shape{3, 5}, 10, -2, 2)});
  expect_gradients_match([](const std::vector<Output>& in) { return nn::log_softmax(in[0]); },
                         {random_tensor(Shape{2, 3, 4}, 11, -2, 2)});
}

TEST(NnGradientCheck, SoftmaxCrossEntropyLogitsAndLabels) {
  // TF's logits gradient (softmax - labels) holds for labels that are distributions: rows sum to 1.
  Tensor labels = random_tensor(Shape{3, 4}, 13, 0.1, 1);
  double* l = labels.data<double>();
  for (int r = 0; r < 3; ++r) {
    const double sum = l[4 * r] + l[4 * r + 1] + l[4 * r + 2] + l[4 * r + 3];
    for (int j = 0; j < 4; ++j) l[4 * r + j] /= sum;
  }
  expect_gradients_match(
      [](const std::vector<Output>& in) {
        return nn::softmax_cross_entropy_with_logits(in[1], in[0]);
      },
      {random_tensor(Shape{3, 4}, 12, -2, 2), labels});
}

TEST(NnGradientCheck, SparseSoftmaxCrossEntropyLogits) {
  for (DType label_type : {DType::kInt32, DType::kInt64}) {
    expect_gradients_match(
        [&](const std::vector<Output>& in) {
          Output classes =
              constant(Tensor::from_vector<std::int32_t>({3, 0, 1}).cast(label_type), "classes");
          return nn::sparse_softmax_cross_entropy_with_logits(classes, in[0]);
        },
        {random_tensor(Shape{3, 4}, 14, -2, 2)});
  }
}

TEST(NnGradientCheck, ExpAndExpandDims) {
  expect_gradients_match(
      [](const std::vector<Output>& in) {
        Graph& g = in[0].graph();
        return g
            .create_node(
                NodeSpec{.op = "Exp", .name = "Exp", .inputs = {in[0]}, .attrs = {{"T", float64}}})
            .output(0);
      },
      {random_tensor(Shape{2, 3}, 15)});
  expect_gradients_match(
      [](const std::vector<Output>& in) {
        Graph& g = in[0].graph();
        Output dim = constant(Tensor::scalar(std::int32_t{1}), "dim");
        return g
            .create_node(NodeSpec{.op = "ExpandDims",
                                  .name = "ExpandDims",
                                  .inputs = {in[0], dim},
                                  .attrs = {{"T", float64}, {"Tdim", int32}}})
            .output(0);
      },
      {random_tensor(Shape{2, 3}, 16)});
}

TEST(NnGradientCheck, SmallConvNet) {
  // conv -> bias -> relu -> max pool -> softmax cross entropy, every parameter at once.
  expect_gradients_match(
      [](const std::vector<Output>& in) {
        Output h = nn::relu(nn::bias_add(nn::conv2d(in[0], in[1], {1, 1, 1, 1}, "SAME"), in[2]));
        Output p = nn::max_pool(h, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
        Output logits = reshape(p, Shape{2, 12});
        Output labels = constant(Tensor::from_vector<std::int32_t>({1, 7}), "labels");
        return nn::sparse_softmax_cross_entropy_with_logits(labels, logits);
      },
      {random_tensor(Shape{2, 4, 4, 2}, 17), random_tensor(Shape{3, 3, 2, 3}, 18),
       random_tensor(Shape{3}, 19)});
}

}  // namespace
}  // namespace varscope
