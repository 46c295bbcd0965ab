// AssignAdd / AssignSub update the variable's buffer in place, as TF's ref-variable kernels do
// (VariableV2 and Assign are device-agnostic: core/common_kernels.cpp).
#include <string>

#include "cpu/kernels/kernel_util.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

// variable += value (kAdd) or variable -= value, in place; the output is the variable.
template <class T, bool kAdd>
void assign_update_kernel(KernelContext& ctx) {
  Tensor variable = ctx.input(0);
  const Tensor& value = ctx.input(1);
  if (variable.shape() != value.shape()) {
    ctx.fail("variable " + ctx.node().inputs().at(0).node->name() + " has shape " + variable.shape().to_string() +
             " but the value has shape " + value.shape().to_string());
  }
  T* out = elements<T>(variable);
  const T* in = elements<T>(value);
  parallel_for(variable.num_elements(), 1.0, [&](std::int64_t begin, std::int64_t end) {
    Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> a(out + begin, end - begin);
    Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> b(in + begin, end - begin);
    if constexpr (kAdd) {
      a += b;
    } else {
      a -= b;
    }
  });
  ctx.set_output(0, std::move(variable));
}

}  // namespace

void register_state_kernels(KernelRegistry& registry) {
  for_each_math_dtype([&](auto zero, DType dtype) {
    using T = decltype(zero);
    registry.add("AssignAdd", DeviceType::kCPU, dtype, assign_update_kernel<T, true>);
    registry.add("AssignSub", DeviceType::kCPU, dtype, assign_update_kernel<T, false>);
  });
}

}  // namespace varscope::cpu
