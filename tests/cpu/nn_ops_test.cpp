// The nn ops other than convolution and pooling, run on the CPU: BiasAdd(Grad), the activations
// and their gradient ops, Softmax/LogSoftmax, both softmax cross entropies (values computed here
// with std::exp/std::log, label errors, TF1.15's names and ValueErrors), dropout (TF1.15's op
// names, scaling, keep rate, fresh and seeded masks, rate validation), random_uniform with a
// computed shape, and the helper ops ExpandDims and PreventGradient.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

using Ints = std::vector<std::int64_t>;

class NnOps : public ::testing::Test {
 protected:
  Graph g;
  DefaultGraph use{g};

  Tensor run(const Output& fetch, const FeedDict& feeds = {}) {
    Session session{g};
    return session.run(fetch, feeds);
  }
  std::vector<std::string> names_from(std::size_t first) const {
    std::vector<std::string> names;
    const std::vector<Node*> nodes = g.nodes();
    for (std::size_t i = first; i < nodes.size(); ++i)
      names.push_back(nodes[i]->name() + " " + nodes[i]->op());
    return names;
  }
};

void expect_near_all(const std::vector<double>& actual, const std::vector<double>& expected,
                     double tol) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tol) << "element " << i;
}

// ---- BiasAdd ------------------------------------------------------------------------------------

TEST_F(NnOps, BiasAddAndItsGradient) {
  Output v = constant(
      Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, Shape{2, 2, 3}), "v");
  Output b = constant(Tensor::from_vector<float>({10, 20, 30}), "b");
  Output y = nn::bias_add(v, b);
  EXPECT_EQ(y.name(), "BiasAdd:0");
  EXPECT_EQ(y.node->attr_as<std::string>("data_format"), "NHWC");
  EXPECT_EQ(y.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(run(y).to_vector<float>(),
            (std::vector<float>{11, 22, 33, 14, 25, 36, 17, 28, 39, 20, 31, 42}));
  Output db = nn::bias_add_grad(v);
  EXPECT_EQ(db.name(), "BiasAddGrad:0");
  EXPECT_EQ(db.shape(), (Shape{3}));
  EXPECT_EQ(run(db).to_vector<float>(), (std::vector<float>{22, 26, 30}));
  EXPECT_EQ(nn::bias_add(v, b, "logits").name(), "logits:0");
  EXPECT_EQ(nn::bias_add(v, b).name(), "BiasAdd_1:0");
  // Unknown channels take the bias' size.
  Output p = placeholder(float32, Shape{-1, -1}, "p");
  EXPECT_EQ(nn::bias_add(p, b).shape(), (Shape{-1, 3}));
}

TEST_F(NnOps, BiasAddErrors) {
  Output v = placeholder(float32, Shape{2, 3}, "v");
  Output b4 = placeholder(float32, Shape{4}, "b4");
  Output v1 = placeholder(float32, Shape{3}, "v1");
  Output b3 = placeholder(float32, Shape{3}, "b3");
  VS_EXPECT_ERROR(nn::bias_add(v, b4), InvalidArgumentError,
                  "[BiasAdd] node 'BiasAdd': bias shape (4,) does not match the last dimension of "
                  "value shape (2, 3)");
  VS_EXPECT_ERROR(nn::bias_add(v1, b3), InvalidArgumentError,
                  "[BiasAdd] node 'BiasAdd': value must be at least rank 2, got shape (3,)");
  Output free = placeholder(float32, Shape::unknown(), "free");
  Output y = nn::bias_add(free, b3, "late");
  Session session{g};
  VS_EXPECT_ERROR(session.run(y, {{free, Tensor::zeros(float32, Shape{2, 4})},
                                  {b3, Tensor::zeros(float32, Shape{3})}}),
                  InvalidArgumentError,
                  "[BiasAdd] node 'late': bias shape (3,) does not match the last dimension of "
                  "value shape (2, 4)");
}

// ---- Activations --------------------------------------------------------------------------------

