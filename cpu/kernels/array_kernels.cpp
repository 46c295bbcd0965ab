// Array kernels: Const, Placeholder, Identity, NoOp, Fill, ConcatV2, Slice, Reshape, Cast.
// All but Cast move bytes without looking at them, so one kernel serves every dtype: Concat copies
// one contiguous run per input per outer index; Slice copies one innermost row per output row.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/kernels/kernel_util.h"

namespace varscope::cpu {
namespace {

void const_kernel(KernelContext& ctx) {
  // A copy, so nothing downstream (or a caller holding a fetched result) can write into the graph.
  const Tensor& value = ctx.node().attr_as<Tensor>("value");
  Tensor& out = ctx.allocate_output(0, value.shape());
  if (value.nbytes() > 0) std::memcpy(out.raw_data(), value.raw_data(), value.nbytes());
}

void placeholder_kernel(KernelContext& ctx) {
  throw InternalError("[Placeholder] node '" + ctx.node().name() +
                      "': the kernel ran, but the executor must feed placeholders instead");
}

void identity_kernel(KernelContext& ctx) { ctx.set_output(0, ctx.input(0)); }  // shares the buffer

void no_op_kernel(KernelContext&) {}

void shape_kernel(KernelContext& ctx) {
  const Shape& in = ctx.input(0).shape();
  Tensor& out = ctx.allocate_output(0, Shape{in.rank()});
  for (int d = 0; d < in.rank(); ++d) {
    if (out.dtype() == DType::kInt32) {
      elements<std::int32_t>(out)[d] = static_cast<std::int32_t>(in.dim(d));
    } else {
      elements<std::int64_t>(out)[d] = in.dim(d);
    }
  }
}

// Writes `count` copies of the `size`-byte element at `value` to `dst`.
void fill_bytes(void* dst, const void* value, std::size_t size, std::int64_t count) {
  auto fill_as = [&](auto tag) {
    using U = decltype(tag);
    U v;
    std::memcpy(&v, value, sizeof(U));
    std::fill_n(static_cast<U*>(dst), count, v);
  };
  switch (size) {
    case 1: fill_as(std::uint8_t{}); return;
    case 2: fill_as(std::uint16_t{}); return;
    case 4: fill_as(std::uint32_t{}); return;
    case 8: fill_as(std::uint64_t{}); return;
    default:
      for (std::int64_t i = 0; i < count; ++i) std::memcpy(static_cast<char*>(dst) + i * size, value, size);
  }
}

void fill_kernel(KernelContext& ctx) {
  std::vector<std::int64_t> dims = index_values(ctx, ctx.input(0), "dims");
  const Tensor& value = ctx.input(1);
  if (value.num_elements() != 1 || value.shape().rank() != 0) {
    ctx.fail("value must be a scalar, got shape " + value.shape().to_string());
  }
  for (std::int64_t d : dims) {
    if (d < 0) ctx.fail("dims must be non-negative, got " + list_to_string(dims));
  }
  Tensor& out = ctx.allocate_output(0, Shape(dims));
  fill_bytes(out.raw_data(), value.raw_data(), dtype_size(value.dtype()), out.num_elements());
}

void concat_kernel(KernelContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  std::vector<std::int64_t> axis_values = index_values(ctx, ctx.input(n), "axis");
  if (axis_values.size() != 1) ctx.fail("axis must be a scalar");
  const Shape& first = ctx.input(0).shape();
  const int rank = first.rank();
  std::int64_t axis = axis_values[0];
  if (axis < -rank || axis >= rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for inputs of rank " + std::to_string(rank));
  }
  if (axis < 0) axis += rank;

  std::vector<std::int64_t> out_dims = first.dims();
  out_dims[static_cast<std::size_t>(axis)] = 0;
  for (int i = 0; i < n; ++i) {
    const Shape& s = ctx.input(i).shape();
    bool same = s.rank() == rank;
    for (int d = 0; same && d < rank; ++d) same = d == axis || s.dim(d) == first.dim(d);
    if (!same) {
      ctx.fail("shapes " + first.to_string() + " and " + s.to_string() + " cannot be concatenated along axis " +
               std::to_string(axis));
    }
    out_dims[static_cast<std::size_t>(axis)] += s.dim(static_cast<int>(axis));
  }
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));

