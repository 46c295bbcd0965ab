// The in-place variable update builders of varscope/ops.h: assign_add and assign_sub
// (tf.compat.v1.assign_add / assign_sub on a ref variable: ops AssignAdd / AssignSub, use_locking
// false).
#include "core/op_builder.h"
#include "varscope/error.h"
#include "varscope/ops.h"

namespace varscope {
namespace {

Output assign_update(const char* op, const Variable& variable, const Output& value,
                     std::string_view name) {
  if (!variable) throw ValueError("[" + std::string(op) + "] the variable is a null handle");
  Node* var = variable.op();
  Graph& graph = builder::graph_of(op, {var->output(0), value});
  return builder::make_node(graph, op, name, {var->output(0), value},
                            {{"T", var->output_dtype(0)}, {"use_locking", false}});
}

}  // namespace

Output assign_add(const Variable& variable, const Output& value, std::string_view name) {
  return assign_update("AssignAdd", variable, value, name);
}

Output assign_sub(const Variable& variable, const Output& value, std::string_view name) {
  return assign_update("AssignSub", variable, value, name);
}

}  // namespace varscope
