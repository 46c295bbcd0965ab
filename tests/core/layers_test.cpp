// Functional layers (tf.compat.v1.layers): variable and op names, shapes, reuse and sharing, and
// error texts as TensorFlow 2.21's tf.compat.v1.layers (tf_keras legacy layers) builds them, plus
// small end-to-end fits through the optimizers.
#include "varscope/layers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "expect_error.h"
#include "varscope/collections.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/train.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

std::vector<std::string> names(const std::vector<Variable>& vars) {
  std::vector<std::string> out;
  for (const Variable& v : vars) out.push_back(v.name());
  return out;
}

// Names of the ops a layer built (no variable plumbing, no initializers), in creation order.
std::vector<std::string> layer_ops(const Graph& g) {
  std::vector<std::string> out;
  for (const Node* n : g.nodes()) {
    const std::string& name = n->name();
    if (n->op() == "VariableV2" || n->op() == "Placeholder" ||
        name.find("/Initializer/") != std::string::npos || name.ends_with("/Assign") ||
        name.ends_with("/read")) {
      continue;
    }
    out.push_back(name);
  }
  return out;
}

std::vector<std::string> input_names(const Node* node) {
  std::vector<std::string> out;
  for (const Output& in : node->inputs()) out.push_back(in.name());
  return out;
}