TEST_F(NnOps, ActivationsAndTheirGradientOps) {
  const std::vector<double> xs{-3, -0.5, 0, 0.25, 2};
  Output x = constant(Tensor::from_vector(xs), "x");
  Output dy = constant(Tensor::from_vector<double>({1, 2, 3, 4, 5}), "dy");
  Output r = nn::relu(x), s = nn::sigmoid(x), t = nn::tanh(x);
  EXPECT_EQ(r.name(), "Relu:0");
  EXPECT_EQ(s.name(), "Sigmoid:0");
  EXPECT_EQ(t.name(), "Tanh:0");
  Session session{g};
  const std::vector<Tensor> out =
      session.run({r, s, t, nn::relu_grad(dy, x), nn::sigmoid_grad(s, dy), nn::tanh_grad(t, dy)});
  std::vector<double> relu, sig, tanh, drelu, dsig, dtanh;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double d = static_cast<double>(i + 1);
    const double sv = 1 / (1 + std::exp(-xs[i])), tv = std::tanh(xs[i]);
    relu.push_back(std::max(0.0, xs[i]));
    sig.push_back(sv);
    tanh.push_back(tv);
    drelu.push_back(xs[i] > 0 ? d : 0.0);  // 0 at the kink, as TF
    dsig.push_back(d * sv * (1 - sv));
    dtanh.push_back(d * (1 - tv * tv));
  }
  EXPECT_EQ(out[0].to_vector<double>(), relu);
  expect_near_all(out[1].to_vector<double>(), sig, 1e-15);
  expect_near_all(out[2].to_vector<double>(), tanh, 1e-15);
  EXPECT_EQ(out[3].to_vector<double>(), drelu);
  expect_near_all(out[4].to_vector<double>(), dsig, 1e-15);
  expect_near_all(out[5].to_vector<double>(), dtanh, 1e-15);
}

TEST_F(NnOps, ActivationNamesAndErrors) {
  Output x = placeholder(float32, Shape{-1, 4}, "x");
  Output i = placeholder(int32, Shape{4}, "i");
  {
    NameScope scope{"layer"};
    EXPECT_EQ(nn::sigmoid(x).name(), "layer/Sigmoid:0");
    EXPECT_EQ(nn::sigmoid(x, "gate").name(), "layer/gate:0");
    EXPECT_EQ(nn::tanh(x).shape(), (Shape{-1, 4}));
  }
  VS_EXPECT_ERROR(nn::relu(i), InvalidArgumentError,
                  "[Relu] node 'Relu': dtype int32 is not supported (needs float16, bfloat16, "
                  "float32 or float64)");
  Output y = placeholder(float32, Shape{3}, "y");
  VS_EXPECT_ERROR(nn::relu_grad(x, y), InvalidArgumentError,
                  "[ReluGrad] node 'ReluGrad': input shapes (?, 4) and (3,) differ");
}

// ---- Softmax ------------------------------------------------------------------------------------

std::vector<double> ref_softmax(const std::vector<double>& row) {
  double m = row[0];
  for (double v : row) m = std::max(m, v);
  double sum = 0;
  for (double v : row) sum += std::exp(v - m);
  std::vector<double> out;
  for (double v : row) out.push_back(std::exp(v - m) / sum);
  return out;
}

