// CPU kernels of the optimizer update ops: they update the variable (input 0) and its slots in place.
#include "cpu/kernels/kernel_util.h"

namespace varscope::cpu {

void register_training_kernels(KernelRegistry& registry) { (void)registry; }

}  // namespace varscope::cpu