// tf.layers on x (?, 28, 28, 1): TF 2.21 prints these names and shapes (see the test body).
TEST(LayersTest, NamesAndShapesMatchTensorFlow) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(float32, Shape{-1, 28, 28, 1}, "x");
  Output h = layers::conv2d(x, 4, 3, {.activation = nn::relu});
  Output h2 = layers::conv2d(h, 4, {3, 3}, {.padding = "same", .name = "conv1"});
  Output p = layers::max_pooling2d(h2, 2, 2);
  Output f = layers::flatten(p);
  Output d = layers::dropout(f, 0.3, /*training=*/false);
  Output y = layers::dense(d, 10);
  Output y2 = layers::dense(y, 10, {.activation = nn::relu, .use_bias = false});

  EXPECT_EQ(h.name(), "conv2d/Relu:0");
  EXPECT_EQ(h.shape(), Shape({-1, 26, 26, 4}));
  EXPECT_EQ(h2.name(), "conv1/BiasAdd:0");
  EXPECT_EQ(h2.shape(), Shape({-1, 26, 26, 4}));
  EXPECT_EQ(p.name(), "max_pooling2d/MaxPool:0");
  EXPECT_EQ(p.shape(), Shape({-1, 13, 13, 4}));
  EXPECT_EQ(f.name(), "flatten/Reshape:0");
  EXPECT_EQ(f.shape(), Shape({-1, 676}));
  EXPECT_EQ(d.name(), "dropout/Identity:0");
  EXPECT_EQ(y.name(), "dense/BiasAdd:0");
  EXPECT_EQ(y.shape(), Shape({-1, 10}));
  EXPECT_EQ(y2.name(), "dense_1/Relu:0");

  EXPECT_EQ(layer_ops(g),
            (std::vector<std::string>{
                "conv2d/Conv2D", "conv2d/BiasAdd", "conv2d/Relu", "conv1/Conv2D", "conv1/BiasAdd",
                "max_pooling2d/MaxPool", "flatten/Const", "flatten/Reshape", "dropout/Identity",
                "dense/MatMul", "dense/BiasAdd", "dense_1/MatMul", "dense_1/Relu"}));
  EXPECT_EQ(names(global_variables()),
            (std::vector<std::string>{"conv2d/kernel:0", "conv2d/bias:0", "conv1/kernel:0",
                                      "conv1/bias:0", "dense/kernel:0", "dense/bias:0",
                                      "dense_1/kernel:0"}));
  EXPECT_EQ(names(trainable_variables()), names(global_variables()));
  EXPECT_EQ(g.tensor_by_name("conv2d/kernel:0").shape(), Shape({3, 3, 1, 4}));
  EXPECT_EQ(g.tensor_by_name("conv2d/bias:0").shape(), Shape({4}));
  EXPECT_EQ(g.tensor_by_name("conv1/kernel:0").shape(), Shape({3, 3, 4, 4}));
  EXPECT_EQ(g.tensor_by_name("dense/kernel:0").shape(), Shape({676, 10}));
  EXPECT_EQ(g.tensor_by_name("dense_1/kernel:0").shape(), Shape({10, 10}));
  EXPECT_EQ(input_names(g.find_node("conv2d/Conv2D")),
            (std::vector<std::string>{"x:0", "conv2d/kernel/read:0"}));
  EXPECT_EQ(input_names(g.find_node("dense/MatMul")),
            (std::vector<std::string>{"dropout/Identity:0", "dense/kernel/read:0"}));
  // Kernels: get_variable's default (glorot_uniform); biases: zeros.
  EXPECT_NE(g.find_node("conv2d/kernel/Initializer/random_uniform"), nullptr);
  EXPECT_NE(g.find_node("conv2d/bias/Initializer/zeros"), nullptr);
  EXPECT_NE(g.find_node("dense/kernel/Initializer/random_uniform"), nullptr);
  // Conv2D attributes from the layer's arguments.
  const Node* conv1 = g.find_node("conv1/Conv2D");
  EXPECT_EQ(conv1->attr_as<std::string>("padding"), "SAME");
  EXPECT_EQ(conv1->attr_as<std::vector<std::int64_t>>("strides"),
            (std::vector<std::int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(g.find_node("max_pooling2d/MaxPool")->attr_as<std::vector<std::int64_t>>("ksize"),
            (std::vector<std::int64_t>{1, 2, 2, 1}));
}

TEST(LayersTest, StridesPaddingAndDilationGiveTensorFlowShapes) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(float32, Shape{-1, 8, 8, 2}, "x");
  EXPECT_EQ(layers::conv2d(x, 5, 3, {.strides = 2, .padding = "same"}).shape(),
            Shape({-1, 4, 4, 5}));
  EXPECT_EQ(layers::conv2d(x, 5, 3, {.padding = "VALID"}).shape(), Shape({-1, 6, 6, 5}));
  EXPECT_EQ(layers::conv2d(x, 3, {3, 2}, {.strides = {2, 1}, .padding = "SAME"}).shape(),
            Shape({-1, 4, 8, 3}));
  Output dilated = layers::conv2d(x, 3, 3, {.dilation_rate = 2});
  EXPECT_EQ(dilated.shape(), Shape({-1, 4, 4, 3}));
  EXPECT_EQ(g.find_node("conv2d_3/Conv2D")->attr_as<std::vector<std::int64_t>>("dilations"),
            (std::vector<std::int64_t>{1, 2, 2, 1}));
  EXPECT_EQ(layers::max_pooling2d(x, 3, 2).shape(), Shape({-1, 3, 3, 2}));
  EXPECT_EQ(layers::max_pooling2d(x, 3, 2, "same").shape(), Shape({-1, 4, 4, 2}));
  EXPECT_EQ(g.find_node("conv2d_2/kernel")->output_shape(0), Shape({3, 2, 2, 3}));
}

TEST(LayersTest, UnnamedLayersAreUniquifiedNamedOnesAreNot) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(float32, Shape{-1, 8, 8, 2}, "x");
  layers::conv2d(x, 3, 3);
  layers::conv2d(x, 3, 3);
  EXPECT_EQ(names(global_variables()),
            (std::vector<std::string>{"conv2d/kernel:0", "conv2d/bias:0", "conv2d_1/kernel:0",
                                      "conv2d_1/bias:0"}));
  layers::conv2d(x, 3, 3, {.name = "conv1"});
  // TF: a named conv2d/dense opens variable_scope(name), so a second one clashes.
  VS_EXPECT_ERROR_PREFIX(
      layers::conv2d(x, 3, 3, {.name = "conv1"}), ValueError,
      "Variable conv1/kernel already exists, disallowed. Did you mean to set reuse=True or "
      "reuse=tf.AUTO_REUSE in VarScope? Originally defined at:");
  // Pooling and dropout take default-name scopes even when named: "pool", "pool_1".
  EXPECT_EQ(layers::max_pooling2d(x, 2, 2, "valid", "pool").name(), "pool/MaxPool:0");
  EXPECT_EQ(layers::max_pooling2d(x, 2, 2, "valid", "pool").name(), "pool_1/MaxPool:0");
  EXPECT_EQ(layers::dropout(x, 0.5, false, std::nullopt, "drop").name(), "drop/Identity:0");
  EXPECT_EQ(layers::dropout(x, 0.5, false, std::nullopt, "drop").name(), "drop_1/Identity:0");
}

