// The state behind a VariableScopeRef (TF's VariableScope object).
#pragma once

#include <optional>
#include <string>

#include "varscope/variable_scope.h"

namespace varscope {

struct VariableScopeData {
  Graph* graph = nullptr;
  std::string name{};
  std::string original_name_scope{};
  Reuse reuse{};
  Initializer initializer{};
  Regularizer regularizer{};
  std::optional<CachingDevice> caching_device{};
  Partitioner partitioner{};
  CustomGetter custom_getter{};
  DType dtype = DType::kFloat32;
  Constraint constraint{};
};

/// The current variable scope of this thread on `graph` (the root scope when none is open).
const std::shared_ptr<VariableScopeData>& current_variable_scope(Graph& graph);

}  // namespace varscope
