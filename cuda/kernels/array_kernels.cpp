// The CUDA array kernels' host side: Fill, ConcatV2, Slice, Cast, Transpose, Tile, BroadcastTo,
// Pad, GatherV2, Pack, DynamicStitch, ZerosLike, OnesLike, and the shape arithmetic that runs on
// the host (BroadcastGradientArgs, ConcatOffset, InvertPermutation). Each kernel validates its
// inputs with the messages of cpu/kernels/array_kernels.cpp, computes the output shape, and queues
// the launchers of array_kernels.cu on the backend's stream.
//
// Slice, Tile, BroadcastTo and the general Transpose are one strided copy: the output's row-major
// coordinates times input strides, after size-1 dimensions are dropped and contiguous neighbours
// merged (Tile splits each dimension into (multiple, size) with stride 0 on the multiple).
// ConcatV2 and Pack are batches of 2-D row copies.
#include "cuda/kernels/array_kernels.h"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/kernel_args.h"
#include "cuda/check.h"
#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"

namespace varscope::cuda {

bool collapse_layout(const std::vector<std::int64_t>& dims,
                     const std::vector<std::int64_t>& strides_a,
                     const std::vector<std::int64_t>& strides_b, StridedLayout& layout) {
  std::vector<std::int64_t> kept_dims, kept_a, kept_b;  // outermost first
  for (std::size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;
    const std::int64_t a = strides_a[d];
    const std::int64_t b = strides_b.empty() ? 0 : strides_b[d];
    // The previous (outer) dimension steps over exactly this one in both operands: one dimension.
    if (!kept_dims.empty() && kept_a.back() == a * dims[d] && kept_b.back() == b * dims[d]) {
      kept_dims.back() *= dims[d];
      kept_a.back() = a;
      kept_b.back() = b;
    } else {
      kept_dims.push_back(dims[d]);
      kept_a.push_back(a);
      kept_b.push_back(b);
    }
  }
  if (kept_dims.size() > static_cast<std::size_t>(kMaxLaunchDims)) return false;
  layout = StridedLayout{};
  layout.rank = static_cast<int>(kept_dims.size());
  std::copy(kept_dims.begin(), kept_dims.end(), layout.dims.begin());
  std::copy(kept_a.begin(), kept_a.end(), layout.strides_a.begin());
  std::copy(kept_b.begin(), kept_b.end(), layout.strides_b.begin());
  return true;
}

namespace {

bool on_host(const Tensor& t) { return !t.device().type || *t.device().type == DeviceType::kCPU; }

// Index values of an input meant for host memory. ConcatV2's axis (its last input) and
// DynamicStitch's indices (its first half) have no fixed input number for HostMemory to name:
// when they arrive on the device they are copied over, a synchronizing copy.
std::vector<std::int64_t> host_index_values(const KernelContext& ctx, const Tensor& t,
                                            const char* what) {
  if (on_host(t)) return index_values(ctx, t, what);
  if (t.dtype() != DType::kInt32 && t.dtype() != DType::kInt64) {
    ctx.fail(std::string(what) + " must be int32 or int64, got " +
             std::string(dtype_name(t.dtype())));
  }
  return t.to_vector<std::int64_t>();
}

const char* bytes_of(const Tensor& t) { return static_cast<const char*>(t.raw_data()); }
char* bytes_of(Tensor& t) { return static_cast<char*>(t.raw_data()); }

// A strided layout, or the op fails naming the GPU limit (the CPU has none).
StridedLayout collapse_or_fail(const KernelContext& ctx, const std::vector<std::int64_t>& dims,
                               const std::vector<std::int64_t>& strides_a) {
  StridedLayout layout;
  if (!collapse_layout(dims, strides_a, {}, layout)) {
    ctx.fail("shape " + list_to_string(dims) + " has more than " + std::to_string(kMaxLaunchDims) +
             " dimensions that cannot be merged, the most a GPU kernel handles");
  }
  return layout;
}

// Copies `in` tiled by `multiples` into `out` (Tile, BroadcastTo): output dimension d, of size
// dims[d] * multiples[d], is (multiples[d], dims[d]) with stride 0 on the multiple.
void tile_into(KernelContext& ctx, const Tensor& in, const std::vector<std::int64_t>& dims,
               const std::vector<std::int64_t>& multiples, Tensor& out) {
  if (out.num_elements() == 0) return;
  const std::vector<std::int64_t> in_strides = row_major_strides(dims);
  std::vector<std::int64_t> split_dims, strides;
  for (std::size_t d = 0; d < dims.size(); ++d) {
    split_dims.insert(split_dims.end(), {multiples[d], dims[d]});
    strides.insert(strides.end(), {0, in_strides[d]});
  }
  copy_strided(in.raw_data(), out.raw_data(), dtype_size(in.dtype()),
               collapse_or_fail(ctx, split_dims, strides), stream_of(ctx));
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
  fill_from_device(out.raw_data(), dtype_size(value.dtype()), out.num_elements(), value.raw_data(),
                   stream_of(ctx));
}

void concat_kernel(KernelContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  std::vector<std::int64_t> axis_values = host_index_values(ctx, ctx.input(n), "axis");
  if (axis_values.size() != 1) ctx.fail("axis must be a scalar");
  const Shape& first = ctx.input(0).shape();
  const int rank = first.rank();
  std::int64_t axis = axis_values[0];
  if (axis < -rank || axis >= rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for inputs of rank " +
             std::to_string(rank));
  }
  if (axis < 0) axis += rank;
  std::vector<std::int64_t> out_dims = first.dims();
  out_dims[static_cast<std::size_t>(axis)] = 0;
  for (int i = 0; i < n; ++i) {
    const Shape& s = ctx.input(i).shape();
    bool same = s.rank() == rank;
    for (int d = 0; same && d < rank; ++d) same = d == axis || s.dim(d) == first.dim(d);
    if (!same) {
      ctx.fail("shapes " + first.to_string() + " and " + s.to_string() +
               " cannot be concatenated along axis " + std::to_string(axis));
    }
    out_dims[static_cast<std::size_t>(axis)] += s.dim(static_cast<int>(axis));
  }
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.nbytes() == 0) return;