TEST(LayersTest, TowersUnderAutoReuseShareVariables) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(float32, Shape{-1, 8, 8, 2}, "x");
  std::vector<Output> outs;
  for (int i = 0; i < 2; ++i) {
    VariableScope model{"model", {.reuse = AUTO_REUSE}};
    Output h = layers::conv2d(x, 3, 3, {.name = "conv1"});
    h = layers::max_pooling2d(h, 2, 2);
    h = layers::flatten(h);
    outs.push_back(layers::dense(h, 4));
  }
  // TF 2.21: one set of variables, ops under "model/" and "model_1/".
  EXPECT_EQ(names(global_variables()),
            (std::vector<std::string>{"model/conv1/kernel:0", "model/conv1/bias:0",
                                      "model/dense/kernel:0", "model/dense/bias:0"}));
  EXPECT_EQ(layer_ops(g),
            (std::vector<std::string>{
                "model/conv1/Conv2D", "model/conv1/BiasAdd", "model/max_pooling2d/MaxPool",
                "model/flatten/Const", "model/flatten/Reshape", "model/dense/MatMul",
                "model/dense/BiasAdd", "model_1/conv1/Conv2D", "model_1/conv1/BiasAdd",
                "model_1/max_pooling2d/MaxPool", "model_1/flatten/Const", "model_1/flatten/Reshape",
                "model_1/dense/MatMul", "model_1/dense/BiasAdd"}));
  EXPECT_EQ(input_names(g.find_node("model_1/conv1/Conv2D")),
            (std::vector<std::string>{"x:0", "model/conv1/kernel/read:0"}));
  EXPECT_EQ(input_names(g.find_node("model_1/dense/MatMul"))[1], "model/dense/kernel/read:0");
  EXPECT_EQ(outs[1].name(), "model_1/dense/BiasAdd:0");
}

TEST(LayersTest, UnnamedLayerInReenteredReuseScopeFindsTheFirstEntrysVariables) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(float32, Shape{-1, 8, 8, 2}, "x");
  {
    VariableScope model{"model"};
    layers::conv2d(x, 3, 3);
  }
  {
    VariableScope model{"model", {.reuse = true}};
    EXPECT_EQ(layers::conv2d(x, 3, 3).name(), "model_1/conv2d/BiasAdd:0");
  }
  EXPECT_EQ(names(global_variables()),
            (std::vector<std::string>{"model/conv2d/kernel:0", "model/conv2d/bias:0"}));
  EXPECT_EQ(input_names(g.find_node("model_1/conv2d/Conv2D"))[1], "model/conv2d/kernel/read:0");
  // Two unnamed layers in one AUTO_REUSE entry are two layers.
  {
    VariableScope model{"other", {.reuse = AUTO_REUSE}};
    layers::conv2d(x, 3, 3);
    layers::conv2d(x, 3, 3);
  }
  EXPECT_EQ(global_variables().size(), 6u);
  EXPECT_EQ(global_variables()[4].name(), "other/conv2d_1/kernel:0");
}