TEST_F(NnOps, SoftmaxAndLogSoftmaxOverTheLastAxis) {
  // Rank 3: rows of 3; one row of huge logits (softmax of [1000, 1001, 1002] must not overflow).
  const std::vector<double> z{1, 2, 3, -1, 0, 1, 1000, 1001, 1002, 0.5, 0.5, 0.5};
  Output x = constant(Tensor::from_vector(z, Shape{2, 2, 3}), "x");
  Output s = nn::softmax(x), ls = nn::log_softmax(x);
  EXPECT_EQ(s.name(), "Softmax:0");
  EXPECT_EQ(ls.name(), "LogSoftmax:0");
  EXPECT_EQ(s.shape(), (Shape{2, 2, 3}));
  Session session{g};
  const std::vector<Tensor> out = session.run({s, ls});
  std::vector<double> soft, log_soft;
  for (std::size_t r = 0; r < 4; ++r) {
    const std::vector<double> p = ref_softmax({z.begin() + 3 * r, z.begin() + 3 * r + 3});
    for (double v : p) {
      soft.push_back(v);
      log_soft.push_back(std::log(v));
    }
  }
  expect_near_all(out[0].to_vector<double>(), soft, 1e-15);
  expect_near_all(out[1].to_vector<double>(), log_soft, 1e-13);
  // float32 with huge logits.
  Output big = constant(Tensor::from_vector<float>({1000, 0}, Shape{1, 2}), "big");
  EXPECT_EQ(session.run(nn::log_softmax(big)).to_vector<float>(), (std::vector<float>{0, -1000}));
  EXPECT_EQ(session.run(nn::softmax(big)).to_vector<float>(), (std::vector<float>{1, 0}));
  VS_EXPECT_ERROR(
      nn::softmax(constant(1.0, float32, "scalar")), InvalidArgumentError,
      "[Softmax] node 'Softmax_2': logits must have at least 1 dimension, got shape ()");
}

// ---- Cross entropies ----------------------------------------------------------------------------

struct XentRef {
  std::vector<double> loss, backprop;
};
XentRef ref_xent(const std::vector<double>& logits, const std::vector<double>& labels,
                 std::size_t classes) {
  XentRef ref;
  for (std::size_t r = 0; r * classes < logits.size(); ++r) {
    const std::vector<double> row(logits.begin() + r * classes, logits.begin() + (r + 1) * classes);
    const std::vector<double> p = ref_softmax(row);
    double loss = 0;
    for (std::size_t j = 0; j < classes; ++j) {
      loss -= labels[r * classes + j] * std::log(p[j]);
      ref.backprop.push_back(p[j] - labels[r * classes + j]);
    }
    ref.loss.push_back(loss);
  }
  return ref;
}

TEST_F(NnOps, SoftmaxCrossEntropyValuesAndNames) {
  const std::vector<double> z{2, 1, 0.1, -1, 0.5, 3, 0, 0, 0};
  const std::vector<double> l{0.7, 0.2, 0.1, 0, 0, 1, 0.25, 0.25, 0.5};
  Output logits = constant(Tensor::from_vector(z, Shape{3, 3}), "logits");
  Output labels = constant(Tensor::from_vector(l, Shape{3, 3}), "labels");
  Output loss = nn::softmax_cross_entropy_with_logits(labels, logits);
  // TF1.15: the op is named after the scope "softmax_cross_entropy_with_logits"; its inputs are
  // (logits, labels).
  EXPECT_EQ(loss.name(), "softmax_cross_entropy_with_logits:0");
  EXPECT_EQ(loss.node->op(), "SoftmaxCrossEntropyWithLogits");
  EXPECT_EQ(loss.node->inputs()[0], logits);
  EXPECT_EQ(loss.node->inputs()[1], labels);
  EXPECT_EQ(loss.shape(), (Shape{3}));
  EXPECT_EQ(loss.node->output_shape(1), (Shape{3, 3}));
  const XentRef ref = ref_xent(z, l, 3);
  Session session{g};
  const std::vector<Tensor> out = session.run({loss, Output(loss.node, 1)});
  expect_near_all(out[0].to_vector<double>(), ref.loss, 1e-14);
  expect_near_all(out[1].to_vector<double>(), ref.backprop, 1e-15);
  EXPECT_EQ(nn::softmax_cross_entropy_with_logits(labels, logits).name(),
            "softmax_cross_entropy_with_logits_1:0");
  EXPECT_EQ(nn::softmax_cross_entropy_with_logits(labels, logits, "xent").name(), "xent:0");
  Output batch = placeholder(float32, Shape{-1, 10}, "batch");
  Output batch_labels = placeholder(float32, Shape{-1, 10}, "batch_labels");
  EXPECT_EQ(nn::softmax_cross_entropy_with_logits(batch_labels, batch).shape(), (Shape{-1}));
}

