// The per-graph store of variables made by get_variable (TF's _VariableStore).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "varscope/source_location.h"
#include "varscope/variable_scope.h"

namespace varscope {

/// Maps full names to variables and partitioned variables; owned by a Graph (graph.variable_store()).
/// Thread-safe: "look up or create" is atomic.
class VariableStore {
 public:
  explicit VariableStore(Graph& graph) : graph_(graph) {}
  VariableStore(const VariableStore&) = delete;
  VariableStore& operator=(const VariableStore&) = delete;

  /// The true getter, called directly: `reuse` nullopt is TF's None (get if present, else create).
  /// `name` is the full name; no scope defaults apply (dtype defaults to float32).
  GetVariableResult get_variable(std::string_view name, const Shape& shape = Shape::unknown(),
                                 GetVariableOptions options = {}, std::optional<Reuse> reuse = std::nullopt,
                                 SourceLocation location = SourceLocation::current());
  /// The true getter on fully resolved arguments (what custom getters' `getter` calls).
  GetVariableResult get_variable(const GetterArgs& args, std::optional<Reuse> reuse);

  /// The variable of that full name, if the store made one.
  std::optional<Variable> find(std::string_view name) const;
  std::optional<PartitionedVariable> find_partitioned(std::string_view name) const;
  /// Every variable of the store, in creation order (shards included, partitioned wrappers not).
  std::vector<Variable> variables() const;
  std::size_t size() const;

 private:
  Graph& graph_;
};

}  // namespace varscope
