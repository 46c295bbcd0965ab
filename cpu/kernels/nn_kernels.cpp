// CPU kernels of the neural-network ops.
#include "cpu/kernels/kernel_util.h"

namespace varscope::cpu {

void register_nn_kernels(KernelRegistry& registry) { (void)registry; }

}  // namespace varscope::cpu
