// Graph collections (tf.get_collection / tf.add_to_collection) and the standard keys.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "varscope/graph.h"
#include "varscope/variable.h"

namespace varscope {

/// TF's tf.GraphKeys names.
struct GraphKeys {
  static constexpr std::string_view GLOBAL_VARIABLES = "variables";
  static constexpr std::string_view LOCAL_VARIABLES = "local_variables";
  static constexpr std::string_view MODEL_VARIABLES = "model_variables";
  static constexpr std::string_view TRAINABLE_VARIABLES = "trainable_variables";
  static constexpr std::string_view REGULARIZATION_LOSSES = "regularization_losses";
  static constexpr std::string_view LOSSES = "losses";
  static constexpr std::string_view SUMMARIES = "summaries";
  static constexpr std::string_view UPDATE_OPS = "update_ops";
  static constexpr std::string_view TRAIN_OP = "train_op";
  static constexpr std::string_view GLOBAL_STEP = "global_step";
};

/// One collection entry: a variable, a tensor, or an operation.
class CollectionItem {
 public:
  CollectionItem(Variable v) : value_(std::move(v)) {}
  CollectionItem(Output t) : value_(t) {}
  CollectionItem(Node* op) : value_(op) {}

  bool is_variable() const { return std::holds_alternative<Variable>(value_); }
  bool is_tensor() const { return std::holds_alternative<Output>(value_); }
  bool is_op() const { return std::holds_alternative<Node*>(value_); }
  /// Throws TypeError when the item is something else.
  const Variable& variable() const;
  Output tensor() const;
  Node* op() const;
  /// "v:0", "loss:0" or "train" (an op's name has no ":0").
  std::string name() const;
  bool operator==(const CollectionItem& other) const = default;

 private:
  std::variant<Variable, Output, Node*> value_;
};

/// Appends `item` to collection `key` of `graph` (duplicates allowed, insertion order kept).
void add_to_collection(std::string_view key, CollectionItem item, Graph& graph = get_default_graph());
/// The items of `key` (a copy). With `scope`, only items whose name matches the regular expression
/// `scope` at its start (TF's re.match; so "foo" also matches "foo_/v:0", use "foo/").
std::vector<CollectionItem> get_collection(std::string_view key, std::string_view scope = "",
                                           Graph& graph = get_default_graph());
/// The variables of `key` (items that are not variables are skipped).
std::vector<Variable> get_variable_collection(std::string_view key, std::string_view scope = "",
                                              Graph& graph = get_default_graph());
/// The tensors of `key` (items that are not tensors are skipped).
std::vector<Output> get_tensor_collection(std::string_view key, std::string_view scope = "",
                                          Graph& graph = get_default_graph());
/// Every collection key in use, sorted.
std::vector<std::string> get_all_collection_keys(Graph& graph = get_default_graph());

/// tf.global_variables(scope), tf.trainable_variables(scope), tf.local_variables(scope).
std::vector<Variable> global_variables(std::string_view scope = "", Graph& graph = get_default_graph());
std::vector<Variable> trainable_variables(std::string_view scope = "", Graph& graph = get_default_graph());
std::vector<Variable> local_variables(std::string_view scope = "", Graph& graph = get_default_graph());
/// tf.losses.get_regularization_losses(scope).
std::vector<Output> get_regularization_losses(std::string_view scope = "", Graph& graph = get_default_graph());

}  // namespace varscope
