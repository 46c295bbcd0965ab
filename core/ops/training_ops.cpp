// OpDefs of the optimizer update ops (ApplyGradientDescent, ApplyMomentum, ApplyAdam).
#include "core/op_def.h"
#include "core/ops/shape_fns.h"

namespace varscope {

void register_training_ops(OpRegistry& registry) { (void)registry; }

}  // namespace varscope
