// AssignAdd / AssignSub on the GPU: the variable's buffer updated in place (TF's ref-variable
// kernels), through the element-wise Add/Sub launcher. VariableV2 and Assign are device-agnostic
// (core/common_kernels.cpp).
#include <string>

#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"
#include "cuda/kernels/math_kernels.h"

namespace varscope::cuda {
namespace {

template <BinaryOp kOp>
void assign_update_kernel(KernelContext& ctx) {
  Tensor variable = ctx.input(0);
  const Tensor& value = ctx.input(1);
  if (variable.shape() != value.shape()) {
    ctx.fail("variable " + ctx.node().inputs().at(0).node->name() + " has shape " + variable.shape().to_string() +
             " but the value has shape " + value.shape().to_string());
  }
  binary_flat(kOp, variable.dtype(), variable.raw_data(), false, value.raw_data(), false, variable.raw_data(),
              variable.num_elements(), stream_of(ctx));
  ctx.set_output(0, std::move(variable));
}

}  // namespace

void register_state_kernels(KernelRegistry& registry) {
  // int32 too: int32 Add nodes run on the host (shape arithmetic), but an int32 variable lives
  // on the device like any other.
  for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16, DType::kInt32,
                      DType::kInt64}) {
    registry.add("AssignAdd", DeviceType::kGPU, dtype, assign_update_kernel<BinaryOp::kAdd>);
    registry.add("AssignSub", DeviceType::kGPU, dtype, assign_update_kernel<BinaryOp::kSub>);
  }
}

}  // namespace varscope::cuda
