// GPU kernels of Sum, Mean, Prod, Max (any axis set, keep_dims), ArgMax and L2Loss: the host half.
// Validates as the CPU kernels do (same messages), computes the output shape, merges neighbouring
// dimensions reduced alike (dropping size-1 ones) into the geometry the launchers of
// reduction_kernels.cu take, and allocates their workspace. The axes input stays in host memory;
// int32 Sum/Mean/Prod/Max (shape arithmetic) run the CPU kernel on the host, as in TF.
#include "cuda/kernels/reduction_kernels.h"

#include <string>
#include <vector>

#include "core/kernel_args.h"
#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"

namespace varscope::cuda {
namespace {

// A run of neighbouring dimensions reduced alike.
struct Group {
  std::int64_t size{};
  bool reduced{};
};

std::vector<Group> merge_dims(const Shape& shape, const std::vector<bool>& reduced) {
  std::vector<Group> groups;
  for (int d = 0; d < shape.rank(); ++d) {
    const std::int64_t size = shape.dim(d);
    if (size == 1) continue;
    const bool r = reduced[static_cast<std::size_t>(d)];
    if (!groups.empty() && groups.back().reduced == r) {
      groups.back().size *= size;
    } else {
      groups.push_back({size, r});
    }
  }
  return groups;
}

// The launchers' view of the merged groups: sizes and row-major strides, kept and reduced apart.
ReduceGeometry geometry_of(const KernelContext& ctx, const std::vector<Group>& groups) {
  ReduceGeometry g;
  g.num_outputs = 1;
  g.reduced_count = 1;
  std::vector<std::int64_t> strides(groups.size());
  std::int64_t stride = 1;
  for (std::size_t k = groups.size(); k-- > 0;) {
    strides[k] = stride;
    stride *= groups[k].size;
  }
  for (std::size_t k = 0; k < groups.size(); ++k) {
    ReduceDims& dims = groups[k].reduced ? g.reduced : g.kept;
    if (dims.rank == kMaxReduceGroups) {
      ctx.fail("the GPU reduction takes at most " + std::to_string(kMaxReduceGroups) +
               " separate runs of kept or reduced dimensions");
    }
    dims.sizes[dims.rank] = groups[k].size;
    dims.strides[dims.rank] = strides[k];
    ++dims.rank;
    (groups[k].reduced ? g.reduced_count : g.num_outputs) *= groups[k].size;
  }
  return g;
}

// Runs the reduction with a workspace from the context when the plan needs one.
void launch_reduce(KernelContext& ctx, ReduceOp op, const Tensor& in, Tensor& out,
                   const ReduceGeometry& geometry) {
  const std::size_t bytes = reduce_workspace_bytes(in.dtype(), op, geometry);
  Tensor workspace;
  if (bytes > 0) {
    // float64 elements: the partial accumulators need 8-byte alignment.
    workspace = ctx.allocate_temp(
        DType::kFloat64,
        Shape{static_cast<std::int64_t>((bytes + sizeof(double) - 1) / sizeof(double))});
  }
  reduce(in.dtype(), op, in.raw_data(), out.raw_data(), geometry,
         bytes > 0 ? workspace.raw_data() : nullptr, stream_of(ctx));
}

template <ReduceOp Op>
void reduce_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> axes = index_values(ctx, ctx.input(1), "reduction_indices");
  const bool keep_dims = ctx.node().has_attr("keep_dims") && ctx.node().attr_as<bool>("keep_dims");
  const Shape& shape = in.shape();
  const int rank = shape.rank();

