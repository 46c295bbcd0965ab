// The dataflow graph: nodes named as TensorFlow names them, and the default-graph stack.
//
// Naming, exactly as TF1's Graph.unique_name (see ../../shared/spec/variable_scope.md §1.2):
//
//   Graph g;
//   DefaultGraph use{g};
//   auto a = constant(Tensor::scalar(1.0f), "c");   // "c:0"
//   auto b = constant(Tensor::scalar(1.0f), "c");   // "c_1:0"   (names are unique per graph)
//   {
//     NameScope ns{"nested"};                       // "nested/"
//     auto c = constant(Tensor::scalar(1.0f), "c"); // "nested/c:0"
//   }
//   auto d = constant(Tensor::scalar(1.0f), "C");   // "C_2:0"   (compared case-insensitively)
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "varscope/dtype.h"
#include "varscope/shape.h"
#include "varscope/tensor.h"

namespace varscope {

class Graph;
class Node;
class VariableStore;
struct GraphImpl;

/// Output `index` of a node: TF's tf.Tensor in a graph, named "node:index".
struct Output {
  Node* node = nullptr;
  int index = 0;

  Output() = default;
  Output(Node* n, int i = 0) : node(n), index(i) {}

  bool valid() const { return node != nullptr; }
  /// "scope/op:0".
  std::string name() const;
  DType dtype() const;
  /// The statically inferred shape (possibly partial).
  const Shape& shape() const;
  Graph& graph() const;

  auto operator<=>(const Output&) const = default;
};

/// A node attribute value (TF's AttrValue).
using AttrValue = std::variant<bool, std::int64_t, double, std::string, DType, Shape, Tensor,
                               std::vector<std::int64_t>, std::vector<DType>>;
using AttrMap = std::map<std::string, AttrValue, std::less<>>;

/// One operation in a Graph (TF's tf.Operation). Created by op builders (ops.h); owned by the
/// graph; never moves, so Node* and Output stay valid for the graph's lifetime.
class Node {
 public:
  /// Only the graph can make the key, so only the graph creates nodes (Graph::create_node).
  class Key {
    friend struct GraphImpl;
    Key() = default;
  };
  explicit Node(Key) {}
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  /// Full name: "tower_1/conv1/Conv2D".
  const std::string& name() const { return name_; }
  /// TF op type: "Conv2D", "VariableV2".
  const std::string& op() const { return op_; }
  /// Creation index in the graph (inputs always have smaller ids).
  std::int64_t id() const { return id_; }
  Graph& graph() const { return *graph_; }

  const std::vector<Output>& inputs() const { return inputs_; }
  const std::vector<Node*>& control_inputs() const { return control_inputs_; }

  int num_outputs() const { return static_cast<int>(output_dtypes_.size()); }
  Output output(int i = 0) { return Output(this, i); }
  DType output_dtype(int i) const { return output_dtypes_.at(static_cast<std::size_t>(i)); }
  const Shape& output_shape(int i) const { return output_shapes_.at(static_cast<std::size_t>(i)); }

  /// Requested device in canonical form ("/device:GPU:0"), "" when unconstrained.
  const std::string& device() const { return device_; }
  /// Colocation constraints as TF writes them in the `_class` attr: {"loc:@foo/v"}.
  const std::vector<std::string>& colocation_groups() const { return colocation_groups_; }

  bool has_attr(std::string_view attr_name) const { return attrs_.find(attr_name) != attrs_.end(); }
  /// Throws NotFoundError naming the node when absent.
  const AttrValue& attr(std::string_view attr_name) const;
  /// The attribute as T; throws NotFoundError when absent, InvalidArgumentError when of another type.
  template <class T>
  const T& attr_as(std::string_view attr_name) const;
  const AttrMap& attrs() const { return attrs_; }

  /// One line: name, op, inputs, device.
  std::string debug_string() const;

 private:
  friend struct GraphImpl;

  Graph* graph_ = nullptr;
  std::int64_t id_ = 0;
  std::string name_;
  std::string op_;
  std::vector<Output> inputs_;
  std::vector<Node*> control_inputs_;
  std::vector<DType> output_dtypes_;
  std::vector<Shape> output_shapes_;
  std::string device_;
  std::vector<std::string> colocation_groups_;
  AttrMap attrs_;
};

/// What an op builder asks the graph to create. Op builders fill it; Graph::create_node applies
/// the thread's name scope, control dependencies, device and colocation scopes.
struct NodeSpec {
  std::string op{};
  /// Requested name, relative to the current name scope and uniquified; a trailing "/" means
  /// "use verbatim" (TF). Empty means the op type.
  std::string name{};
  std::vector<Output> inputs{};
  std::vector<Node*> control_inputs{};
  AttrMap attrs{};
};

/// A function choosing a node's device at creation (TF device functions): returns a device string.
using DeviceFunction = std::function<std::string(const Node&)>;

/// A TF1 graph: nodes, the name registry, collections, the variable store and per-thread scope
/// stacks. Thread-safe: any number of threads may build into one graph.
class Graph {
 public:
  Graph();
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  /// Unique per process; never reused.
  std::uint64_t id() const;

