// The state behind Variable and PartitionedVariable handles, and the one function that builds a
// variable's nodes (shared by the Variable constructor and the variable store).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "varscope/source_location.h"
#include "varscope/variable.h"
#include "varscope/variable_scope.h"

namespace varscope {

struct VariableData {
  Graph* graph = nullptr;
  std::string op_name{};
  Shape shape{};
  DType dtype = DType::kInvalid;
  bool trainable = true;
  Node* variable_op = nullptr;
  Node* initializer_op = nullptr;
  Node* read_op = nullptr;
  Output initial_value{};
  std::string caching_device{};
  Constraint constraint{};
  std::optional<SaveSliceInfo> save_slice_info{};
  SourceLocation creation_site{};
  Synchronization synchronization = Synchronization::kAuto;
  Aggregation aggregation = Aggregation::kNone;
};

struct PartitionedVariableData {
  Graph* graph = nullptr;
  std::string name{};
  Shape shape{};
  DType dtype = DType::kInvalid;
  std::vector<std::int64_t> partitions{};
  std::vector<Variable> shards{};
  Output concatenated{};  // built on first use, under the graph mutex
};

/// How a new variable gets its initial value: built by `thunk` under "<name>/Initializer/"
/// (callable initializers), or a graph tensor, or a host value made a Const "<name>/initial_value".
struct InitialValue {
  std::function<Output()> thunk{};
  Output tensor{};
  Tensor host{};
};

struct CreateVariableArgs {
  /// Name relative to the current name scope (uniquified); nullopt = "Variable".
  std::optional<std::string> name{};
  InitialValue initial_value{};
  /// Convert/check the initial value's dtype.
  std::optional<DType> dtype{};
  bool trainable = true;
  std::optional<std::vector<std::string>> collections{};
  bool validate_shape = true;
  std::optional<CachingDevice> caching_device{};
  Constraint constraint{};
  Synchronization synchronization = Synchronization::kAuto;
  Aggregation aggregation = Aggregation::kNone;
  SourceLocation creation_site = SourceLocation::current();
};

/// TF's RefVariable._init_from_args in graph mode: VariableV2 "F", "F/Assign", "F/read", built
/// outside any control dependencies, then added to its collections.
Variable create_variable(Graph& graph, CreateVariableArgs args);

}  // namespace varscope