  std::vector<bool> reduced(static_cast<std::size_t>(rank), false);
  for (std::int64_t axis : axes) {
    if (axis < -rank || axis >= rank) {
      ctx.fail("reduction axis " + std::to_string(axis) + " is out of range for input shape " +
               shape.to_string());
    }
    reduced[static_cast<std::size_t>(axis < 0 ? axis + rank : axis)] = true;
  }
  std::vector<std::int64_t> out_dims;
  for (int d = 0; d < rank; ++d) {
    if (!reduced[static_cast<std::size_t>(d)]) {
      out_dims.push_back(shape.dim(d));
    } else if (keep_dims) {
      out_dims.push_back(1);
    }
  }
  const Shape out_shape(out_dims);
  const std::int64_t n = in.num_elements();
  const std::int64_t out_n = out_shape.num_elements();
  if (n == out_n && n > 0) {  // nothing to fold (every reduced dimension has size 1): a view
    ctx.set_output(0, in.reshaped(out_shape));
    return;
  }
  Tensor& out = ctx.allocate_output(0, out_shape);
  if (out_n == 0) return;
  launch_reduce(ctx, Op, in, out, geometry_of(ctx, merge_dims(shape, reduced)));
}

void l2_loss_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, Shape{});
  ReduceGeometry geometry;
  geometry.num_outputs = 1;
  geometry.reduced_count = in.num_elements();
  geometry.reduced.rank = 1;
  geometry.reduced.sizes[0] = in.num_elements();
  geometry.reduced.strides[0] = 1;
  launch_reduce(ctx, ReduceOp::kHalfSumOfSquares, in, out, geometry);
}

void argmax_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> dimension = index_values(ctx, ctx.input(1), "dimension");
  const Shape& shape = in.shape();
  const int rank = shape.rank();
  if (dimension.size() != 1)
    ctx.fail("dimension must be a scalar, got shape " + ctx.input(1).shape().to_string());
  if (rank == 0) ctx.fail("input must have rank >= 1, got a scalar");
  std::int64_t axis = dimension[0];
  if (axis < -rank || axis >= rank) {
    ctx.fail("dimension " + std::to_string(axis) + " is out of range for input shape " +
             shape.to_string());
  }
  if (axis < 0) axis += rank;
  const std::int64_t size = shape.dim(static_cast<int>(axis));
  std::vector<std::int64_t> out_dims = shape.dims();
  out_dims.erase(out_dims.begin() + axis);
  if (size == 0 && Shape(out_dims).num_elements() > 0) {
    ctx.fail("dimension " + std::to_string(axis) + " of input shape " + shape.to_string() +
             " is empty");
  }
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.num_elements() == 0) return;
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= shape.dim(d);
  for (int d = static_cast<int>(axis) + 1; d < rank; ++d) inner *= shape.dim(d);
  argmax(in.dtype(), out.dtype(), in.raw_data(), out.raw_data(), outer, size, inner,
         stream_of(ctx));
}

}  // namespace

void register_reduction_kernels(KernelRegistry& registry) {
  const HostMemory axes_on_host{.inputs = {1}};
  for (DType dtype :
       {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16, DType::kInt64}) {
    registry.add("Sum", DeviceType::kGPU, dtype, reduce_kernel<ReduceOp::kSum>, axes_on_host);
    registry.add("Mean", DeviceType::kGPU, dtype, reduce_kernel<ReduceOp::kMean>, axes_on_host);
    registry.add("Prod", DeviceType::kGPU, dtype, reduce_kernel<ReduceOp::kProd>, axes_on_host);
    registry.add("Max", DeviceType::kGPU, dtype, reduce_kernel<ReduceOp::kMax>, axes_on_host);
  }
  // int32 reductions are shape arithmetic: the CPU kernel on the host, as TF registers them.
  for (const char* op : {"Sum", "Mean", "Prod", "Max"})
    registry.add_on_host(op, DeviceType::kGPU, DType::kInt32);
  for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16,
                      DType::kInt32, DType::kInt64}) {
    registry.add("ArgMax", DeviceType::kGPU, dtype, argmax_kernel, axes_on_host);
  }
  for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16})
    registry.add("L2Loss", DeviceType::kGPU, dtype, l2_loss_kernel);
}

}  // namespace varscope::cuda