TEST(LayersTest, ReuseArgumentSharesANamedLayer) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(float32, Shape{-1, 8, 8, 2}, "x");
  Output flat = layers::flatten(x);
  layers::conv2d(x, 3, 3, {.name = "conv1"});
  Output again = layers::conv2d(x, 3, 3, {.name = "conv1", .reuse = true});
  EXPECT_EQ(again.name(), "conv1_1/BiasAdd:0");
  EXPECT_EQ(input_names(g.find_node("conv1_1/Conv2D")),
            (std::vector<std::string>{"x:0", "conv1/kernel/read:0"}));
  layers::dense(flat, 3, {.name = "fc"});
  EXPECT_EQ(layers::dense(flat, 3, {.name = "fc", .reuse = AUTO_REUSE}).name(), "fc_1/BiasAdd:0");
  EXPECT_EQ(names(global_variables()), (std::vector<std::string>{"conv1/kernel:0", "conv1/bias:0",
                                                                 "fc/kernel:0", "fc/bias:0"}));
  VS_EXPECT_ERROR(
      layers::dense(flat, 4, {.name = "fc", .reuse = true}), ValueError,
      "Trying to share variable fc/kernel, but specified shape (128, 4) and found shape (128, 3).");
  VS_EXPECT_ERROR(layers::conv2d(x, 3, 3, {.name = "conv9", .reuse = true}), ValueError,
                  "Variable conv9/kernel does not exist, or was not created with "
                  "tf.get_variable(). Did you mean to "
                  "set reuse=tf.AUTO_REUSE in VarScope?");
}

TEST(LayersTest, RegularizersAndTrainableAsTensorFlow) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(float32, Shape{-1, 8, 8, 2}, "x");
  auto named_sum = [](std::string name) {
    return Regularizer([name](const Output& w) -> std::optional<Output> {
      return reduce_sum(w, std::nullopt, false, name);
    });
  };
  {
    VariableScope s{"s", {.regularizer = named_sum("scope_reg")}};
    layers::dense(layers::flatten(x), 4,
                  {.kernel_regularizer = named_sum("reg"), .bias_regularizer = named_sum("breg")});
  }
  // TF 2.21: the scope's regularizer (through get_variable) and the layer's, both per variable.
  std::vector<std::string> losses;
  for (const Output& t : get_regularization_losses()) losses.push_back(t.name());
  EXPECT_EQ(losses,
            (std::vector<std::string>{
                "s/dense/kernel/Regularizer/scope_reg:0", "s/dense/kernel/Regularizer/reg:0",
                "s/dense/bias/Regularizer/scope_reg:0", "s/dense/bias/Regularizer/breg:0"}));
  // A reused layer adds no second loss.
  {
    VariableScope s{"s", {.reuse = true}};
    layers::dense(layers::flatten(x), 4, {.kernel_regularizer = named_sum("reg")});
  }
  EXPECT_EQ(get_regularization_losses().size(), 4u);
  layers::dense(layers::flatten(x), 2, {.trainable = false, .name = "frozen"});
  EXPECT_EQ(names(trainable_variables()),
            (std::vector<std::string>{"s/dense/kernel:0", "s/dense/bias:0"}));
  EXPECT_EQ(global_variables().size(), 4u);
}

TEST(LayersTest, InitializersAndDTypeFollowTheLayerAndItsInputs) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(float64, Shape{-1, 3}, "x");
  Output y = layers::dense(
      x, 2,
      {.kernel_initializer = ones_initializer(), .bias_initializer = constant_initializer(0.5)});
  EXPECT_EQ(y.dtype(), float64);
  EXPECT_EQ(g.find_node("dense/kernel")->output_dtype(0), float64);
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  const Tensor out =
      sess.run(y, {{x, Tensor::from_vector<double>({1, 2, 3, -1, 0, 4}, Shape{2, 3})}});
  EXPECT_EQ(out.to_vector<double>(), (std::vector<double>{6.5, 6.5, 3.5, 3.5}));
}