  // (outer, axis * inner) blocks: input i is `outer` rows of its run, placed side by side.
  std::int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= first.dim(d);
  const std::int64_t out_row_bytes = static_cast<std::int64_t>(out.nbytes()) / outer;
  std::vector<RowCopy> copies;
  std::int64_t column = 0;
  for (int i = 0; i < n; ++i) {
    const Tensor& in = ctx.input(i);
    const std::int64_t run_bytes = static_cast<std::int64_t>(in.nbytes()) / outer;
    if (run_bytes > 0) {
      copies.push_back(RowCopy{.src = in.raw_data(),
                               .dst = bytes_of(out) + column,
                               .rows = outer,
                               .row_bytes = run_bytes,
                               .src_pitch = run_bytes,
                               .dst_pitch = out_row_bytes});
    }
    column += run_bytes;
  }
  copy_rows(copies, stream_of(ctx));
}

void slice_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  std::vector<std::int64_t> begin = index_values(ctx, ctx.input(1), "begin");
  std::vector<std::int64_t> size = index_values(ctx, ctx.input(2), "size");
  const int rank = in.shape().rank();
  if (begin.size() != static_cast<std::size_t>(rank) ||
      size.size() != static_cast<std::size_t>(rank)) {
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
  const std::size_t elem = dtype_size(in.dtype());
  const std::vector<std::int64_t> in_strides = row_major_strides(in.shape().dims());
  std::int64_t first = 0;
  for (std::size_t d = 0; d < begin.size(); ++d) first += begin[d] * in_strides[d];
  copy_strided(bytes_of(in) + static_cast<std::size_t>(first) * elem, out.raw_data(), elem,
               collapse_or_fail(ctx, out_dims, in_strides), stream_of(ctx));
}

