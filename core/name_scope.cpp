// NameScope: TF1's Graph.name_scope on the default graph (spec §1.2).
#include "varscope/name_scope.h"

#include "core/graph_impl.h"
#include "varscope/error.h"

namespace varscope {

NameScope::NameScope(std::string_view name) : graph_(&get_default_graph()) { enter(name); }

NameScope::NameScope(std::optional<std::string_view> name, std::string_view default_name)
    : graph_(&get_default_graph()) {
  enter(name ? *name : default_name);
}

void NameScope::enter(std::string_view name) {
  ThreadState& ts = thread_state(*graph_);
  if (!name.empty()) {
    // Below the root a scope may start with '_', '-' or '/'; at the root it must look like an op name.
    bool valid = ts.name_stack.empty() ? is_valid_op_name(name) : is_valid_scope_name(name);
    if (!valid) throw ValueError("'" + std::string(name) + "' is not a valid scope name");
  }
  previous_ = ts.name_stack;
  if (name.empty()) {
    ts.name_stack.clear();
    name_.clear();
  } else if (name.back() == '/') {
    ts.name_stack = std::string(name.substr(0, name.size() - 1));
    name_ = std::string(name);
  } else {
    ts.name_stack = graph_->unique_name(name);
    name_ = ts.name_stack + "/";
  }
}

NameScope::~NameScope() { thread_state(*graph_).name_stack = previous_; }

std::string get_name_scope() { return get_default_graph().get_name_scope(); }

}  // namespace varscope