TEST(LayersTest, DropoutIsTheIdentityUnlessTraining) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(float32, Shape{-1, 4}, "x");
  Output off = layers::dropout(x, 0.5, false);
  Output zero_rate = layers::dropout(x, 0.0, true);
  Output on = layers::dropout(x, 0.5, true, 7);
  EXPECT_EQ(off.name(), "dropout/Identity:0");
  EXPECT_EQ(zero_rate.name(), "dropout_1/Identity:0");
  EXPECT_EQ(on.node->name().substr(0, 18), "dropout_2/dropout/");
  Session sess{g};
  const Tensor in = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8}, Shape{2, 4});
  EXPECT_EQ(sess.run(off, {{x, in}}).to_vector<float>(), in.to_vector<float>());
  EXPECT_EQ(sess.run(zero_rate, {{x, in}}).to_vector<float>(), in.to_vector<float>());
  // Training: each element is dropped (0) or kept and scaled by 1 / (1 - rate) = 2.
  const std::vector<float> trained = sess.run(on, {{x, in}}).to_vector<float>();
  const std::vector<float> original = in.to_vector<float>();
  ASSERT_EQ(trained.size(), original.size());
  for (std::size_t i = 0; i < trained.size(); ++i) {
    EXPECT_TRUE(trained[i] == 0.0f || trained[i] == 2.0f * original[i]) << i << ": " << trained[i];
  }
}

TEST(LayersTest, FlattenKeepsWhatIsKnown) {
  Graph g;
  DefaultGraph use{g};
  Output batch_known = layers::flatten(placeholder(float32, Shape{2, -1, 3}));
  EXPECT_EQ(batch_known.shape(), Shape({2, -1}));
  Output rank1 = layers::flatten(placeholder(float32, Shape{5}));
  EXPECT_EQ(rank1.shape(), Shape({5, 1}));
  Output x = placeholder(float32, Shape{-1, -1, 3}, "x");
  Output unknown = layers::flatten(x);
  EXPECT_EQ(unknown.shape().rank(), 2);
  Session sess{g};
  const Tensor out = sess.run(
      unknown,
      {{x, Tensor::from_vector<float>(std::vector<float>(2 * 4 * 3, 1.0f), Shape{2, 4, 3})}});
  EXPECT_EQ(out.shape(), Shape({2, 12}));
}

// ---- errors (TF 2.21 texts, with the layer's scope name and our shape printing) ----------------

TEST(LayersErrorTest, InputRankAndChannels) {
  Graph g;
  DefaultGraph use{g};
  VS_EXPECT_ERROR(layers::conv2d(placeholder(float32, Shape{-1, 8, 8}), 3, 3), ValueError,
                  "Input 0 of layer \"conv2d\" is incompatible with the layer: expected "
                  "min_ndim=4, found ndim=3. "
                  "Full shape received: (?, 8, 8)");
  VS_EXPECT_ERROR(layers::conv2d(placeholder(float32, Shape{-1, 8, 8, -1}), 3, 3), ValueError,
                  "The channel dimension of the inputs should be defined. The input_shape received "
                  "is (?, 8, 8, ?), "
                  "where axis -1 (0-based) is the channel dimension, which found to be `None`.");
  VS_EXPECT_ERROR(layers::dense(placeholder(float32, Shape{3}), 3), ValueError,
                  "Input 0 of layer \"dense\" is incompatible with the layer: expected min_ndim=2, "
                  "found ndim=1. Full "
                  "shape received: (3,)");
  VS_EXPECT_ERROR(layers::dense(placeholder(float32, Shape{3, -1}), 3), ValueError,
                  "The last dimension of the inputs to a Dense layer should be defined. Found "
                  "None. Full input shape "
                  "received: (3, ?)");
  VS_EXPECT_ERROR(layers::dense(placeholder(int32, Shape{-1, 3}), 2), TypeError,
                  "A Dense layer can only be built with a floating-point dtype. Received: "
                  "dtype=<dtype: 'int32'>");
  VS_EXPECT_ERROR(layers::max_pooling2d(placeholder(float32, Shape{3, 4}), 2, 2), ValueError,
                  "Input 0 of layer \"max_pooling2d\" is incompatible with the layer: expected "
                  "ndim=4, found ndim=2. "
                  "Full shape received: (3, 4)");
  VS_EXPECT_ERROR(layers::flatten(constant(1.0, float32)), ValueError,
                  "Input 0 of layer \"flatten\" is incompatible with the layer: expected "
                  "min_ndim=1, found ndim=0. "
                  "Full shape received: ()");
  VS_EXPECT_ERROR(layers::conv2d(placeholder(float32, Shape{-1, 2, 2, 3}), 3, 3), ValueError,
                  "One of the dimensions in the output is <= 0 due to downsampling in conv2d_2. "
                  "Consider increasing "
                  "the input size. Received input shape [None, 2, 2, 3] which would produce output "
                  "shape with a zero "
                  "or negative value in a dimension.");
  VS_EXPECT_ERROR_PREFIX(layers::dense(placeholder(float32, Shape{-1, 4, 5}), 2),
                         UnimplementedError, "[dense] layer \"dense_3\": inputs of rank 3");
}

