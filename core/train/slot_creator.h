// Slot variables of optimizers (TF's slot_creator): a variable shaped like its primary, made by
// get_variable in variable_scope(None, default_name="<primary op name>/<name>"), colocated with the
// primary, not trainable, accounted as OptimizerSlot memory.
#pragma once

#include <string>

#include "varscope/variable.h"

namespace varscope::train {

/// TF's create_zeros_slot: a zero-initialized slot of the primary's dtype and shape. Under an
/// inherited reuse=True the slot scope acts as AUTO_REUSE (see Note [Slots under reuse] in
/// varscope/train.h). Throws UnimplementedError for a primary without a fully defined shape.
Variable create_zeros_slot(const Variable& primary, const std::string& name);

}  // namespace varscope::train