  /// TF's Graph.unique_name: prefixes the current name scope, then "name", "name_1", ...
  /// (case-insensitive). With mark_as_used=false, reports the next name without reserving it.
  std::string unique_name(std::string_view name, bool mark_as_used = true);
  /// The current thread's name scope without trailing "/" ("" at the root).
  std::string get_name_scope() const;

  /// Creates a node: resolves its name, validates it, infers output dtypes and shapes from the
  /// op's OpDef, adds the current control dependencies, device and colocation. Throws
  /// ValueError for an invalid name, InvalidArgumentError for bad inputs, NotFoundError for an
  /// unknown op.
  Node& create_node(NodeSpec spec);

  /// The node of that exact name, or nullptr.
  Node* find_node(std::string_view name) const;
  /// A tensor by name ("foo/bar:0"); throws NotFoundError.
  Output tensor_by_name(std::string_view name) const;
  /// All nodes in creation order (a snapshot).
  std::vector<Node*> nodes() const;
  std::size_t num_nodes() const;

  /// TF's graph-level seed (tf.set_random_seed); nullopt = unset.
  void set_random_seed(std::optional<std::int64_t> seed);
  std::optional<std::int64_t> random_seed() const;
  /// TF's random_seed.get_seed: the (seed, seed2) pair an op with `op_seed` uses.
  std::pair<std::int64_t, std::int64_t> get_seed(std::optional<std::int64_t> op_seed);

  /// The graph's store of get_variable variables.
  VariableStore& variable_store();

  /// Internal state (core/graph_impl.h); not part of the stable API.
  GraphImpl& impl() const { return *impl_; }

 private:
  std::unique_ptr<GraphImpl> impl_;
};

/// The innermost graph made default on this thread, else the process-wide default graph.
Graph& get_default_graph();
/// Replaces the process-wide default graph with a fresh one (tf.reset_default_graph). Throws
/// FailedPreconditionError when called inside a DefaultGraph block on this thread.
void reset_default_graph();

/// `with g.as_default():` — makes `graph` this thread's default until destroyed.
class [[nodiscard]] DefaultGraph {
 public:
  [[nodiscard]] explicit DefaultGraph(Graph& graph);
  ~DefaultGraph();
  DefaultGraph(const DefaultGraph&) = delete;
  DefaultGraph& operator=(const DefaultGraph&) = delete;

 private:
  Graph* graph_;
};

/// `with tf.control_dependencies(ops):` — nodes created inside run after `ops`. Constructed from
/// nullptr it clears all enclosing control dependencies (tf.control_dependencies(None)).
class [[nodiscard]] ControlDependencies {
 public:
  [[nodiscard]] explicit ControlDependencies(std::vector<Node*> ops);
  [[nodiscard]] explicit ControlDependencies(const std::vector<Output>& tensors);
  [[nodiscard]] explicit ControlDependencies(std::nullptr_t);
  ~ControlDependencies();
  ControlDependencies(const ControlDependencies&) = delete;
  ControlDependencies& operator=(const ControlDependencies&) = delete;

 private:
  Graph* graph_;
};

/// `with tf.device(spec):` — a device string ("/gpu:0"; inner fields override outer ones) or a
/// device function. From nullptr it clears enclosing device scopes (tf.device(None)).
class [[nodiscard]] DeviceScope {
 public:
  [[nodiscard]] explicit DeviceScope(std::string_view device);
  [[nodiscard]] explicit DeviceScope(DeviceFunction device_function);
  [[nodiscard]] explicit DeviceScope(std::nullptr_t);
  ~DeviceScope();
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  Graph* graph_;
};

/// `with tf.colocate_with(op):` — nodes created inside share `op`'s colocation group and device.
class [[nodiscard]] ColocateWith {
 public:
  [[nodiscard]] explicit ColocateWith(const Node& op);
  ~ColocateWith();
  ColocateWith(const ColocateWith&) = delete;
  ColocateWith& operator=(const ColocateWith&) = delete;

 private:
  Graph* graph_;
};

template <class T>
const T& Node::attr_as(std::string_view attr_name) const {
  const AttrValue& value = attr(attr_name);
  if (const T* p = std::get_if<T>(&value)) return *p;
  throw InvalidArgumentError("node '" + name_ + "' (" + op_ + "): attr '" + std::string(attr_name) +
                             "' has another type");
}

}  // namespace varscope

template <>
struct std::hash<varscope::Output> {
  std::size_t operator()(const varscope::Output& o) const noexcept {
    return std::hash<const void*>()(o.node) ^ (static_cast<std::size_t>(o.index) * 0x9e3779b97f4a7c15ULL);
  }
};