TEST(LayersErrorTest, Arguments) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(float32, Shape{-1, 8, 8, 2}, "x");
  VS_EXPECT_ERROR(layers::conv2d(x, 0, 3), ValueError,
                  "Invalid value for argument `filters`. Expected a strictly positive value. "
                  "Received filters=0.");
  VS_EXPECT_ERROR(layers::conv2d(x, 3, {3, 3, 3}), ValueError,
                  "The `kernel_size` argument must be a tuple of 2 integers. Received: (3, 3, 3)");
  VS_EXPECT_ERROR(layers::conv2d(x, 3, 0), ValueError,
                  "The `kernel_size` argument must be a tuple of 2 integers. Received: 0 including "
                  "{0} that does not "
                  "satisfy the requirement `> 0`.");
  VS_EXPECT_ERROR(layers::conv2d(x, 3, {3, -1}), ValueError,
                  "The `kernel_size` argument must be a tuple of 2 integers. Received: (3, -1) "
                  "including {-1} that "
                  "does not satisfy the requirement `> 0`.");
  VS_EXPECT_ERROR(layers::conv2d(x, 3, 3, {.strides = 0}), ValueError,
                  "The argument `strides` cannot contains 0(s). Received: (0, 0)");
  VS_EXPECT_ERROR(layers::conv2d(x, 3, 3, {.dilation_rate = 0}), ValueError,
                  "The `dilation_rate` argument must be a tuple of 2 integers. Received: 0 "
                  "including {0} that does "
                  "not satisfy the requirement `> 0`.");
  VS_EXPECT_ERROR(layers::conv2d(x, 3, 3, {.padding = "foo"}), ValueError,
                  "The `padding` argument must be a list/tuple or one of \"valid\", \"same\" (or "
                  "\"causal\", only for "
                  "`Conv1D). Received: foo");
  VS_EXPECT_ERROR(layers::conv2d(x, 3, 3, {.strides = 2, .dilation_rate = 2}), ValueError,
                  "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                  "strides=(2, 2) and "
                  "dilation_rate=(2, 2)");
  VS_EXPECT_ERROR(layers::max_pooling2d(x, 0, 2), ValueError,
                  "The `pool_size` argument must be a tuple of 2 integers. Received: 0 including "
                  "{0} that does not "
                  "satisfy the requirement `> 0`.");
  VS_EXPECT_ERROR(layers::max_pooling2d(x, {2, 2, 2}, 2), ValueError,
                  "The `pool_size` argument must be a tuple of 2 integers. Received: (2, 2, 2)");
  VS_EXPECT_ERROR(layers::max_pooling2d(x, 2, 2, "full"), ValueError,
                  "The `padding` argument must be a list/tuple or one of \"valid\", \"same\" (or "
                  "\"causal\", only for "
                  "`Conv1D). Received: full");
  VS_EXPECT_ERROR(
      layers::dense(layers::flatten(x), -1), ValueError,
      "Received an invalid value for `units`, expected a positive integer. Received: units=-1");
  VS_EXPECT_ERROR(layers::dropout(x, 1.5), ValueError,
                  "Invalid value 1.5 received for `rate`, expected a value between 0 and 1.");
}

