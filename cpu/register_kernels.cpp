// The one explicit list of CPU kernels: each line adds one file's (op, dtype) -> kernel table
// (grep "registry.add" under cpu/kernels/ for the full list of what the CPU supports).
#include "cpu/register_kernels.h"

#include "core/common_kernels.h"
#include "cpu/kernels/kernel_util.h"

namespace varscope {

void register_cpu_kernels(KernelRegistry& registry) {
  register_common_kernels(registry, DeviceType::kCPU);  // Const Identity StopGradient PreventGradient NoOp
                                                        // Reshape ExpandDims Shape ShapeN Size Rank
                                                        // VariableV2 Assign
  cpu::register_array_kernels(registry);      // Placeholder Fill ConcatV2 Slice Cast Transpose Tile BroadcastTo
                                              // Pad GatherV2 Pack DynamicStitch ZerosLike OnesLike
                                              // BroadcastGradientArgs ConcatOffset InvertPermutation
  cpu::register_math_kernels(registry);       // Add Sub Mul Maximum RealDiv FloorMod Equal GreaterEqual AddN
                                              // Select Abs Square Neg Sign Sqrt SqrtGrad Range
  cpu::register_matmul_kernels(registry);     // MatMul
  cpu::register_reduction_kernels(registry);  // Sum Mean Prod Max ArgMax L2Loss
  cpu::register_random_kernels(registry);     // RandomUniform RandomStandardNormal TruncatedNormal
  cpu::register_state_kernels(registry);      // AssignAdd AssignSub
  cpu::register_nn_kernels(registry);         // Conv2D(+backprops) BiasAdd MaxPool AvgPool activations softmax
  cpu::register_training_kernels(registry);   // ApplyGradientDescent ApplyMomentum ApplyAdam
}

}  // namespace varscope
