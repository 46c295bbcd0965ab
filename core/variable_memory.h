// What a variable's memory is accounted as: Variable by default, OptimizerSlot for the slots and
// accumulators optimizers create (so memory_stats tells model size from optimizer state).
#pragma once

#include "varscope/graph.h"
#include "varscope/memory.h"
#include "varscope/variable.h"

namespace varscope {

void set_variable_memory_category(const Variable& variable, MemoryCategory category);
/// For a VariableV2 node; kVariable unless set otherwise.
MemoryCategory variable_memory_category(const Node& variable_op);

}  // namespace varscope
