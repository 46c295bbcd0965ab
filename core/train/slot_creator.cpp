// TF's slot_creator.create_zeros_slot / create_slot_with_initializer / _create_slot_var.
#include "core/train/slot_creator.h"

#include "core/variable_memory.h"
#include "core/variable_scope_data.h"
#include "varscope/error.h"
#include "varscope/initializers.h"
#include "varscope/variable_scope.h"

namespace varscope::train {

Variable create_zeros_slot(const Variable& primary, const std::string& name) {
  if (!primary) throw ValueError("create_zeros_slot: the primary variable is a null handle");
  const Shape& shape = primary.shape();
  if (!shape.is_fully_defined()) {
    throw UnimplementedError("Cannot create slot " + name + " of variable " + primary.op_name() +
                             ": its shape " + shape.to_string() + " is not fully defined");
  }
  DefaultGraph use{primary.op()->graph()};
  // The slot is get_variable("") in a default-name scope: the scope name is the slot's name, and
  // its store key keeps TF's trailing "/" ("w/Adam/").
  VariableScope scope{std::nullopt, {.default_name = primary.op_name() + "/" + name}};
  // Note [Slots under reuse] (varscope/train.h): TF would look the new slot up and fail.
  VariableScopeData& data = *scope.scope().data();
  if (data.reuse.mode() == Reuse::Mode::kTrue) data.reuse = AUTO_REUSE;
  // _create_slot_var: slots are never partitioned; the scope is this slot's own copy.
  data.partitioner = nullptr;
  ColocateWith colocate{*primary.op()};
  Variable slot = get_variable("", shape,
                               {.dtype = primary.dtype(),
                                .initializer = zeros_initializer(),
                                .trainable = false,
                                .validate_shape = true})
                      .variable();
  set_variable_memory_category(slot, MemoryCategory::kOptimizerSlot);
  return slot;
}

}  // namespace varscope::train