void cast_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, in.shape());
  for (DType dtype : {in.dtype(), out.dtype()}) {
    if (dtype == DType::kComplex64 || dtype == DType::kInvalid) {
      ctx.fail("dtype " + std::string(dtype_name(dtype)) + " is not supported on GPU");
    }
  }
  if (out.nbytes() == 0) return;
  if (in.dtype() == out.dtype()) {
    VS_CUDA_CHECK(cudaMemcpyAsync(out.raw_data(), in.raw_data(), out.nbytes(),
                                  cudaMemcpyDeviceToDevice, stream_of(ctx)));
    return;
  }
  cast_elements(in.raw_data(), in.dtype(), out.raw_data(), out.dtype(), in.num_elements(),
                stream_of(ctx));
}

// ---- Transpose ---------------------------------------------------------------------------------

// Drops size-1 dimensions and merges input dimensions that stay neighbours in the output, so
// (N, H, W, C) -> (N, C, H, W) becomes (N, H*W, C) -> (N, C, H*W) (as the CPU kernel does).
void merge_transpose_dims(std::vector<std::int64_t>& dims, std::vector<std::int64_t>& perm) {
  std::vector<std::int64_t> new_index(dims.size(), -1), kept_dims;
  for (std::size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] != 1) {
      new_index[d] = static_cast<std::int64_t>(kept_dims.size());
      kept_dims.push_back(dims[d]);
    }
  }
  std::vector<std::int64_t> kept_perm;
  for (std::int64_t p : perm) {
    const std::int64_t q = new_index[static_cast<std::size_t>(p)];
    if (q >= 0) kept_perm.push_back(q);
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> runs;  // (first input dim, size), output order
  for (std::size_t i = 0; i < kept_perm.size(); ++i) {
    const std::int64_t p = kept_perm[i];
    if (i > 0 && p == kept_perm[i - 1] + 1) {
      runs.back().second *= kept_dims[static_cast<std::size_t>(p)];
    } else {
      runs.emplace_back(p, kept_dims[static_cast<std::size_t>(p)]);
    }
  }
  std::vector<std::size_t> by_input(runs.size());
  std::iota(by_input.begin(), by_input.end(), 0);
  std::sort(by_input.begin(), by_input.end(),
            [&](std::size_t a, std::size_t b) { return runs[a].first < runs[b].first; });
  dims.assign(runs.size(), 0);
  perm.assign(runs.size(), 0);
  for (std::size_t k = 0; k < by_input.size(); ++k) {
    dims[k] = runs[by_input[k]].second;
    perm[by_input[k]] = static_cast<std::int64_t>(k);
  }
}

void transpose_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  std::vector<std::int64_t> perm = index_values(ctx, ctx.input(1), "perm");
  const int rank = in.shape().rank();
  if (perm.size() != static_cast<std::size_t>(rank)) {
    ctx.fail("perm " + list_to_string(perm) +
             " must have one entry per dimension of the input shape " + in.shape().to_string());
  }
  std::vector<bool> seen(perm.size(), false);
  std::vector<std::int64_t> out_dims(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    const std::int64_t p = perm[i];
    if (p < 0 || p >= rank || seen[static_cast<std::size_t>(p)]) {
      ctx.fail("perm " + list_to_string(perm) + " is not a permutation of 0.." +
               std::to_string(rank - 1));
    }
    seen[static_cast<std::size_t>(p)] = true;
    out_dims[i] = in.shape().dim(static_cast<int>(p));
  }
  std::vector<std::int64_t> dims = in.shape().dims();
  merge_transpose_dims(dims, perm);
  if (perm.size() <= 1) {
    ctx.set_output(0, in.reshaped(Shape(out_dims)));  // the bytes stay in order: a view
    return;
  }
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.num_elements() == 0) return;
  const std::size_t elem = dtype_size(in.dtype());
  if (perm == std::vector<std::int64_t>{1, 0}) {
    transpose_last_two(in.raw_data(), out.raw_data(), elem, 1, dims[0], dims[1], stream_of(ctx));
    return;
  }
  if (perm == std::vector<std::int64_t>{0, 2, 1}) {
    transpose_last_two(in.raw_data(), out.raw_data(), elem, dims[0], dims[1], dims[2],
                       stream_of(ctx));
    return;
  }
  // Any other permutation: read the input at permuted strides (contiguous innermost runs, as in
  // (A, B, C) -> (B, A, C), become wide units in copy_strided).
  const std::vector<std::int64_t> in_strides = row_major_strides(dims);
  std::vector<std::int64_t> permuted_dims(perm.size()), strides(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    permuted_dims[i] = dims[static_cast<std::size_t>(perm[i])];
    strides[i] = in_strides[static_cast<std::size_t>(perm[i])];
  }
  copy_strided(in.raw_data(), out.raw_data(), elem, collapse_or_fail(ctx, permuted_dims, strides),
               stream_of(ctx));
}

