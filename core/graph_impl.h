// GraphImpl: the state behind a Graph. Shared state (nodes, names in use, collections, the
// variable store) is guarded by one recursive mutex, TF's GIL in effect; scope stacks are per
// (graph, thread) and need no lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "varscope/collections.h"
#include "varscope/graph.h"
#include "varscope/memory.h"
#include "varscope/variable.h"
#include "varscope/variable_store.h"

namespace varscope {

struct VariableScopeData;

/// One entry of the control-dependency stack; `clear` marks tf.control_dependencies(None).
struct ControlFrame {
  std::vector<Node*> ops;
  bool clear = false;
};

/// One entry of the device stack: a device spec, a device function, or tf.device(None).
struct DeviceFrame {
  Device device{};
  DeviceFunction function{};
  bool clear = false;
};

/// One entry of the colocation stack: the groups ("loc:@v") and the device they imply.
struct ColocationFrame {
  std::vector<std::string> groups{};
  std::string device{};
};

/// What one thread has open on one graph.
struct ThreadState {
  std::string name_stack{};
  std::vector<ControlFrame> control_stack{};
  std::vector<DeviceFrame> device_stack{};
  std::vector<ColocationFrame> colocation_stack{};
  /// The current variable scope; the root scope is created on first use.
  std::shared_ptr<VariableScopeData> variable_scope{};
  /// Times each variable scope name was entered (default-name uniquification).
  std::unordered_map<std::string, int> variable_scope_counts{};
};

struct GraphImpl {
  explicit GraphImpl(Graph& graph);

  /// This thread's state on this graph.
  ThreadState& thread_state();

  std::string unique_name_locked(std::string_view name, bool mark_as_used);
  Node& create_node(NodeSpec spec);

  Graph& graph;
  const std::uint64_t id;
  mutable std::recursive_mutex mutex;

  std::vector<std::unique_ptr<Node>> nodes{};
  std::unordered_map<std::string, Node*> nodes_by_name;
  /// Lower-cased full name -> use count (TF's _names_in_use).
  std::unordered_map<std::string, std::int64_t> names_in_use{};
  std::map<std::string, std::vector<CollectionItem>, std::less<>> collections{};
  std::optional<std::int64_t> seed{};

  // The variable store's maps (core/variable_store.cpp).
  std::unordered_map<std::string, Variable> store_variables{};
  std::vector<Variable> store_order{};
  std::unordered_map<std::string, PartitionedVariable> store_partitioned{};
  /// Variables made with the Variable constructor (kept alive with the graph).
  std::vector<Variable> standalone_variables{};
  /// What a variable's memory is accounted as, when not Variable (optimizer slots).
  std::unordered_map<const Node*, MemoryCategory> variable_categories{};
  std::unique_ptr<VariableStore> store{};

  /// Graph-building calls in progress (GraphTransaction) and how to undo, newest last, what they
  /// changed: nodes, names marked as used, collection and store entries. (TF keeps the names a
  /// failed op used, and the nodes it made before failing; varscope keeps neither.)
  int transaction_depth = 0;
  std::vector<std::function<void()>> undo_log{};
  /// Records how to undo a change just made, while a GraphTransaction is open. Caller holds the
  /// mutex; `undo` must not throw.
  void on_rollback(std::function<void()> undo) {
    if (transaction_depth > 0) undo_log.push_back(std::move(undo));
  }
  /// Marks `key` as used `count` times, undoably.
  void set_name_use(const std::string& key, std::int64_t count);
};

/// TF1's op-name rule: "^[A-Za-z0-9.][A-Za-z0-9_.\-/]*$".
bool is_valid_op_name(std::string_view name);
/// TF1's rule for a scope opened below the root: "^[A-Za-z0-9_.\-/]*$".
bool is_valid_scope_name(std::string_view name);

/// The state of the current thread on `graph`.
inline ThreadState& thread_state(Graph& graph) { return graph.impl().thread_state(); }

}  // namespace varscope
