// Constraints: projections an optimizer applies to a variable after each update (TF's
// `constraint=` argument). get_variable only records them on the Variable.
#pragma once

#include <functional>

#include "varscope/graph.h"

namespace varscope {

/// Maps a variable's value to its projected value. Empty = none.
using Constraint = std::function<Output(const Output& value)>;

/// Clamps negative entries to zero (tf.keras.constraints.NonNeg).
Output non_neg(const Output& value);

}  // namespace varscope