// ---- Tile, BroadcastTo, Pad ---------------------------------------------------------------------

void tile_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> multiples = index_values(ctx, ctx.input(1), "multiples");
  const Shape& shape = in.shape();
  if (multiples.size() != static_cast<std::size_t>(shape.rank())) {
    ctx.fail("multiples " + list_to_string(multiples) +
             " must have one entry per dimension of the input shape " + shape.to_string());
  }
  std::vector<std::int64_t> out_dims(multiples.size());
  for (std::size_t i = 0; i < multiples.size(); ++i) {
    if (multiples[i] < 0) {
      ctx.fail("multiples " + list_to_string(multiples) + " has a negative entry");
    }
    out_dims[i] = shape.dim(static_cast<int>(i)) * multiples[i];
  }
  if (std::all_of(multiples.begin(), multiples.end(), [](std::int64_t m) { return m == 1; })) {
    ctx.set_output(0, in);
    return;
  }
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  tile_into(ctx, in, shape.dims(), multiples, out);
}

void broadcast_to_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> target = index_values(ctx, ctx.input(1), "shape");
  const Shape& shape = in.shape();
  const std::string what =
      "cannot broadcast shape " + shape.to_string() + " to " + Shape(target).to_string();
  if (static_cast<std::size_t>(shape.rank()) > target.size()) ctx.fail(what);
  // The input seen with the target's rank (leading 1s), tiled where it has a 1.
  std::vector<std::int64_t> dims(target.size(), 1), multiples(target.size(), 1);
  const std::size_t offset = target.size() - static_cast<std::size_t>(shape.rank());
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] < 0) ctx.fail("shape " + list_to_string(target) + " has a negative dimension");
    if (i >= offset) dims[i] = shape.dim(static_cast<int>(i - offset));
    if (dims[i] == target[i]) continue;
    if (dims[i] != 1) ctx.fail(what);
    multiples[i] = target[i];
  }
  if (dims == target) {
    ctx.set_output(0, in.reshaped(Shape(target)));
    return;
  }
  Tensor& out = ctx.allocate_output(0, Shape(target));
  tile_into(ctx, in, dims, multiples, out);
}

