// The nn kernel list, split by concept into conv_, pool_, activation_ and softmax_kernels.cpp.
#include "cpu/kernels/nn_kernels.h"

namespace varscope::cpu {

void register_nn_kernels(KernelRegistry& registry) {
  register_conv_kernels(registry);        // Conv2D Conv2DBackpropInput Conv2DBackpropFilter
  register_pool_kernels(registry);        // MaxPool AvgPool MaxPoolGrad AvgPoolGrad
  register_activation_kernels(registry);  // Relu Sigmoid Tanh Exp, their grads, BiasAdd(Grad)
  register_softmax_kernels(registry);  // Softmax LogSoftmax (Sparse)SoftmaxCrossEntropyWithLogits
}

}  // namespace varscope::cpu