// ---- end to end --------------------------------------------------------------------------------

TEST(LayersFitTest, DenseRegressionLossDrops) {
  Graph g;
  DefaultGraph use{g};
  g.set_random_seed(3);
  Output x = placeholder(float64, Shape{-1, 3}, "x");
  Output target = placeholder(float64, Shape{-1, 1}, "y");
  Output pred = layers::dense(x, 1);
  Output loss = reduce_mean(square(pred - target));
  Node* step =
      train::GradientDescentOptimizer(0.1).minimize(loss, train::get_or_create_global_step());
  // y = x . (1, -2, 0.5) + 0.3 on a fixed batch.
  std::vector<double> xs, ys;
  for (int i = 0; i < 16; ++i) {
    const double a = std::sin(i), b = std::cos(1.7 * i), c = 0.1 * i - 0.8;
    xs.insert(xs.end(), {a, b, c});
    ys.push_back(a - 2 * b + 0.5 * c + 0.3);
  }
  const FeedDict feeds{{x, Tensor::from_vector(xs, Shape{16, 3})},
                       {target, Tensor::from_vector(ys, Shape{16, 1})}};
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  const double initial = sess.run(loss, feeds).item<double>();
  for (int i = 0; i < 300; ++i) sess.run({}, feeds, {step});
  const double final_loss = sess.run(loss, feeds).item<double>();
  EXPECT_GT(initial, 0.1);
  EXPECT_LT(final_loss, 1e-4 * initial);
  const std::vector<double> kernel =
      sess.run(g.tensor_by_name("dense/kernel:0")).to_vector<double>();
  EXPECT_NEAR(kernel[0], 1.0, 1e-2);
  EXPECT_NEAR(kernel[1], -2.0, 1e-2);
  EXPECT_NEAR(kernel[2], 0.5, 1e-2);
  EXPECT_NEAR(sess.run(g.tensor_by_name("dense/bias:0")).to_vector<double>()[0], 0.3, 1e-2);
  EXPECT_EQ(sess.run(g.tensor_by_name("global_step:0")).item<std::int64_t>(), 300);
}

TEST(LayersFitTest, SmallConvNetLossDropsWithAdam) {
  Graph g;
  DefaultGraph use{g};
  g.set_random_seed(5);
  Output x = placeholder(float32, Shape{-1, 6, 6, 1}, "x");
  Output labels = placeholder(int32, Shape{-1}, "labels");
  Output h = layers::conv2d(x, 4, 3, {.padding = "same", .activation = nn::relu});
  h = layers::max_pooling2d(h, 2, 2);
  h = layers::flatten(h);
  h = layers::dropout(h, 0.5, false);
  Output logits = layers::dense(h, 2);
  Output loss = reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(labels, logits));
  train::AdamOptimizer opt(0.01);
  Node* step = opt.minimize(loss);
  // Class 1: a bright left half; class 0: a bright right half.
  std::vector<float> images;
  std::vector<std::int32_t> ys;
  for (int n = 0; n < 8; ++n) {
    const int label = n % 2;
    for (int r = 0; r < 6; ++r) {
      for (int c = 0; c < 6; ++c)
        images.push_back(((c < 3) == (label == 1)) ? 1.0f + 0.05f * n : 0.1f * r);
    }
    ys.push_back(label);
  }
  const FeedDict feeds{{x, Tensor::from_vector(images, Shape{8, 6, 6, 1})},
                       {labels, Tensor::from_vector(ys, Shape{8})}};
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  const float initial = sess.run(loss, feeds).item<float>();
  for (int i = 0; i < 60; ++i) sess.run({}, feeds, {step});
  const float final_loss = sess.run(loss, feeds).item<float>();
  EXPECT_LT(final_loss, 0.5f * initial);
}

}  // namespace
}  // namespace varscope