TEST_F(NnOps, SoftmaxCrossEntropyErrors) {
  Output l3 = placeholder(float32, Shape{2, 3, 4}, "l3");
  Output a = placeholder(float32, Shape{2, 3}, "a");
  Output b = placeholder(float32, Shape{2, 4}, "b");
  VS_EXPECT_ERROR(nn::softmax_cross_entropy_with_logits(l3, l3), ValueError,
                  "[SoftmaxCrossEntropyWithLogits] logits must be rank 2 (batch, classes), got "
                  "shape (2, 3, 4)");
  VS_EXPECT_ERROR(nn::softmax_cross_entropy_with_logits(b, a), InvalidArgumentError,
                  "[SoftmaxCrossEntropyWithLogits] node 'softmax_cross_entropy_with_logits': "
                  "logits and labels "
                  "must have the same shape, got logits (2, 3) and labels (2, 4)");
}

TEST_F(NnOps, SparseSoftmaxCrossEntropyValuesAndNames) {
  const std::vector<double> z{2, 1, 0.1, -1, 0.5, 3, 0, 0, 0, 5, -5, 1};
  const std::vector<std::int32_t> classes{0, 2, 1, 1};
  std::vector<double> onehot(12, 0.0);
  for (std::size_t r = 0; r < classes.size(); ++r)
    onehot[r * 3 + static_cast<std::size_t>(classes[r])] = 1;
  const XentRef ref = ref_xent(z, onehot, 3);
  Output logits = constant(Tensor::from_vector(z, Shape{4, 3}), "logits");
  Output labels32 = constant(Tensor::from_vector(classes), "labels32");
  Output labels64 = constant(
      Tensor::from_vector(std::vector<std::int64_t>(classes.begin(), classes.end())), "labels64");
  const std::size_t first = g.num_nodes();
  Output loss = nn::sparse_softmax_cross_entropy_with_logits(labels32, logits);
  // TF1.15: the labels' shape (a Const: it is static), then the op, both inside the scope.
  EXPECT_EQ(names_from(first),
            (std::vector<std::string>{
                "SparseSoftmaxCrossEntropyWithLogits/Shape Const",
                "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits "
                "SparseSoftmaxCrossEntropyWithLogits"}));
  EXPECT_EQ(loss.node->attr_as<DType>("Tlabels"), int32);
  Output loss64 = nn::sparse_softmax_cross_entropy_with_logits(labels64, logits, "xent");
  EXPECT_EQ(loss64.name(), "xent/xent:0");
  EXPECT_EQ(loss64.shape(), (Shape{4}));
  Session session{g};
  const std::vector<Tensor> out =
      session.run({loss, Output(loss.node, 1), loss64, Output(loss64.node, 1)});
  expect_near_all(out[0].to_vector<double>(), ref.loss, 1e-14);
  expect_near_all(out[1].to_vector<double>(), ref.backprop, 1e-15);
  expect_near_all(out[2].to_vector<double>(), ref.loss, 1e-14);
  expect_near_all(out[3].to_vector<double>(), ref.backprop, 1e-15);
}