  // (outer, axis * inner) blocks: each input contributes one contiguous run per outer index.
  const std::size_t elem = dtype_size(out.dtype());
  std::int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= first.dim(d);
  std::vector<std::size_t> run_bytes(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const Shape& s = ctx.input(i).shape();
    std::int64_t run = 1;
    for (int d = static_cast<int>(axis); d < rank; ++d) run *= s.dim(d);
    run_bytes[static_cast<std::size_t>(i)] = static_cast<std::size_t>(run) * elem;
  }
  char* dst = static_cast<char*>(out.raw_data());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (int i = 0; i < n; ++i) {
      const std::size_t bytes = run_bytes[static_cast<std::size_t>(i)];
      if (bytes == 0) continue;
      std::memcpy(dst, static_cast<const char*>(ctx.input(i).raw_data()) + o * bytes, bytes);
      dst += bytes;
    }
  }
}

void slice_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  std::vector<std::int64_t> begin = index_values(ctx, ctx.input(1), "begin");
  std::vector<std::int64_t> size = index_values(ctx, ctx.input(2), "size");
  const int rank = in.shape().rank();
  if (begin.size() != static_cast<std::size_t>(rank) || size.size() != static_cast<std::size_t>(rank)) {
    ctx.fail("begin " + list_to_string(begin) + " and size " + list_to_string(size) +
             " must have one entry per dimension of the input shape " + in.shape().to_string());
  }
  std::vector<std::int64_t> out_dims(static_cast<std::size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    const auto i = static_cast<std::size_t>(d);
    const std::int64_t dim = in.shape().dim(d);
    const std::int64_t s = size[i] == -1 ? dim - begin[i] : size[i];
    if (begin[i] < 0 || s < 0 || begin[i] + s > dim) {
      ctx.fail("slice of begin " + list_to_string(begin) + " and size " + list_to_string(size) +
               " does not fit the input shape " + in.shape().to_string());
    }
    out_dims[i] = s;
  }
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.num_elements() == 0) return;
  if (rank == 0) {
    std::memcpy(out.raw_data(), in.raw_data(), in.nbytes());
    return;
  }

  // Copy innermost rows: an odometer over the output's outer dimensions tracks the source offset.
  const std::size_t elem = dtype_size(in.dtype());
  const std::vector<std::int64_t> in_strides = row_major_strides(in.shape().dims());
  std::int64_t src = 0;
  for (int d = 0; d < rank; ++d) src += begin[static_cast<std::size_t>(d)] * in_strides[static_cast<std::size_t>(d)];
  const std::size_t row_bytes = static_cast<std::size_t>(out_dims.back()) * elem;
  const std::int64_t rows = out.num_elements() / out_dims.back();
  const char* src_base = static_cast<const char*>(in.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
  for (std::int64_t r = 0; r < rows; ++r) {
    std::memcpy(dst, src_base + static_cast<std::size_t>(src) * elem, row_bytes);
    dst += row_bytes;
    for (int d = rank - 2; d >= 0; --d) {
      const auto i = static_cast<std::size_t>(d);
      src += in_strides[i];
      if (++index[i] < out_dims[i]) break;
      src -= in_strides[i] * out_dims[i];
      index[i] = 0;
    }
  }
}

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

void cast_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, in.shape());
  const std::int64_t n = in.num_elements();
  visit_dtype(in.dtype(), ctx, [&](auto src_tag) {
    using Src = typename decltype(src_tag)::type;
    visit_dtype(out.dtype(), ctx, [&](auto dst_tag) {
      using Dst = typename decltype(dst_tag)::type;
      const Src* s = elements<Src>(in);
      Dst* d = elements<Dst>(out);
      for (std::int64_t i = 0; i < n; ++i) d[i] = convert<Dst>(s[i]);
    });
  });
}

}  // namespace

void register_array_kernels(KernelRegistry& registry) {
  // Byte movers: DType::kInvalid registers one kernel for every dtype.
  registry.add("Const", DeviceType::kCPU, DType::kInvalid, const_kernel);
  registry.add("Placeholder", DeviceType::kCPU, DType::kInvalid, placeholder_kernel);
  registry.add("Identity", DeviceType::kCPU, DType::kInvalid, identity_kernel);
  registry.add("StopGradient", DeviceType::kCPU, DType::kInvalid, identity_kernel);
  registry.add("NoOp", DeviceType::kCPU, DType::kInvalid, no_op_kernel);
  registry.add("Fill", DeviceType::kCPU, DType::kInvalid, fill_kernel);
  registry.add("Shape", DeviceType::kCPU, DType::kInvalid, shape_kernel);
  registry.add("ConcatV2", DeviceType::kCPU, DType::kInvalid, concat_kernel);
  registry.add("Slice", DeviceType::kCPU, DType::kInvalid, slice_kernel);
  registry.add("Reshape", DeviceType::kCPU, DType::kInvalid, reshape_kernel);
  // Converts between every pair of the 11 CPU dtypes.
  registry.add("Cast", DeviceType::kCPU, DType::kInvalid, cast_kernel);
}

}  // namespace varscope::cpu
