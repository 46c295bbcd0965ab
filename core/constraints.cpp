// Stock constraints.
#include "varscope/constraints.h"

#include "varscope/ops.h"

namespace varscope {

Output non_neg(const Output& value) { return maximum(value, constant(0.0, value.dtype(), "zero")); }

}  // namespace varscope
