// The reference CNN of Fashion-MNIST's TF1 benchmark, built inside variable scopes so that a
// training tower (dropout on) and an evaluation tower (dropout off) share one set of variables:
//
//   cnn/conv1   5x5x1->32 SAME + relu        cnn/pool1  2x2 max-pool
//   cnn/conv2   5x5x32->64 SAME + relu       cnn/pool2  2x2 max-pool
//   cnn/dense   7*7*64->1024 + relu          cnn/dropout rate 0.4 (training tower only)
//   cnn/logits  1024->10
//
// Shared by varscope-train, the end-to-end test and the training-step benchmark.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "varscope/layers.h"
#include "varscope/name_scope.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/train.h"
#include "varscope/variable_scope.h"

namespace varscope::examples {

/// Logits (batch, 10) of `images` (batch, 28, 28, 1). Every call opens variable_scope(scope,
/// reuse=AUTO_REUSE): the first call creates the variables, later calls share them.
/// The convolutional base: conv1, pool1, conv2, pool2 and flatten, (batch, 7*7*64) features, in
/// the current variable scope. Transfer learning reuses it under another scope.
inline Output fashion_cnn_features(const Output& images) {
  Output h =
      layers::conv2d(images, 32, 5, {.padding = "same", .activation = nn::relu, .name = "conv1"});
  h = layers::max_pooling2d(h, 2, 2, "valid", "pool1");
  h = layers::conv2d(h, 64, 5, {.padding = "same", .activation = nn::relu, .name = "conv2"});
  h = layers::max_pooling2d(h, 2, 2, "valid", "pool2");
  return layers::flatten(h, "flatten");
}

inline Output fashion_cnn(const Output& images, bool training,
                          std::optional<std::int64_t> seed = std::nullopt,
                          const std::string& scope = "cnn") {
  VariableScope cnn{scope, {.reuse = AUTO_REUSE}};
  Output h = fashion_cnn_features(images);
  h = layers::dense(h, 1024, {.activation = nn::relu, .name = "dense"});
  h = layers::dropout(h, 0.4, training, seed, "dropout");
  return layers::dense(h, 10, {.name = "logits"});
}

/// The optimizers of varscope-train's --optimizer flag.
inline std::unique_ptr<train::Optimizer> make_optimizer(const std::string& name,
                                                        double learning_rate) {
  if (name == "sgd") return std::make_unique<train::GradientDescentOptimizer>(learning_rate);
  if (name == "momentum") return std::make_unique<train::MomentumOptimizer>(learning_rate, 0.9);
  if (name == "adam") return std::make_unique<train::AdamOptimizer>(learning_rate);
  throw InvalidArgumentError("unknown optimizer '" + name + "' (expected sgd, momentum or adam)");
}

/// One training tower and one evaluation tower over shared variables, with loss, accuracy and
/// the training op.
struct FashionCnnGraph {
  Output images{};        // placeholder float32 (?, 28, 28, 1)
  Output labels{};        // placeholder int32 (?)
  Output loss{};          // mean cross-entropy of the training tower
  Output eval_correct{};  // number of correct predictions of the evaluation tower (float32 scalar)
  Node* train_op = nullptr;
  Variable global_step{};
};

inline FashionCnnGraph build_fashion_cnn_graph(const std::string& optimizer, double learning_rate,
                                               std::optional<std::int64_t> seed) {
  FashionCnnGraph g;
  g.images = placeholder(DType::kFloat32, Shape{-1, 28, 28, 1}, "images");
  g.labels = placeholder(DType::kInt32, Shape{-1}, "labels");
  const Output logits = fashion_cnn(g.images, /*training=*/true, seed);
  {
    NameScope scope{"loss"};
    g.loss = reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(g.labels, logits));
  }
  g.global_step = train::get_or_create_global_step();
  auto opt = make_optimizer(optimizer, learning_rate);
  g.train_op = opt->minimize(g.loss, g.global_step);

  const Output eval_logits = fashion_cnn(g.images, /*training=*/false, seed);
  {
    NameScope scope{"accuracy"};
    const Output predicted = argmax(eval_logits, 1);
    const Output hits = equal(predicted, cast(g.labels, DType::kInt64));
    g.eval_correct = reduce_sum(cast(hits, DType::kFloat32));
  }
  return g;
}

}  // namespace varscope::examples
