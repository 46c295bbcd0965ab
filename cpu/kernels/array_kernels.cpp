// Array kernels: Placeholder, Fill, ConcatV2, Slice, Cast, Transpose, Tile, BroadcastTo, Pad,
// GatherV2, Pack, DynamicStitch, ZerosLike, OnesLike, and the shape arithmetic of gradient rules
// (BroadcastGradientArgs, ConcatOffset, InvertPermutation); the byte-free ones (Const, Identity,
// Reshape, Shape...) are in core/common_kernels.cpp. All but Cast and OnesLike move bytes without looking at them,
// so one kernel serves every dtype: Concat/Pack/Gather copy contiguous runs; Slice/Pad/Tile copy
// one innermost row at a time; Transpose merges dimensions that stay together, swaps the last two
// in cache-sized tiles and runs other permutations as an Eigen shuffle on the thread pool.
#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "cpu/kernels/kernel_util.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

void placeholder_kernel(KernelContext& ctx) {
  throw InternalError("[Placeholder] node '" + ctx.node().name() +
                      "': the kernel ran, but the executor must feed placeholders instead");
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

// ---- Transpose ---------------------------------------------------------------------------------

// Calls f(Tag<U>{}) with U an unsigned integer as wide as one element of `dtype`.
template <class F>
void visit_element_size(const KernelContext& ctx, DType dtype, F&& f) {
  switch (dtype_size(dtype)) {
    case 1: return f(Tag<std::uint8_t>{});
    case 2: return f(Tag<std::uint16_t>{});
    case 4: return f(Tag<std::uint32_t>{});
    case 8: return f(Tag<std::uint64_t>{});
    default: ctx.fail("dtype " + std::string(dtype_name(dtype)) + " is not supported on CPU");
  }
}

template <class U, int N>
void shuffle(const U* src, U* dst, const std::vector<std::int64_t>& in_dims, const std::vector<std::int64_t>& perm) {
  std::array<Eigen::Index, N> dims{}, shuffle{}, out_dims{};
  for (std::size_t i = 0; i < N; ++i) {
    dims[i] = in_dims[i];
    shuffle[i] = perm[i];
    out_dims[i] = in_dims[static_cast<std::size_t>(perm[i])];
  }
  Eigen::TensorMap<Eigen::Tensor<const U, N, Eigen::RowMajor, Eigen::Index>> in(src, dims);
  Eigen::TensorMap<Eigen::Tensor<U, N, Eigen::RowMajor, Eigen::Index>> out(dst, out_dims);
  out.device(eigen_device()) = in.shuffle(shuffle);
}

// (B, M, N) -> (B, N, M), the common case (matrix transposes, NHWC <-> NCHW): 32 x 32 tiles so
// reads and writes both stay in cache; shards of (batch, tile row) run in parallel.
template <class U>
void transpose_last_two(const U* src, U* dst, std::int64_t batches, std::int64_t m, std::int64_t n) {
  constexpr std::int64_t kTile = 32;
  const std::int64_t tile_rows = (m + kTile - 1) / kTile;
  parallel_for(batches * tile_rows, static_cast<double>(kTile * n), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t t = first; t < last; ++t) {
      const std::int64_t b = t / tile_rows;
      const std::int64_t i0 = (t % tile_rows) * kTile, i1 = std::min(m, i0 + kTile);
      const U* s = src + b * m * n;
      U* d = dst + b * m * n;
      for (std::int64_t j0 = 0; j0 < n; j0 += kTile) {
        const std::int64_t j1 = std::min(n, j0 + kTile);
        for (std::int64_t i = i0; i < i1; ++i) {
          for (std::int64_t j = j0; j < j1; ++j) d[j * m + i] = s[i * n + j];
        }
      }
    }
  });
}

