// tf.compat.v1.train's global step helpers (training_util.py).
#include "core/logging.h"
#include "core/op_builder.h"
#include "varscope/collections.h"
#include "varscope/error.h"
#include "varscope/name_scope.h"
#include "varscope/train.h"
#include "varscope/variable_scope.h"

namespace varscope::train {
namespace {

// TF's assert_global_step.
void assert_global_step(const Variable& step) {
  if (!is_integer(step.dtype())) {
    throw TypeError("Existing \"global_step\" does not have integer type: " +
                    dtype_repr(step.dtype()));
  }
  const Shape& shape = step.shape();
  if (shape.rank() != 0 && shape.is_fully_defined()) {
    throw TypeError("Existing \"global_step\" is not scalar: " + shape.to_string());
  }
}

}  // namespace

std::optional<Variable> get_global_step(Graph& graph) {
  const std::vector<CollectionItem> items = get_collection(GraphKeys::GLOBAL_STEP, "", graph);
  Variable step;
  if (items.size() == 1) {
    if (!items.front().is_variable()) {
      throw TypeError("Existing \"global_step\" must be a Variable: " + items.front().name() + ".");
    }
    step = items.front().variable();
  } else if (items.empty()) {
    // TF falls back to the tensor named "global_step:0".
    for (const Variable& v : get_variable_collection(GraphKeys::GLOBAL_VARIABLES, "", graph)) {
      if (v.name() == "global_step:0") step = v;
    }
    if (!step) return std::nullopt;
  } else {
    log_error("Multiple tensors in global_step collection.");
    return std::nullopt;
  }
  assert_global_step(step);
  return step;
}

Variable create_global_step(Graph& graph) {
  if (get_global_step(graph)) throw ValueError("\"global_step\" already exists.");
  builder::UseGraph use{graph};
  NameScope root{""};
  return get_variable(
             "global_step", Shape{},
             {.dtype = DType::kInt64,
              .initializer = zeros_initializer(),
              .trainable = false,
              .collections = std::vector<std::string>{std::string(GraphKeys::GLOBAL_VARIABLES),
                                                      std::string(GraphKeys::GLOBAL_STEP)},
              .aggregation = Aggregation::kOnlyFirstReplica})
      .variable();
}

Variable get_or_create_global_step(Graph& graph) {
  if (std::optional<Variable> step = get_global_step(graph)) return *step;
  return create_global_step(graph);
}

}  // namespace varscope::train
