// The one list of CUDA kernels, (op, dtype) -> function: what the GPU supports, in one greppable
// place (cpu/register_kernels.cpp holds the CPU's). Plain calls, no static self-registration: a
// static library drops object files nothing references.
#include "core/common_kernels.h"
#include "core/kernel.h"
#include "cuda/cuda_backend.h"
#include "cuda/kernels/kernel_lists.h"

namespace varscope::cuda {

void register_cuda_kernels(KernelRegistry& registry) {
  register_common_kernels(registry, DeviceType::kGPU);  // Const Identity StopGradient PreventGradient NoOp
                                                        // Reshape ExpandDims Shape ShapeN Size Rank
                                                        // VariableV2 Assign
  register_array_kernels(registry);       // Fill ConcatV2 Slice Cast Transpose Tile BroadcastTo Pad GatherV2
                                          // Pack DynamicStitch ZerosLike OnesLike Select (+ host: shape math)
  register_math_kernels(registry);        // Add Sub Mul Maximum RealDiv FloorMod Equal GreaterEqual AddN Abs
                                          // Square Neg Sign Sqrt SqrtGrad Range
  register_matmul_kernels(registry);      // MatMul (cuBLAS; int32/int64: own kernel)
  register_conv_kernels(registry);        // Conv2D Conv2DBackpropInput Conv2DBackpropFilter (cuDNN)
  register_pool_kernels(registry);        // MaxPool AvgPool (cuDNN) MaxPoolGrad AvgPoolGrad
  register_activation_kernels(registry);  // Relu Sigmoid Tanh Exp, their grads, BiasAdd BiasAddGrad
  register_softmax_kernels(registry);     // Softmax LogSoftmax (Sparse)SoftmaxCrossEntropyWithLogits
  register_reduction_kernels(registry);   // Sum Mean Prod Max ArgMax L2Loss
  register_random_kernels(registry);      // RandomUniform RandomStandardNormal TruncatedNormal
  register_training_kernels(registry);    // ApplyGradientDescent ApplyMomentum ApplyAdam
  register_state_kernels(registry);       // AssignAdd AssignSub
}

}  // namespace varscope::cuda