// Any rank: an odometer over the output, reading the input at permuted strides.
template <class U>
void transpose_generic(const U* src, U* dst, const std::vector<std::int64_t>& in_dims,
                       const std::vector<std::int64_t>& perm) {
  const std::size_t rank = perm.size();
  const std::vector<std::int64_t> in_strides = row_major_strides(in_dims);
  std::vector<std::int64_t> out_dims(rank), strides(rank), index(rank, 0);
  std::int64_t n = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    out_dims[i] = in_dims[static_cast<std::size_t>(perm[i])];
    strides[i] = in_strides[static_cast<std::size_t>(perm[i])];
    n *= out_dims[i];
  }
  std::int64_t offset = 0;
  for (std::int64_t o = 0; o < n; ++o) {
    dst[o] = src[offset];
    for (std::size_t d = rank; d-- > 0;) {
      offset += strides[d];
      if (++index[d] < out_dims[d]) break;
      offset -= strides[d] * out_dims[d];
      index[d] = 0;
    }
  }
}

// Drops size-1 dimensions and merges input dimensions that stay neighbours in the output, so
// (N, H, W, C) -> (N, C, H, W) becomes (N, H*W, C) -> (N, C, H*W).
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
    if (new_index[static_cast<std::size_t>(p)] >= 0) kept_perm.push_back(new_index[static_cast<std::size_t>(p)]);
  }
  // Runs of consecutive input dimensions in output order become one dimension.
  std::vector<std::pair<std::int64_t, std::int64_t>> runs;  // (first input dim, size), in output order
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
    ctx.fail("perm " + list_to_string(perm) + " must have one entry per dimension of the input shape " +
             in.shape().to_string());
  }
  std::vector<bool> seen(perm.size(), false);
  std::vector<std::int64_t> out_dims(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    const std::int64_t p = perm[i];
    if (p < 0 || p >= rank || seen[static_cast<std::size_t>(p)]) {
      ctx.fail("perm " + list_to_string(perm) + " is not a permutation of 0.." + std::to_string(rank - 1));
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
  visit_element_size(ctx, in.dtype(), [&](auto tag) {
    using U = typename decltype(tag)::type;
    const U* src = elements<U>(in);
    U* dst = elements<U>(out);
    if (perm == std::vector<std::int64_t>{1, 0}) return transpose_last_two(src, dst, 1, dims[0], dims[1]);
    if (perm == std::vector<std::int64_t>{0, 2, 1}) return transpose_last_two(src, dst, dims[0], dims[1], dims[2]);
    switch (perm.size()) {
      case 2: return shuffle<U, 2>(src, dst, dims, perm);
      case 3: return shuffle<U, 3>(src, dst, dims, perm);
      case 4: return shuffle<U, 4>(src, dst, dims, perm);
      case 5: return shuffle<U, 5>(src, dst, dims, perm);
      default: return transpose_generic(src, dst, dims, perm);
    }
  });
}

// ---- Tile, BroadcastTo, Pad ---------------------------------------------------------------------

// Tiles `in` (dims) by `multiples`: each output row (innermost dimension) is the matching input row
// repeated multiples.back() times; rows are independent, so shards of them run in parallel.
void tile_bytes(const Tensor& in, const std::vector<std::int64_t>& dims,
                const std::vector<std::int64_t>& multiples, Tensor& out) {
  const std::int64_t n = out.num_elements();
  if (n == 0) return;
  const std::size_t elem = dtype_size(in.dtype());
  const std::size_t rank = dims.size();
  if (rank == 0) {
    std::memcpy(out.raw_data(), in.raw_data(), elem);
    return;
  }
  const std::int64_t inner = dims.back();
  const std::int64_t out_inner = inner * multiples.back();
  const std::int64_t rows = n / out_inner;
  const std::vector<std::int64_t> in_strides = row_major_strides(dims);
  const char* src = static_cast<const char*>(in.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  parallel_for(rows, static_cast<double>(out_inner), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t r = first; r < last; ++r) {
      // The input row of output row r: each outer output index wraps around its input dimension.
      std::int64_t rest = r, offset = 0;
      for (std::size_t d = rank - 1; d-- > 0;) {
        const std::int64_t out_dim = dims[d] * multiples[d];
        offset += (rest % out_dim) % dims[d] * in_strides[d];
        rest /= out_dim;
      }
      const char* row = src + static_cast<std::size_t>(offset) * elem;
      char* target = dst + static_cast<std::size_t>(r * out_inner) * elem;
      if (inner == 1) {
        fill_bytes(target, row, elem, out_inner);
      } else {
        for (std::int64_t m = 0; m < multiples.back(); ++m) {
          std::memcpy(target + static_cast<std::size_t>(m * inner) * elem, row, static_cast<std::size_t>(inner) * elem);
        }
      }
    }
  });
}

