#include "core/common_kernels.h"

#include <memory>
#include <string>
#include <vector>

#include "core/kernel_args.h"
#include "core/tensor_buffer.h"
#include "core/variable_memory.h"

namespace varscope {
namespace {

void const_kernel(KernelContext& ctx) {
  // A copy, so nothing downstream (or a caller holding a fetched result) can write into the graph.
  const Tensor& value = ctx.node().attr_as<Tensor>("value");
  Tensor& out = ctx.allocate_output(0, value.shape());
  if (value.nbytes() > 0) ctx.backend().copy_from_host(out.raw_data(), value.raw_data(), value.nbytes());
}

void identity_kernel(KernelContext& ctx) { ctx.set_output(0, ctx.input(0)); }  // shares the buffer

void no_op_kernel(KernelContext&) {}

void reshape_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  std::vector<std::int64_t> dims = index_values(ctx, ctx.input(1), "shape");
  int unknown = -1;
  std::int64_t product = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1 && unknown < 0) {
      unknown = static_cast<int>(i);
    } else if (dims[i] < 0) {
      ctx.fail("shape " + list_to_string(dims) + " has a negative dimension or more than one -1");
    } else {
      product *= dims[i];
    }
  }
  const std::int64_t n = in.num_elements();
  if (unknown >= 0 && product > 0 && n % product == 0) dims[static_cast<std::size_t>(unknown)] = n / product;
  if (unknown >= 0 && product == 0 && n == 0) dims[static_cast<std::size_t>(unknown)] = 0;
  Shape target(dims);
  if (target.num_elements() != n) {
    ctx.fail("cannot reshape a tensor of shape " + in.shape().to_string() + " (" + std::to_string(n) +
             " elements) into shape " + list_to_string(dims));
  }
  ctx.set_output(0, in.reshaped(target));  // a view: same bytes, new shape
}

// ExpandDims(input, dim): a view of the input with a 1 inserted at dim.
void expand_dims_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> dim = index_values(ctx, ctx.input(1), "dim");
  if (dim.size() != 1) ctx.fail("dim must hold one value, got " + list_to_string(dim));
  const int rank = in.shape().rank();
  std::int64_t axis = dim[0];
  if (axis < -rank - 1 || axis > rank) {
    ctx.fail("dim " + std::to_string(axis) + " is out of range [" + std::to_string(-rank - 1) + ", " +
             std::to_string(rank) + "] for input shape " + in.shape().to_string());
  }
  if (axis < 0) axis += rank + 1;
  std::vector<std::int64_t> dims = in.shape().dims();
  dims.insert(dims.begin() + axis, 1);
  ctx.set_output(0, in.reshaped(Shape(std::move(dims))));  // same bytes, new shape
}

// Writes `values` into a new int32 or int64 host output (whichever the node declares).
void set_index_output(KernelContext& ctx, int i, const std::vector<std::int64_t>& values, const Shape& shape) {
  Tensor& out = ctx.allocate_output(i, shape);
  if (out.dtype() == DType::kInt32) {
    auto* p = static_cast<std::int32_t*>(out.raw_data());
    for (std::size_t k = 0; k < values.size(); ++k) p[k] = static_cast<std::int32_t>(values[k]);
  } else {
    auto* p = static_cast<std::int64_t*>(out.raw_data());
    std::copy(values.begin(), values.end(), p);
  }
}

void shape_kernel(KernelContext& ctx) {
  const Shape& s = ctx.input(0).shape();
  set_index_output(ctx, 0, s.dims(), Shape{s.rank()});
}

void shape_n_kernel(KernelContext& ctx) {
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.input(i).shape();
    set_index_output(ctx, i, s.dims(), Shape{s.rank()});
  }
}

void size_kernel(KernelContext& ctx) { set_index_output(ctx, 0, {ctx.input(0).num_elements()}, Shape{}); }

void rank_kernel(KernelContext& ctx) { set_index_output(ctx, 0, {ctx.input(0).shape().rank()}, Shape{}); }

// VariableV2 outputs the session's current value of the variable (undefined when uninitialized:
// the executor reports that).
void variable_kernel(KernelContext& ctx) { ctx.set_output(0, ctx.variables().get(&ctx.node())); }

// Assign copies its value into a fresh buffer from the backend's Variable pool (accounted under the
// variable's memory category, so optimizer slots count as OptimizerSlot) and makes it the
// variable's value, so earlier reads stay unchanged.
void assign_kernel(KernelContext& ctx) {
  const Node& variable = *ctx.node().inputs().at(0).node;
  const Tensor& value = ctx.input(1);
  const bool validate_shape = !ctx.node().has_attr("validate_shape") || ctx.node().attr_as<bool>("validate_shape");
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

}  // namespace

void register_common_kernels(KernelRegistry& registry, DeviceType device) {
  const bool host = device == DeviceType::kCPU;
  // On a device, shape arguments and shape-valued outputs stay on the host (TF's HostMemory).
  const auto args = [&](HostMemory memory) { return host ? HostMemory{} : memory; };
  constexpr DType kAny = DType::kInvalid;
  registry.add("Const", device, kAny, const_kernel);
  if (!host) {
    // Integer constants are shapes, axes and sizes: kept on the host, where their readers want them.
    registry.add_on_host("Const", device, DType::kInt32);
    registry.add_on_host("Const", device, DType::kInt64);
  }
  registry.add("Identity", device, kAny, identity_kernel);
  registry.add("StopGradient", device, kAny, identity_kernel);
  // PreventGradient is the identity when run; it only stops gradients() (core/grad/nn_grad.cpp).
  registry.add("PreventGradient", device, kAny, identity_kernel);
  registry.add("NoOp", device, kAny, no_op_kernel);
  registry.add("Reshape", device, kAny, reshape_kernel, args({.inputs = {1}}));
  registry.add("ExpandDims", device, kAny, expand_dims_kernel, args({.inputs = {1}}));
  registry.add("Shape", device, kAny, shape_kernel, args({.outputs = {0}}));
  registry.add("Size", device, kAny, size_kernel, args({.outputs = {0}}));
  registry.add("Rank", device, kAny, rank_kernel, args({.outputs = {0}}));
  registry.add("VariableV2", device, kAny, variable_kernel);
  registry.add("Assign", device, kAny, assign_kernel);
  registry.add("ShapeN", device, kAny, shape_n_kernel, args({.all_outputs = true}));
}

}  // namespace varscope
