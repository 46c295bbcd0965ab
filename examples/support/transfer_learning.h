// Transfer learning with scoped variables, the practice examples/transfer_learning.cpp shows and
// tests/e2e/transfer_learning_test.cpp checks:
//
//   1. "pretrained": the reference CNN (support/fashion_cnn.h) under variable_scope("pretrained"),
//      trained and saved with a Saver over every global variable.
//   2. "new_model": the same convolutional base under variable_scope("new_model") plus a new head
//      (head/dense 256 + relu, head/logits 10). A Saver with a name map
//        "pretrained/conv1/kernel" -> new_model/conv1/kernel, ... (the 4 base variables)
//      restores the base from the checkpoint; the head keeps its fresh initialization.
//   3. Fine-tuning: the optimizer's var_list is the head only, so the base stays frozen.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fashion_cnn.h"
#include "varscope/collections.h"
#include "varscope/saver.h"

namespace varscope::examples {

inline constexpr const char* kPretrainedScope = "pretrained";
inline constexpr const char* kNewModelScope = "new_model";

/// A model being trained: its placeholders, loss, accuracy count and training op.
struct TrainableGraph {
  Output images{};  // float32 (?, 28, 28, 1)
  Output labels{};  // int32 (?)
  Output loss{};
  Output eval_correct{};  // float32 scalar: correct predictions in the batch
  Node* train_op = nullptr;
};

inline Output count_correct(const Output& logits, const Output& labels) {
  NameScope scope{"accuracy"};
  const Output hits = equal(argmax(logits, 1), cast(labels, DType::kInt64));
  return reduce_sum(cast(hits, DType::kFloat32));
}

/// Step 1's graph: the reference CNN under "pretrained" (dropout off: short runs learn faster).
inline TrainableGraph build_pretrained_model(double learning_rate) {
  TrainableGraph g;
  g.images = placeholder(DType::kFloat32, Shape{-1, 28, 28, 1}, "images");
  g.labels = placeholder(DType::kInt32, Shape{-1}, "labels");
  const Output logits = fashion_cnn(g.images, /*training=*/false, std::nullopt, kPretrainedScope);
  {
    NameScope scope{"loss"};
    g.loss = reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(g.labels, logits));
  }
  g.train_op =
      train::AdamOptimizer(learning_rate).minimize(g.loss, train::get_or_create_global_step());
  g.eval_correct = count_correct(logits, g.labels);
  return g;
}

/// Step 2's graph: the same base under "new_model" and a new head; only the head trains.
struct NewModelGraph : TrainableGraph {
  std::vector<Variable> base{};  // new_model/conv1/kernel, .../bias, new_model/conv2/...
  std::vector<Variable> head{};  // new_model/head/...
};

inline NewModelGraph build_new_model(double learning_rate) {
  NewModelGraph g;
  g.images = placeholder(DType::kFloat32, Shape{-1, 28, 28, 1}, "images");
  g.labels = placeholder(DType::kInt32, Shape{-1}, "labels");
  Output logits;
  {
    VariableScope model{kNewModelScope};
    const Output features = fashion_cnn_features(g.images);
    VariableScope head{"head"};
    const Output hidden = layers::dense(features, 256, {.activation = nn::relu, .name = "dense"});
    logits = layers::dense(hidden, 10, {.name = "logits"});
  }
  const std::string head_prefix = std::string(kNewModelScope) + "/head/";
  for (const Variable& v : trainable_variables(std::string(kNewModelScope) + "/")) {
    (v.op_name().starts_with(head_prefix) ? g.head : g.base).push_back(v);
  }
  {
    NameScope scope{"loss"};
    g.loss = reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(g.labels, logits));
  }
  g.train_op = train::AdamOptimizer(learning_rate)
                   .minimize(g.loss, train::get_or_create_global_step(), g.head);
  g.eval_correct = count_correct(logits, g.labels);
  return g;
}

/// Checkpoint key -> variable for the base: "new_model/conv1/kernel" is restored from
/// "pretrained/conv1/kernel".
inline std::map<std::string, train::Saveable> pretrained_name_map(
    const std::vector<Variable>& base) {
  std::map<std::string, train::Saveable> map;
  const std::string from = std::string(kNewModelScope) + "/";
  for (const Variable& v : base)
    map.emplace(kPretrainedScope + ("/" + v.op_name().substr(from.size())), v);
  return map;
}

}  // namespace varscope::examples
