// The nn kernel list (split by concept into conv_, pool_, activation_ and softmax_kernels.cpp), and
// the kernels of the array ops only nn gradients use: ExpandDims, PreventGradient.
#include "cpu/kernels/nn_kernels.h"

#include <string>
#include <vector>

namespace varscope::cpu {
namespace {

// ExpandDims(input, dim): a view of the input with a 1 inserted at dim.
void expand_dims_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> dim = index_values(ctx, ctx.input(1), "dim");
  if (dim.size() != 1) ctx.fail("dim must hold one value, got " + list_to_string(dim));
  const int rank = in.shape().rank();
  std::int64_t axis = dim[0];
  if (axis < -rank - 1 || axis > rank) {
    ctx.fail("dim " + std::to_string(axis) + " is out of range [" + std::to_string(-rank - 1) +
             ", " + std::to_string(rank) + "] for input shape " + in.shape().to_string());
  }
  if (axis < 0) axis += rank + 1;
  std::vector<std::int64_t> dims = in.shape().dims();
  dims.insert(dims.begin() + axis, 1);
  ctx.set_output(0, in.reshaped(Shape(std::move(dims))));  // same bytes, new shape
}

// PreventGradient is the identity when run; it only stops gradients() (core/grad/nn_grad.cpp).
void prevent_gradient_kernel(KernelContext& ctx) { ctx.set_output(0, ctx.input(0)); }

}  // namespace

void register_nn_kernels(KernelRegistry& registry) {
  register_conv_kernels(registry);        // Conv2D Conv2DBackpropInput Conv2DBackpropFilter
  register_pool_kernels(registry);        // MaxPool AvgPool MaxPoolGrad AvgPoolGrad
  register_activation_kernels(registry);  // Relu Sigmoid Tanh Exp, their grads, BiasAdd(Grad)
  register_softmax_kernels(registry);  // Softmax LogSoftmax (Sparse)SoftmaxCrossEntropyWithLogits
  registry.add("ExpandDims", DeviceType::kCPU, DType::kInvalid, expand_dims_kernel);
  registry.add("PreventGradient", DeviceType::kCPU, DType::kInvalid, prevent_gradient_kernel);
}

}  // namespace varscope::cpu
