// State kernels: VariableV2 outputs the session's current value of the variable (undefined when
// uninitialized: the executor reports that); Assign copies its value into a fresh buffer from the
// backend's Variable pool and makes it the variable's value, so earlier reads stay unchanged.
#include <memory>
#include <string>

#include "core/tensor_buffer.h"
#include "cpu/kernels/kernel_util.h"

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
  auto buffer = std::make_shared<TensorBuffer>(ctx.backend().allocator(), value.nbytes(), MemoryCategory::kVariable,
                                               value.device());
  Tensor stored(value.dtype(), value.shape(), std::move(buffer));
  if (value.nbytes() > 0) ctx.backend().copy_on_device(stored.raw_data(), value.raw_data(), value.nbytes());
  ctx.variables().set(&variable, stored);
  ctx.set_output(0, std::move(stored));
}

}  // namespace

void register_state_kernels(KernelRegistry& registry) {
  registry.add("VariableV2", DeviceType::kCPU, DType::kInvalid, variable_kernel);
  registry.add("Assign", DeviceType::kCPU, DType::kInvalid, assign_kernel);
}

}  // namespace varscope::cpu
