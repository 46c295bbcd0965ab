// State kernels: VariableV2 outputs the session's current value of the variable (undefined when
// uninitialized: the executor reports that); Assign copies its value into a fresh buffer from the
// backend's Variable pool (accounted under the variable's memory category, so optimizer slots
// count as OptimizerSlot) and makes it the variable's value, so earlier reads stay unchanged.
// AssignAdd / AssignSub update the variable's buffer in place, as TF's ref-variable kernels do.
#include <memory>
#include <string>

#include "core/tensor_buffer.h"
#include "core/variable_memory.h"
#include "cpu/kernels/kernel_util.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

void variable_kernel(KernelContext& ctx) { ctx.set_output(0, ctx.variables().get(&ctx.node())); }

void assign_kernel(KernelContext& ctx) {
  const Node& variable = *ctx.node().inputs().at(0).node;
  const Tensor& value = ctx.input(1);
  const bool validate_shape =
      !ctx.node().has_attr("validate_shape") || ctx.node().attr_as<bool>("validate_shape");
  if (validate_shape) {
    const Shape& declared = variable.output_shape(0);
    if (!declared.is_compatible_with(value.shape())) {
      ctx.fail("shapes " + declared.to_string() + " and " + value.shape().to_string() + " are incompatible");
    }
  }
  if (value.dtype() != variable.output_dtype(0)) {
    ctx.fail("dtypes " + std::string(dtype_name(variable.output_dtype(0))) + " and " +
             std::string(dtype_name(value.dtype())) + " differ");
  }
  auto buffer = std::make_shared<TensorBuffer>(ctx.backend().allocator(), value.nbytes(),
                                               variable_memory_category(variable), value.device());
  Tensor stored(value.dtype(), value.shape(), std::move(buffer));
  if (value.nbytes() > 0) ctx.backend().copy_on_device(stored.raw_data(), value.raw_data(), value.nbytes());
  ctx.variables().set(&variable, stored);
  ctx.set_output(0, std::move(stored));
}

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
  registry.add("VariableV2", DeviceType::kCPU, DType::kInvalid, variable_kernel);
  registry.add("Assign", DeviceType::kCPU, DType::kInvalid, assign_kernel);
  for_each_math_dtype([&](auto zero, DType dtype) {
    using T = decltype(zero);
    registry.add("AssignAdd", DeviceType::kCPU, dtype, assign_update_kernel<T, true>);
    registry.add("AssignSub", DeviceType::kCPU, dtype, assign_update_kernel<T, false>);
  });
}

}  // namespace varscope::cpu