TEST_F(NnOps, SparseSoftmaxCrossEntropyLabelOutOfRange) {
  Output logits = placeholder(float32, Shape{-1, 5}, "logits");
  Output labels = placeholder(int64, Shape{-1}, "labels");
  const std::size_t first = g.num_nodes();
  Output loss = nn::sparse_softmax_cross_entropy_with_logits(labels, logits);
  EXPECT_EQ(names_from(first)[0],
            "SparseSoftmaxCrossEntropyWithLogits/Shape Shape");  // dynamic: a Shape op
  EXPECT_EQ(loss.shape(), (Shape{-1}));
  Session session{g};
  const Tensor z = Tensor::zeros(float32, Shape{3, 5});
  VS_EXPECT_ERROR(
      session.run(loss, {{logits, z}, {labels, Tensor::from_vector<std::int64_t>({0, 5, 2})}}),
      InvalidArgumentError,
      "[SparseSoftmaxCrossEntropyWithLogits] node "
      "'SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits': Received a label "
      "value "
      "of 5 which is outside the valid range of [0, 5) in row 1 of labels");
  VS_EXPECT_ERROR(
      session.run(loss, {{logits, z}, {labels, Tensor::from_vector<std::int64_t>({0, 4, -1})}}),
      InvalidArgumentError,
      "[SparseSoftmaxCrossEntropyWithLogits] node "
      "'SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits': Received a label "
      "value "
      "of -1 which is outside the valid range of [0, 5) in row 2 of labels");
  // All zero logits over 5 classes: log(5) per row.
  const std::vector<float> ok =
      session.run(loss, {{logits, z}, {labels, Tensor::from_vector<std::int64_t>({0, 4, 3})}})
          .to_vector<float>();
  for (float v : ok) EXPECT_FLOAT_EQ(v, std::log(5.0f));
}

TEST_F(NnOps, SparseSoftmaxCrossEntropyValueErrors) {
  Output logits = placeholder(float32, Shape{4, 3}, "logits");
  Output labels2 = placeholder(int32, Shape{4, 1}, "labels2");
  Output labels5 = placeholder(int32, Shape{5}, "labels5");
  Output scalar = placeholder(float32, Shape{}, "scalar");
  Output floats = placeholder(float32, Shape{4}, "floats");
  VS_EXPECT_ERROR(nn::sparse_softmax_cross_entropy_with_logits(labels2, logits), ValueError,
                  "Rank mismatch: Rank of labels (received 2) should equal rank of logits minus 1 "
                  "(received 2).");
  VS_EXPECT_ERROR(nn::sparse_softmax_cross_entropy_with_logits(labels5, logits), ValueError,
                  "Shape mismatch: The shape of labels (received (5,)) should equal the shape of "
                  "logits except for "
                  "the last dimension (received (4, 3)).");
  VS_EXPECT_ERROR(nn::sparse_softmax_cross_entropy_with_logits(labels5, scalar), ValueError,
                  "Logits cannot be scalars - received shape ().");
  VS_EXPECT_ERROR(
      nn::sparse_softmax_cross_entropy_with_logits(floats, logits), InvalidArgumentError,
      "[SparseSoftmaxCrossEntropyWithLogits] node "
      "'SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits': labels must be "
      "int32 or int64, got float32");
}

// ---- Dropout ------------------------------------------------------------------------------------