void tile_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> multiples = index_values(ctx, ctx.input(1), "multiples");
  const Shape& shape = in.shape();
  if (multiples.size() != static_cast<std::size_t>(shape.rank())) {
    ctx.fail("multiples " + list_to_string(multiples) + " must have one entry per dimension of the input shape " +
             shape.to_string());
  }
  std::vector<std::int64_t> out_dims(multiples.size());
  for (std::size_t i = 0; i < multiples.size(); ++i) {
    if (multiples[i] < 0) ctx.fail("multiples " + list_to_string(multiples) + " has a negative entry");
    out_dims[i] = shape.dim(static_cast<int>(i)) * multiples[i];
  }
  if (std::all_of(multiples.begin(), multiples.end(), [](std::int64_t m) { return m == 1; })) {
    ctx.set_output(0, in);
    return;
  }
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  tile_bytes(in, shape.dims(), multiples, out);
}

void broadcast_to_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> target = index_values(ctx, ctx.input(1), "shape");
  const Shape& shape = in.shape();
  const std::string what = "cannot broadcast shape " + shape.to_string() + " to " + Shape(target).to_string();
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
  tile_bytes(in, dims, multiples, out);
}

void pad_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> paddings = index_values(ctx, ctx.input(1), "paddings");
  const Shape& shape = in.shape();
  const int rank = shape.rank();
  if (ctx.input(1).shape() != Shape{rank, 2}) {
    ctx.fail("paddings must have shape (" + std::to_string(rank) + ", 2) for input shape " + shape.to_string() +
             ", got " + ctx.input(1).shape().to_string());
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
  if (out.nbytes() > 0) std::memset(out.raw_data(), 0, out.nbytes());  // zero bits are 0 in every dtype
  if (in.num_elements() == 0) return;
  if (rank == 0) {
    std::memcpy(out.raw_data(), in.raw_data(), in.nbytes());
    return;
  }
  // Copy each input row to its place: an odometer over the input's outer dimensions.
  const std::size_t elem = dtype_size(in.dtype());
  const std::vector<std::int64_t> out_strides = row_major_strides(out_dims);
  std::int64_t dst = 0;
  for (std::size_t d = 0; d < static_cast<std::size_t>(rank); ++d) dst += paddings[2 * d] * out_strides[d];
  const std::int64_t inner = shape.dim(rank - 1);
  const std::size_t row_bytes = static_cast<std::size_t>(inner) * elem;
  const char* src = static_cast<const char*>(in.raw_data());
  char* base = static_cast<char*>(out.raw_data());
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
  for (std::int64_t r = 0, rows = in.num_elements() / inner; r < rows; ++r) {
    std::memcpy(base + static_cast<std::size_t>(dst) * elem, src + static_cast<std::size_t>(r) * row_bytes, row_bytes);
    for (int d = rank - 2; d >= 0; --d) {
      const auto i = static_cast<std::size_t>(d);
      dst += out_strides[i];
      if (++index[i] < shape.dim(d)) break;
      dst -= out_strides[i] * shape.dim(d);
      index[i] = 0;
    }
  }
}

// ---- GatherV2, Pack, DynamicStitch --------------------------------------------------------------

