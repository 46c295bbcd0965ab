// OpDefs of the neural-network ops (NHWC).
#include "core/op_def.h"
#include "core/ops/shape_fns.h"

namespace varscope {

void register_nn_ops(OpRegistry& registry) { (void)registry; }

}  // namespace varscope
