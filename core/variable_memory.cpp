#include "core/variable_memory.h"

#include <mutex>

#include "core/graph_impl.h"
#include "varscope/error.h"

namespace varscope {

void set_variable_memory_category(const Variable& variable, MemoryCategory category) {
  if (!variable) throw InvalidArgumentError("set_variable_memory_category: null variable");
  GraphImpl& impl = variable.op()->graph().impl();
  std::lock_guard lock(impl.mutex);
  const auto [it, inserted] = impl.variable_categories.try_emplace(variable.op(), category);
  if (inserted) {
    impl.on_rollback([&impl, op = variable.op()] { impl.variable_categories.erase(op); });
  } else {
    impl.on_rollback([&impl, op = variable.op(), previous = it->second] { impl.variable_categories[op] = previous; });
    it->second = category;
  }
}

MemoryCategory variable_memory_category(const Node& variable_op) {
  GraphImpl& impl = variable_op.graph().impl();
  std::lock_guard lock(impl.mutex);
  auto it = impl.variable_categories.find(&variable_op);
  return it == impl.variable_categories.end() ? MemoryCategory::kVariable : it->second;
}

}  // namespace varscope