void pad_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> paddings = index_values(ctx, ctx.input(1), "paddings");
  const Shape& shape = in.shape();
  const int rank = shape.rank();
  if (ctx.input(1).shape() != Shape{rank, 2}) {
    ctx.fail("paddings must have shape (" + std::to_string(rank) + ", 2) for input shape " +
             shape.to_string() + ", got " + ctx.input(1).shape().to_string());
  }
  std::vector<std::int64_t> out_dims(static_cast<std::size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    const auto i = static_cast<std::size_t>(d);
    if (paddings[2 * i] < 0 || paddings[2 * i + 1] < 0) {
      ctx.fail("paddings " + list_to_string(paddings) + " has a negative entry");
    }
    out_dims[i] = shape.dim(d) + paddings[2 * i] + paddings[2 * i + 1];
  }
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.num_elements() == 0) return;
  // An unpadded dimension merges into the dimension outside it: (before * D, in * D, out * D).
  struct PaddedDim {
    std::int64_t out{};
    std::int64_t before{};
    std::int64_t in{};
  };
  std::vector<PaddedDim> merged;
  for (int d = 0; d < rank; ++d) {
    const auto i = static_cast<std::size_t>(d);
    merged.push_back({out_dims[i], paddings[2 * i], shape.dim(d)});
    while (merged.size() >= 2 && merged.back().out == merged.back().in) {
      const std::int64_t size = merged.back().out;
      merged.pop_back();
      merged.back().out *= size;
      merged.back().before *= size;
      merged.back().in *= size;
    }
  }
  if (merged.size() > static_cast<std::size_t>(kMaxLaunchDims)) {
    ctx.fail("paddings " + list_to_string(paddings) + " pad more than " +
             std::to_string(kMaxLaunchDims) +
             " separate dimensions, the most a GPU kernel handles");
  }
  PadLayout layout;
  layout.rank = static_cast<int>(merged.size());
  for (std::size_t d = 0; d < merged.size(); ++d) {
    layout.out_dims[d] = merged[d].out;
    layout.before[d] = merged[d].before;
    layout.in_dims[d] = merged[d].in;
  }
  pad(in.raw_data(), out.raw_data(), dtype_size(in.dtype()), layout, stream_of(ctx));
}

// ---- GatherV2, Pack, DynamicStitch --------------------------------------------------------------

// Indices stay on the device, so an index outside [0, limit) cannot fail the op as on the CPU: its
// output rows are zeros (as TF's GPU kernel writes).
void gather_kernel(KernelContext& ctx) {
  const Tensor& params = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  if (indices.dtype() != DType::kInt32 && indices.dtype() != DType::kInt64) {
    ctx.fail("indices must be int32 or int64, got " + std::string(dtype_name(indices.dtype())));
  }
  const std::vector<std::int64_t> axis_values = index_values(ctx, ctx.input(2), "axis");
  const Shape& shape = params.shape();
  const int rank = shape.rank();
  if (axis_values.size() != 1) ctx.fail("axis must be a scalar");
  std::int64_t axis = axis_values[0];
  if (axis < -rank || axis >= rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for params of shape " +
             shape.to_string());
  }
  if (axis < 0) axis += rank;
  std::vector<std::int64_t> out_dims(shape.dims().begin(), shape.dims().begin() + axis);
  const std::vector<std::int64_t>& index_dims = indices.shape().dims();
  out_dims.insert(out_dims.end(), index_dims.begin(), index_dims.end());
  out_dims.insert(out_dims.end(), shape.dims().begin() + axis + 1, shape.dims().end());
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.num_elements() == 0) return;
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= shape.dim(d);
  for (int d = static_cast<int>(axis) + 1; d < rank; ++d) inner *= shape.dim(d);
  gather_rows(params.raw_data(), indices.raw_data(), indices.dtype() == DType::kInt64,
              out.raw_data(), dtype_size(params.dtype()), outer, indices.num_elements(),
              shape.dim(static_cast<int>(axis)), inner, stream_of(ctx));
}

void pack_kernel(KernelContext& ctx) {
  const int n = ctx.num_inputs();
  const Shape& shape = ctx.input(0).shape();
  for (int i = 1; i < n; ++i) {
    if (ctx.input(i).shape() != shape) {
      ctx.fail("values have different shapes " + shape.to_string() + " and " +
               ctx.input(i).shape().to_string());
    }
  }
  const int rank = shape.rank();
  std::int64_t axis = ctx.node().has_attr("axis") ? ctx.node().attr_as<std::int64_t>("axis") : 0;
  if (axis < -(rank + 1) || axis > rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for values of shape " +
             shape.to_string());
  }
  if (axis < 0) axis += rank + 1;
  std::vector<std::int64_t> out_dims = shape.dims();
  out_dims.insert(out_dims.begin() + axis, n);
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.num_elements() == 0) return;
  // (outer, n, run): input i fills column block i of every outer row.
  std::int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= shape.dim(d);
  const auto run_bytes = static_cast<std::int64_t>(ctx.input(0).nbytes()) / outer;
  std::vector<RowCopy> copies;
  for (int i = 0; i < n; ++i) {
    copies.push_back(RowCopy{.src = ctx.input(i).raw_data(),
                             .dst = bytes_of(out) + i * run_bytes,
                             .rows = outer,
                             .row_bytes = run_bytes,
                             .src_pitch = run_bytes,
                             .dst_pitch = n * run_bytes});
  }
  copy_rows(copies, stream_of(ctx));
}

