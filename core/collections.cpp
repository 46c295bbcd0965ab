// Graph collections: ordered lists per key; scope filtering as TF's re.match(scope, item.name).
#include "varscope/collections.h"

#include <regex>

#include "core/graph_impl.h"
#include "varscope/error.h"

namespace varscope {

const Variable& CollectionItem::variable() const {
  if (auto* v = std::get_if<Variable>(&value_)) return *v;
  throw TypeError("collection item " + name() + " is not a Variable");
}

Output CollectionItem::tensor() const {
  if (auto* t = std::get_if<Output>(&value_)) return *t;
  throw TypeError("collection item " + name() + " is not a tensor");
}

Node* CollectionItem::op() const {
  if (auto* n = std::get_if<Node*>(&value_)) return *n;
  throw TypeError("collection item " + name() + " is not an operation");
}

std::string CollectionItem::name() const {
  if (auto* v = std::get_if<Variable>(&value_)) return v->name();
  if (auto* t = std::get_if<Output>(&value_)) return t->name();
  Node* op = std::get<Node*>(value_);
  return op ? op->name() : std::string("<null>");
}

void add_to_collection(std::string_view key, CollectionItem item, Graph& graph) {
  std::lock_guard lock(graph.impl().mutex);
  auto& collections = graph.impl().collections;
  auto it = collections.find(key);
  const bool created = it == collections.end();
  if (created) it = collections.emplace(std::string(key), std::vector<CollectionItem>{}).first;
  it->second.push_back(std::move(item));
  graph.impl().on_rollback([&collections, it, created] {
    it->second.pop_back();
    if (created) collections.erase(it);
  });
}

namespace {

// A scope without regex metacharacters (the common "tower/conv1/") is a plain prefix test.
bool is_plain(std::string_view s) { return s.find_first_of(".^$|()[]{}*+?\\") == std::string_view::npos; }

}  // namespace

std::vector<CollectionItem> get_collection(std::string_view key, std::string_view scope, Graph& graph) {
  std::vector<CollectionItem> items;
  {
    std::lock_guard lock(graph.impl().mutex);
    auto it = graph.impl().collections.find(key);
    if (it == graph.impl().collections.end()) return {};
    items = it->second;
  }
  if (scope.empty()) return items;
  std::vector<CollectionItem> out;
  if (is_plain(scope)) {
    for (auto& item : items) {
      if (item.name().compare(0, scope.size(), scope) == 0) out.push_back(std::move(item));
    }
    return out;
  }
  std::regex re;
  try {
    re = std::regex(std::string(scope));
  } catch (const std::regex_error& e) {
    throw ValueError("get_collection: scope '" + std::string(scope) + "' is not a valid regular expression: " + e.what());
  }
  for (auto& item : items) {
    std::string n = item.name();
    if (std::regex_search(n, re, std::regex_constants::match_continuous)) out.push_back(std::move(item));
  }
  return out;
}

std::vector<Variable> get_variable_collection(std::string_view key, std::string_view scope, Graph& graph) {
  std::vector<Variable> out;
  for (const CollectionItem& item : get_collection(key, scope, graph)) {
    if (item.is_variable()) out.push_back(item.variable());
  }
  return out;
}

std::vector<Output> get_tensor_collection(std::string_view key, std::string_view scope, Graph& graph) {
  std::vector<Output> out;
  for (const CollectionItem& item : get_collection(key, scope, graph)) {
    if (item.is_tensor()) out.push_back(item.tensor());
  }
  return out;
}

std::vector<std::string> get_all_collection_keys(Graph& graph) {
  std::lock_guard lock(graph.impl().mutex);
  std::vector<std::string> keys;
  for (const auto& [key, items] : graph.impl().collections) keys.push_back(key);
  return keys;
}

std::vector<Variable> global_variables(std::string_view scope, Graph& graph) {
  return get_variable_collection(GraphKeys::GLOBAL_VARIABLES, scope, graph);
}
std::vector<Variable> trainable_variables(std::string_view scope, Graph& graph) {
  return get_variable_collection(GraphKeys::TRAINABLE_VARIABLES, scope, graph);
}
std::vector<Variable> local_variables(std::string_view scope, Graph& graph) {
  return get_variable_collection(GraphKeys::LOCAL_VARIABLES, scope, graph);
}
std::vector<Output> get_regularization_losses(std::string_view scope, Graph& graph) {
  return get_tensor_collection(GraphKeys::REGULARIZATION_LOSSES, scope, graph);
}

}  // namespace varscope