TEST_F(NnOps, DropoutBuildsTf115Names) {
  Output x = placeholder(float32, Shape{-1, 10}, "x");
  const std::size_t first = g.num_nodes();
  Output y = nn::dropout(x, 0.3);
  EXPECT_EQ(y.name(), "dropout/mul_1:0");
  EXPECT_EQ(y.shape(), (Shape{-1, 10}));
  EXPECT_EQ(names_from(first), (std::vector<std::string>{
                                   "dropout/rate Const",
                                   "dropout/Shape Shape",
                                   "dropout/random_uniform/min Const",
                                   "dropout/random_uniform/max Const",
                                   "dropout/random_uniform/RandomUniform RandomUniform",
                                   "dropout/random_uniform/sub Sub",
                                   "dropout/random_uniform/mul Mul",
                                   "dropout/random_uniform Add",
                                   "dropout/sub/x Const",
                                   "dropout/sub Sub",
                                   "dropout/truediv/x Const",
                                   "dropout/truediv RealDiv",
                                   "dropout/GreaterEqual GreaterEqual",
                                   "dropout/mul Mul",
                                   "dropout/Cast Cast",
                                   "dropout/mul_1 Mul",
                               }));
  // Unseeded: seed = seed2 = 0 (a fresh key per session); with an op seed and no graph seed, TF's
  // DEFAULT_GRAPH_SEED.
  Node* rnd = g.find_node("dropout/random_uniform/RandomUniform");
  ASSERT_NE(rnd, nullptr);
  EXPECT_EQ(rnd->attr_as<std::int64_t>("seed"), 0);
  EXPECT_EQ(rnd->attr_as<std::int64_t>("seed2"), 0);
  nn::dropout(x, 0.5, 5, "drop");
  Node* rnd2 = g.find_node("drop/random_uniform/RandomUniform");
  ASSERT_NE(rnd2, nullptr);
  EXPECT_EQ(rnd2->attr_as<std::int64_t>("seed"), 87654321);
  EXPECT_EQ(rnd2->attr_as<std::int64_t>("seed2"), 5);
  // A static shape becomes a Const "Shape" (array_ops.shape with optimize=True).
  Output s = placeholder(float32, Shape{2, 3}, "s");
  nn::dropout(s, 0.5);
  Node* shape_node = g.find_node("dropout_1/Shape");
  ASSERT_NE(shape_node, nullptr);
  EXPECT_EQ(shape_node->op(), "Const");
  EXPECT_EQ(g.find_node("dropout_1/random_uniform/RandomUniform")->output_shape(0), (Shape{2, 3}));
}

TEST_F(NnOps, DropoutScalesKeptValuesAndDropsTheRate) {
  const std::int64_t n = 20000;
  Output x = placeholder(float32, Shape{-1, 100}, "x");
  Output y = nn::dropout(x, 0.3);
  Session session{g};
  Tensor ones = Tensor::filled(float32, Shape{n / 100, 100}, 2.0);
  const std::vector<float> a = session.run(y, {{x, ones}}).to_vector<float>();
  const std::vector<float> b = session.run(y, {{x, ones}}).to_vector<float>();
  const float scale = 1.0f / (1.0f - 0.3f);  // float32 arithmetic, as the graph does it
  std::int64_t kept = 0, differ = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = a[static_cast<std::size_t>(i)];
    ASSERT_TRUE(v == 0.0f || v == 2.0f * scale) << "element " << i << " = " << v;
    kept += v != 0.0f;
    differ += (v != 0.0f) != (b[static_cast<std::size_t>(i)] != 0.0f);
  }
  // Keep rate 0.7 within 5 standard deviations (0.0032 each).
  EXPECT_NEAR(static_cast<double>(kept) / n, 0.7, 0.016);
  // A fresh mask each run: two masks agree on 0.7^2 + 0.3^2 = 58% of the elements.
  EXPECT_NEAR(static_cast<double>(differ) / n, 0.42, 0.025);
}

TEST_F(NnOps, DropoutSeedsLikeRandomUniform) {
  auto masks = [](std::optional<std::int64_t> graph_seed, std::optional<std::int64_t> op_seed) {
    Graph graph;
    DefaultGraph use{graph};
    graph.set_random_seed(graph_seed);
    Output x = constant(Tensor::filled(float32, Shape{64}, 1.0), "x");
    Output y = nn::dropout(x, 0.5, op_seed);
    Session session{graph};
    std::vector<std::vector<float>> runs;
    runs.push_back(session.run(y).to_vector<float>());
    runs.push_back(session.run(y).to_vector<float>());
    return runs;
  };
  const auto a = masks(1, 7), b = masks(1, 7), c = masks(1, 8), d = masks(std::nullopt, 7);
  EXPECT_EQ(a, b);                       // same seeds: the same sequence of masks in a new session
  EXPECT_NE(a[0], a[1]);                 // but a fresh mask each run
  EXPECT_NE(a[0], c[0]);                 // another op seed, another mask
  EXPECT_EQ(d, masks(std::nullopt, 7));  // op seed alone is deterministic too
}