void dynamic_stitch_kernel(KernelContext& ctx) {
  const int n = ctx.num_inputs() / 2;
  std::int64_t max_index = -1;
  std::vector<std::int64_t> slice_dims;
  std::vector<std::vector<std::int64_t>> indices(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const Shape& idx = ctx.input(i).shape();
    const Shape& data = ctx.input(n + i).shape();
    bool prefix = idx.rank() <= data.rank();
    for (int d = 0; prefix && d < idx.rank(); ++d) prefix = idx.dim(d) == data.dim(d);
    if (!prefix) {
      ctx.fail("data[" + std::to_string(i) + "] of shape " + data.to_string() +
               " must start with the shape " + idx.to_string() + " of indices[" +
               std::to_string(i) + "]");
    }
    std::vector<std::int64_t> rest(data.dims().begin() + idx.rank(), data.dims().end());
    if (i == 0) slice_dims = rest;
    if (rest != slice_dims) {
      ctx.fail("data slices have different shapes " + Shape(slice_dims).to_string() + " and " +
               Shape(rest).to_string());
    }
    auto& values = indices[static_cast<std::size_t>(i)];
    values = host_index_values(ctx, ctx.input(i), "indices");
    for (std::int64_t v : values) {
      if (v < 0) {
        ctx.fail("indices[" + std::to_string(i) + "] has a negative entry " + std::to_string(v));
      }
      max_index = std::max(max_index, v);
    }
  }
  std::vector<std::int64_t> out_dims{max_index + 1};
  out_dims.insert(out_dims.end(), slice_dims.begin(), slice_dims.end());
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.nbytes() == 0) return;
  // Later inputs win, as in TF: resolve every output row's writer on the host, so the copies never
  // overlap and their order on the device does not matter.
  std::vector<std::pair<int, std::int64_t>> writer(static_cast<std::size_t>(max_index + 1),
                                                   {-1, -1});
  for (int i = 0; i < n; ++i) {
    const auto& values = indices[static_cast<std::size_t>(i)];
    for (std::size_t j = 0; j < values.size(); ++j) {
      writer[static_cast<std::size_t>(values[j])] = {i, static_cast<std::int64_t>(j)};
    }
  }
  const bool every_row_written =
      std::none_of(writer.begin(), writer.end(), [](const auto& w) { return w.first < 0; });
  if (!every_row_written) {  // rows no index names stay zero
    VS_CUDA_CHECK(cudaMemsetAsync(out.raw_data(), 0, out.nbytes(), stream_of(ctx)));
  }
  const std::size_t row_bytes = out.nbytes() / static_cast<std::size_t>(max_index + 1);
  for (int i = 0; i < n; ++i) {
    const auto& values = indices[static_cast<std::size_t>(i)];
    std::vector<std::int64_t> dst_rows(values.size(), -1);
    for (std::size_t j = 0; j < values.size(); ++j) {
      const auto& w = writer[static_cast<std::size_t>(values[j])];
      if (w.first == i && w.second == static_cast<std::int64_t>(j)) dst_rows[j] = values[j];
    }
    stitch_rows(ctx.input(n + i).raw_data(), out.raw_data(), row_bytes, dst_rows, stream_of(ctx));
  }
}

// ---- ZerosLike, OnesLike ------------------------------------------------------------------------