void gather_kernel(KernelContext& ctx) {
  const Tensor& params = ctx.input(0);
  const std::vector<std::int64_t> indices = index_values(ctx, ctx.input(1), "indices");
  const std::vector<std::int64_t> axis_values = index_values(ctx, ctx.input(2), "axis");
  const Shape& shape = params.shape();
  const int rank = shape.rank();
  if (axis_values.size() != 1) ctx.fail("axis must be a scalar");
  std::int64_t axis = axis_values[0];
  if (axis < -rank || axis >= rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for params of shape " + shape.to_string());
  }
  if (axis < 0) axis += rank;
  const std::int64_t limit = shape.dim(static_cast<int>(axis));
  for (std::size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] < 0 || indices[i] >= limit) {
      ctx.fail("indices[" + std::to_string(i) + "] = " + std::to_string(indices[i]) + " is not in [0, " +
               std::to_string(limit) + ")");
    }
  }
  std::vector<std::int64_t> out_dims(shape.dims().begin(), shape.dims().begin() + axis);
  const std::vector<std::int64_t>& index_dims = ctx.input(1).shape().dims();
  out_dims.insert(out_dims.end(), index_dims.begin(), index_dims.end());
  out_dims.insert(out_dims.end(), shape.dims().begin() + axis + 1, shape.dims().end());
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.num_elements() == 0) return;
  // (outer, limit, inner) -> (outer, indices, inner): one contiguous run per (outer, index).
  std::int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= shape.dim(d);
  for (int d = static_cast<int>(axis) + 1; d < rank; ++d) inner *= shape.dim(d);
  const std::size_t run = static_cast<std::size_t>(inner) * dtype_size(params.dtype());
  const auto count = static_cast<std::int64_t>(indices.size());
  const char* src = static_cast<const char*>(params.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  parallel_for(outer * count, static_cast<double>(inner), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t k = first; k < last; ++k) {
      const std::int64_t o = k / count, i = k % count;
      std::memcpy(dst + static_cast<std::size_t>(k) * run,
                  src + static_cast<std::size_t>(o * limit + indices[static_cast<std::size_t>(i)]) * run, run);
    }
  });
}

void pack_kernel(KernelContext& ctx) {
  const int n = ctx.num_inputs();
  const Shape& shape = ctx.input(0).shape();
  for (int i = 1; i < n; ++i) {
    if (ctx.input(i).shape() != shape) {
      ctx.fail("values have different shapes " + shape.to_string() + " and " + ctx.input(i).shape().to_string());
    }
  }
  const int rank = shape.rank();
  std::int64_t axis = ctx.node().has_attr("axis") ? ctx.node().attr_as<std::int64_t>("axis") : 0;
  if (axis < -(rank + 1) || axis > rank) {
    ctx.fail("axis " + std::to_string(axis) + " is out of range for values of shape " + shape.to_string());
  }
  if (axis < 0) axis += rank + 1;
  std::vector<std::int64_t> out_dims = shape.dims();
  out_dims.insert(out_dims.begin() + axis, n);
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.num_elements() == 0) return;
  std::int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= shape.dim(d);
  const std::size_t run = static_cast<std::size_t>(shape.num_elements() / outer) * dtype_size(out.dtype());
  char* dst = static_cast<char*>(out.raw_data());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (int i = 0; i < n; ++i) {
      std::memcpy(dst, static_cast<const char*>(ctx.input(i).raw_data()) + static_cast<std::size_t>(o) * run, run);
      dst += run;
    }
  }
}