TEST_F(NnOps, DropoutRateValidation) {
  Output x = placeholder(float32, Shape{4}, "x");
  EXPECT_EQ(nn::dropout(x, 0.0), x);  // nothing to drop: x itself
  VS_EXPECT_ERROR(nn::dropout(x, 1.0), ValueError,
                  "rate must be a scalar tensor or a float in the range [0, 1), got 1");
  VS_EXPECT_ERROR(nn::dropout(x, -0.1), ValueError,
                  "rate must be a scalar tensor or a float in the range [0, 1), got -0.1");
  VS_EXPECT_ERROR(nn::dropout(x, 1.5), ValueError,
                  "rate must be a scalar tensor or a float in the range [0, 1), got 1.5");
  Output i = placeholder(int32, Shape{4}, "i");
  VS_EXPECT_ERROR(nn::dropout(i, 0.5), ValueError,
                  "x has to be a floating point tensor since it's going to be scaled. Got a int32 "
                  "tensor instead.");
}

// ---- random_uniform with a computed shape -------------------------------------------------------

TEST_F(NnOps, RandomUniformWithComputedShape) {
  Output x = placeholder(float32, Shape{-1, 3}, "x");
  const std::size_t first = g.num_nodes();
  Output r = random_uniform(shape(x), float64, -2.0, 3.0, 11);
  EXPECT_EQ(r.name(), "random_uniform:0");
  EXPECT_EQ(r.shape(), (Shape{-1, 3}));  // as known as the Shape op's input
  EXPECT_EQ(names_from(first),
            (std::vector<std::string>{
                "Shape Shape", "random_uniform/min Const", "random_uniform/max Const",
                "random_uniform/RandomUniform RandomUniform", "random_uniform/sub Sub",
                "random_uniform/mul Mul", "random_uniform Add"}));
  Session session{g};
  const std::vector<double> v =
      session.run(r, {{x, Tensor::zeros(float32, Shape{500, 3})}}).to_vector<double>();
  ASSERT_EQ(v.size(), 1500u);
  double mean = 0;
  for (double e : v) {
    ASSERT_GE(e, -2.0);
    ASSERT_LT(e, 3.0);
    mean += e / 1500;
  }
  EXPECT_NEAR(mean, 0.5, 0.2);  // uniform on [-2, 3): sd of the mean 1.44 / sqrt(1500)
  VS_EXPECT_ERROR(
      random_uniform(shape(x), int32), InvalidArgumentError,
      "[RandomUniform] dtype int32 is not supported (needs float16, bfloat16, float32 or float64)");
}

// ---- Helper ops of the gradient rules -----------------------------------------------------------

TEST_F(NnOps, ExpandDimsAndPreventGradient) {
  Output x = constant(Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3}), "x");
  auto expand = [&](std::int32_t axis, const std::string& name) {
    Output dim = constant(Tensor::scalar(axis), name + "/dim");
    return g
        .create_node(NodeSpec{.op = "ExpandDims",
                              .name = name,
                              .inputs = {x, dim},
                              .attrs = {{"T", float32}, {"Tdim", int32}}})
        .output(0);
  };
  Output last = expand(-1, "last"), first = expand(0, "first"), middle = expand(1, "middle");
  EXPECT_EQ(last.shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(first.shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(middle.shape(), (Shape{2, 1, 3}));
  Session session{g};
  Tensor t = session.run(middle);
  EXPECT_EQ(t.shape(), (Shape{2, 1, 3}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  VS_EXPECT_ERROR(expand(3, "bad"), InvalidArgumentError,
                  "[ExpandDims] node 'bad': dim 3 is out of range [-3, 2] for input shape (2, 3)");
  Output p = g.create_node(NodeSpec{.op = "PreventGradient",
                                    .name = "stop",
                                    .inputs = {x},
                                    .attrs = {{"T", float32}, {"message", std::string("no")}}})
                 .output(0);
  EXPECT_EQ(session.run(p).to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

}  // namespace
}  // namespace varscope