void zeros_like_kernel(KernelContext& ctx) {
  Tensor& out = ctx.allocate_output(0, ctx.input(0).shape());
  if (out.nbytes() > 0) {
    VS_CUDA_CHECK(cudaMemsetAsync(out.raw_data(), 0, out.nbytes(), stream_of(ctx)));
  }
}

// The bits of 1 in `dtype` (little-endian, low bytes used).
std::uint64_t one_bits(const KernelContext& ctx, DType dtype) {
  switch (dtype) {
    case DType::kFloat16:
      return 0x3C00;
    case DType::kBFloat16:
      return 0x3F80;
    case DType::kFloat32:
      return 0x3F800000;
    case DType::kFloat64:
      return 0x3FF0000000000000;
    case DType::kInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kUInt8:
    case DType::kUInt16:
    case DType::kBool:
      return 1;
    case DType::kComplex64:
    case DType::kInvalid:
      break;
  }
  ctx.fail("dtype " + std::string(dtype_name(dtype)) + " is not supported on GPU");
}

void ones_like_kernel(KernelContext& ctx) {
  Tensor& out = ctx.allocate_output(0, ctx.input(0).shape());
  const std::uint64_t bits = one_bits(ctx, out.dtype());
  fill_constant(out.raw_data(), dtype_size(out.dtype()), out.num_elements(), bits, stream_of(ctx));
}

}  // namespace

void register_array_kernels(KernelRegistry& registry) {
  constexpr DeviceType kGPU = DeviceType::kGPU;
  // Byte movers: DType::kInvalid registers one kernel for every dtype, as on the CPU.
  registry.add("Fill", kGPU, DType::kInvalid, fill_kernel, HostMemory{.inputs = {0}});
  // The axis is the last input, which a HostMemory list of fixed input numbers cannot name; see
  // host_index_values.
  registry.add("ConcatV2", kGPU, DType::kInvalid, concat_kernel);
  registry.add("Slice", kGPU, DType::kInvalid, slice_kernel, HostMemory{.inputs = {1, 2}});
  // Every pair of the 11 CPU dtypes.
  registry.add("Cast", kGPU, DType::kInvalid, cast_kernel);
  registry.add("Transpose", kGPU, DType::kInvalid, transpose_kernel, HostMemory{.inputs = {1}});
  registry.add("Tile", kGPU, DType::kInvalid, tile_kernel, HostMemory{.inputs = {1}});
  registry.add("BroadcastTo", kGPU, DType::kInvalid, broadcast_to_kernel,
               HostMemory{.inputs = {1}});
  registry.add("Pad", kGPU, DType::kInvalid, pad_kernel, HostMemory{.inputs = {1}});
  registry.add("GatherV2", kGPU, DType::kInvalid, gather_kernel, HostMemory{.inputs = {2}});
  // int32 gathers are shape arithmetic (Mean's gradient picks the reduced dimensions of a shape):
  // on the host, as TF has no int32 GPU gather, so their results never come back mid-run.
  registry.add_on_host("GatherV2", kGPU, DType::kInt32);
  registry.add("Pack", kGPU, DType::kInvalid, pack_kernel);
  // Indices (the first half of the inputs) are read on the host; see host_index_values. int32
  // stitches are the shape arithmetic of reduction gradients (reduced_shape): on the host, as TF.
  registry.add("DynamicStitch", kGPU, DType::kInvalid, dynamic_stitch_kernel);
  registry.add_on_host("DynamicStitch", kGPU, DType::kInt32);
  registry.add("ZerosLike", kGPU, DType::kInvalid, zeros_like_kernel);
  registry.add("OnesLike", kGPU, DType::kInvalid, ones_like_kernel);
  // Shape arithmetic: the CPU kernels run on the host.
  registry.add_on_host("BroadcastGradientArgs", kGPU, DType::kInvalid);
  registry.add_on_host("ConcatOffset", kGPU, DType::kInvalid);
  registry.add_on_host("InvertPermutation", kGPU, DType::kInvalid);
}

}  // namespace varscope::cuda