void dynamic_stitch_kernel(KernelContext& ctx) {
  const int n = ctx.num_inputs() / 2;
  std::int64_t max_index = -1;
  std::vector<std::int64_t> slice_dims;
  for (int i = 0; i < n; ++i) {
    const Shape& idx = ctx.input(i).shape();
    const Shape& data = ctx.input(n + i).shape();
    bool prefix = idx.rank() <= data.rank();
    for (int d = 0; prefix && d < idx.rank(); ++d) prefix = idx.dim(d) == data.dim(d);
    if (!prefix) {
      ctx.fail("data[" + std::to_string(i) + "] of shape " + data.to_string() + " must start with the shape " +
               idx.to_string() + " of indices[" + std::to_string(i) + "]");
    }
    std::vector<std::int64_t> rest(data.dims().begin() + idx.rank(), data.dims().end());
    if (i == 0) slice_dims = rest;
    if (rest != slice_dims) {
      ctx.fail("data slices have different shapes " + Shape(slice_dims).to_string() + " and " +
               Shape(rest).to_string());
    }
    for (std::int64_t v : index_values(ctx, ctx.input(i), "indices")) {
      if (v < 0) ctx.fail("indices[" + std::to_string(i) + "] has a negative entry " + std::to_string(v));
      max_index = std::max(max_index, v);
    }
  }
  std::vector<std::int64_t> out_dims{max_index + 1};
  out_dims.insert(out_dims.end(), slice_dims.begin(), slice_dims.end());
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  if (out.nbytes() == 0) return;
  std::memset(out.raw_data(), 0, out.nbytes());  // rows no index names stay zero
  const std::size_t run = static_cast<std::size_t>(Shape(slice_dims).num_elements()) * dtype_size(out.dtype());
  char* dst = static_cast<char*>(out.raw_data());
  for (int i = 0; i < n; ++i) {  // later inputs win, as in TF
    const std::vector<std::int64_t> idx = index_values(ctx, ctx.input(i), "indices");
    const char* src = static_cast<const char*>(ctx.input(n + i).raw_data());
    for (std::size_t j = 0; j < idx.size(); ++j) {
      std::memcpy(dst + static_cast<std::size_t>(idx[j]) * run, src + j * run, run);
    }
  }
}

// ---- ZerosLike, OnesLike ------------------------------------------------------------------------

void zeros_like_kernel(KernelContext& ctx) {
  Tensor& out = ctx.allocate_output(0, ctx.input(0).shape());
  if (out.nbytes() > 0) std::memset(out.raw_data(), 0, out.nbytes());
}

void ones_like_kernel(KernelContext& ctx) {
  Tensor& out = ctx.allocate_output(0, ctx.input(0).shape());
  visit_dtype(out.dtype(), ctx, [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::fill_n(elements<T>(out), out.num_elements(), convert<T>(1));
  });
}

// ---- Shape arithmetic ---------------------------------------------------------------------------

// Writes `values` into a new int32 or int64 output (whichever the node declares).
void set_index_output(KernelContext& ctx, int i, const std::vector<std::int64_t>& values, const Shape& shape) {
  Tensor& out = ctx.allocate_output(i, shape);
  if (out.dtype() == DType::kInt32) {
    std::int32_t* p = elements<std::int32_t>(out);
    for (std::size_t k = 0; k < values.size(); ++k) p[k] = static_cast<std::int32_t>(values[k]);
  } else {
    std::copy(values.begin(), values.end(), elements<std::int64_t>(out));
  }
}

// TF's BCast without the fewer-dims optimization: walking the right-aligned shapes from the
// innermost dimension, an operand whose dimension is 1 where the other's is not was broadcast
// there; a dimension where both are 1 is reduced for both. Equal shapes reduce nothing.
void broadcast_gradient_args_kernel(KernelContext& ctx) {
  const std::vector<std::int64_t> s0 = index_values(ctx, ctx.input(0), "s0");
  const std::vector<std::int64_t> s1 = index_values(ctx, ctx.input(1), "s1");
  std::vector<std::int64_t> r0, r1;
  if (s0 != s1) {
    const std::size_t rank = std::max(s0.size(), s1.size());
    for (std::size_t d = 0; d < rank; ++d) {
      const std::int64_t a = d < rank - s0.size() ? 1 : s0[d - (rank - s0.size())];
      const std::int64_t b = d < rank - s1.size() ? 1 : s1[d - (rank - s1.size())];
      if (a != b && a != 1 && b != 1) {
        ctx.fail("incompatible shapes " + list_to_string(s0) + " and " + list_to_string(s1));
      }
      const auto axis = static_cast<std::int64_t>(d);
      if (a == 1 && b == 1) {
        r0.push_back(axis);
        r1.push_back(axis);
      } else if (a == 1) {
        r0.push_back(axis);
      } else if (b == 1) {
        r1.push_back(axis);
      }
    }
  }
  set_index_output(ctx, 0, r0, Shape{static_cast<std::int64_t>(r0.size())});
  set_index_output(ctx, 1, r1, Shape{static_cast<std::int64_t>(r1.size())});
}

void concat_offset_kernel(KernelContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  const std::vector<std::int64_t> dim_value = index_values(ctx, ctx.input(0), "concat_dim");
  if (dim_value.size() != 1) ctx.fail("concat_dim must be a scalar");
  const std::vector<std::int64_t> first = index_values(ctx, ctx.input(1), "shape");
  const auto rank = static_cast<std::int64_t>(first.size());
  std::int64_t axis = dim_value[0];
  if (axis < -rank || axis >= rank) {
    ctx.fail("concat_dim " + std::to_string(axis) + " is out of range for shapes of rank " + std::to_string(rank));
  }
  if (axis < 0) axis += rank;
  std::int64_t offset = 0;
  for (int i = 0; i < n; ++i) {
    const std::vector<std::int64_t> s = index_values(ctx, ctx.input(i + 1), "shape");
    bool same = s.size() == first.size();
    for (std::size_t d = 0; same && d < s.size(); ++d) same = static_cast<std::int64_t>(d) == axis || s[d] == first[d];
    if (!same) {
      ctx.fail("shape " + list_to_string(s) + " does not match " + list_to_string(first) + " outside dimension " +
               std::to_string(axis));
    }
    std::vector<std::int64_t> result(first.size(), 0);
    result[static_cast<std::size_t>(axis)] = offset;
    offset += s[static_cast<std::size_t>(axis)];
    set_index_output(ctx, i, result, Shape{rank});
  }
}

void invert_permutation_kernel(KernelContext& ctx) {
  const std::vector<std::int64_t> x = index_values(ctx, ctx.input(0), "x");
  std::vector<std::int64_t> y(x.size(), -1);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::int64_t v = x[i];
    if (v < 0 || v >= static_cast<std::int64_t>(x.size()) || y[static_cast<std::size_t>(v)] >= 0) {
      ctx.fail("x " + list_to_string(x) + " is not a permutation of 0.." + std::to_string(x.size() - 1));
    }
    y[static_cast<std::size_t>(v)] = static_cast<std::int64_t>(i);
  }
  set_index_output(ctx, 0, y, ctx.input(0).shape());
}

}  // namespace

void register_array_kernels(KernelRegistry& registry) {
  // Byte movers: DType::kInvalid registers one kernel for every dtype.
  registry.add("Placeholder", DeviceType::kCPU, DType::kInvalid, placeholder_kernel);
  registry.add("Fill", DeviceType::kCPU, DType::kInvalid, fill_kernel);
  registry.add("ConcatV2", DeviceType::kCPU, DType::kInvalid, concat_kernel);
  registry.add("Slice", DeviceType::kCPU, DType::kInvalid, slice_kernel);
  // Converts between every pair of the 11 CPU dtypes.
  registry.add("Cast", DeviceType::kCPU, DType::kInvalid, cast_kernel);
  registry.add("Transpose", DeviceType::kCPU, DType::kInvalid, transpose_kernel);
  registry.add("Tile", DeviceType::kCPU, DType::kInvalid, tile_kernel);
  registry.add("BroadcastTo", DeviceType::kCPU, DType::kInvalid, broadcast_to_kernel);
  registry.add("Pad", DeviceType::kCPU, DType::kInvalid, pad_kernel);
  registry.add("GatherV2", DeviceType::kCPU, DType::kInvalid, gather_kernel);
  registry.add("Pack", DeviceType::kCPU, DType::kInvalid, pack_kernel);
  registry.add("DynamicStitch", DeviceType::kCPU, DType::kInvalid, dynamic_stitch_kernel);
  registry.add("ZerosLike", DeviceType::kCPU, DType::kInvalid, zeros_like_kernel);
  registry.add("OnesLike", DeviceType::kCPU, DType::kInvalid, ones_like_kernel);
  registry.add("BroadcastGradientArgs", DeviceType::kCPU, DType::kInvalid, broadcast_gradient_args_kernel);
  registry.add("ConcatOffset", DeviceType::kCPU, DType::kInvalid, concat_offset_kernel);
  registry.add("InvertPermutation", DeviceType::kCPU, DType::kInvalid, invert_permutation_kernel);
}

}  // namespace varscope::cpu
