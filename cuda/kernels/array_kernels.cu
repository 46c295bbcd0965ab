// Device code of the array kernels: fills, strided copies (Slice, Tile, BroadcastTo, Transpose),
// batched row copies (ConcatV2, Pack), the tiled last-two-dimensions transpose, Pad, GatherV2 rows,
// DynamicStitch rows and Cast.
//
// Byte movers never look at values: they copy unsigned units, and each launcher picks the widest
// unit (up to 16 bytes) that divides every row, pitch and pointer, so contiguous runs of 2- or
// 4-byte elements move as 16-byte loads and stores. Index math runs in 32 bits (multiply-shift
// division) unless a launch spans 2^31 units.
#include <algorithm>
#include <array>
#include <string>

#include "cuda/check.h"
#include "cuda/kernels/array_kernels.h"
#include "cuda/kernels/device_util.cuh"

namespace varscope::cuda {
namespace {

using device::blocks_for;
using device::Divmod;
using device::is_aligned;
using device::kThreadsPerBlock;
using device::thread_count;
using device::thread_index;
using device::Type;

// ------------------------------------------------------------------------------------------------
// Kernels

// 16-byte stores over the aligned middle of `out`, single elements at its ragged ends.
template <class U>
__global__ void fill_kernel(U* out,  // (n)
                            std::int64_t n, const U* device_value, U constant) {
  const U value = device_value ? *device_value : constant;
  constexpr int kPerPack = 16 / sizeof(U);
  using Pack16 = device::Pack<U, kPerPack>;
  Pack16 pack;
#pragma unroll
  for (int k = 0; k < kPerPack; ++k) pack.v[k] = value;
  const auto misalignment = reinterpret_cast<std::uintptr_t>(out) % 16;
  const auto to_boundary = static_cast<std::int64_t>((16 - misalignment) % 16 / sizeof(U));
  const std::int64_t head = to_boundary < n ? to_boundary : n;
  const std::int64_t packs = (n - head) / kPerPack;
  const std::int64_t tail = head + packs * kPerPack;
  Pack16* body = reinterpret_cast<Pack16*>(out + head);
  for (std::int64_t i = thread_index(); i < packs; i += thread_count()) body[i] = pack;
  for (std::int64_t i = thread_index(); i < head; i += thread_count()) out[i] = value;
  for (std::int64_t i = tail + thread_index(); i < n; i += thread_count()) out[i] = value;
}

template <class U, class Index>
__global__ void copy_strided_kernel(const U* in,  // strided by the indexer
                                    U* out,       // (n)
                                    device::StridedIndexer<1, Index> indexer, Index n) {
  for (Index i = static_cast<Index>(thread_index()); i < n;
       i += static_cast<Index>(thread_count())) {
    Index offset[1];
    indexer.offsets(i, offset);
    out[i] = in[offset[0]];
  }
}

constexpr int kMaxRowCopies = 32;

// Up to kMaxRowCopies block copies, one per blockIdx.y; sizes and pitches in units.
template <class Index>
struct RowCopyBatch {
  int count = 0;
  const void* src[kMaxRowCopies]{};
  void* dst[kMaxRowCopies]{};
  Index src_pitch[kMaxRowCopies]{};
  Index dst_pitch[kMaxRowCopies]{};
  Index units[kMaxRowCopies]{};  // rows * row units
  Divmod<Index> row_units[kMaxRowCopies]{};
};

template <class U, class Index>
__global__ void copy_rows_kernel(RowCopyBatch<Index> batch) {
  const int c = static_cast<int>(blockIdx.y);
  const U* src = static_cast<const U*>(batch.src[c]);
  U* dst = static_cast<U*>(batch.dst[c]);
  const Index units = batch.units[c];
  const Divmod<Index> row_units = batch.row_units[c];
  const Index src_pitch = batch.src_pitch[c], dst_pitch = batch.dst_pitch[c];
  for (Index i = static_cast<Index>(thread_index()); i < units;
       i += static_cast<Index>(thread_count())) {
    const Index row = row_units.div(i);
    const Index column = row_units.mod(i, row);
    dst[row * dst_pitch + column] = src[row * src_pitch + column];
  }
}

constexpr int kTile = 32;
constexpr int kTileRowsPerPass = 8;  // a (32, 8) block moves a 32 x 32 tile in 4 passes

// Each block loops over (batch, tile row, tile column) tiles: coalesced reads of a tile's rows,
// coalesced writes of its columns through shared memory (33 columns: no bank conflicts for 4-byte
// elements).
template <class U>
__global__ void transpose_tiled_kernel(const U* in,  // (batches, m, n)
                                       U* out,       // (batches, n, m)
                                       std::int64_t batches, std::int64_t m, std::int64_t n,
                                       std::int64_t tiles_m, std::int64_t tiles_n) {
  __shared__ U tile[kTile][kTile + 1];
  const std::int64_t tiles_per_batch = tiles_m * tiles_n;
  const std::int64_t tiles = batches * tiles_per_batch;
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  for (std::int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const std::int64_t b = t / tiles_per_batch;
    const std::int64_t rest = t - b * tiles_per_batch;
    const std::int64_t i0 = rest / tiles_n * kTile, j0 = rest % tiles_n * kTile;
    const U* src = in + b * m * n;
    U* dst = out + b * m * n;
#pragma unroll
    for (int k = 0; k < kTile; k += kTileRowsPerPass) {
      const std::int64_t i = i0 + ty + k, j = j0 + tx;
      if (i < m && j < n) tile[ty + k][tx] = src[i * n + j];
    }
    __syncthreads();
#pragma unroll
    for (int k = 0; k < kTile; k += kTileRowsPerPass) {
      const std::int64_t j = j0 + ty + k, i = i0 + tx;
      if (j < n && i < m) dst[j * m + i] = tile[tx][ty + k];
    }
    __syncthreads();  // the tile is reused by the next iteration
  }
}

template <class Index>
struct PadIndexer {
  int rank = 0;
  Divmod<Index> out_dims[kMaxLaunchDims]{};  // innermost first
  Index before[kMaxLaunchDims]{};
  Index in_dims[kMaxLaunchDims]{};
  Index in_strides[kMaxLaunchDims]{};
};

template <class U, class Index>
__global__ void pad_kernel(const U* in,  // (in_dims), contiguous
                           U* out,       // (out_dims)
                           PadIndexer<Index> indexer, Index n) {
  for (Index i = static_cast<Index>(thread_index()); i < n;
       i += static_cast<Index>(thread_count())) {
    Index linear = i, offset = 0;
    bool inside = true;
#pragma unroll
    for (int d = 0; d < kMaxLaunchDims; ++d) {
      if (d == indexer.rank) break;
      const Index q = indexer.out_dims[d].div(linear);
      const Index c = indexer.out_dims[d].mod(linear, q);
      linear = q;
      // Unsigned for 32-bit indices: c < before wraps c - before past in_dims.
      const Index from = c - indexer.before[d];
      inside = inside && c >= indexer.before[d] && from < indexer.in_dims[d];
      offset += from * indexer.in_strides[d];
    }
    out[i] = inside ? in[offset] : U{};
  }
}

template <class U, class IndexT, class Index>
__global__ void gather_rows_kernel(const U* params,        // (outer, limit, inner)
                                   const IndexT* indices,  // (count)
                                   U* out,                 // (outer, count, inner)
                                   Divmod<Index> inner, Divmod<Index> count, Index limit, Index n) {
  for (Index i = static_cast<Index>(thread_index()); i < n;
       i += static_cast<Index>(thread_count())) {
    const Index row = inner.div(i);
    const Index column = inner.mod(i, row);
    const Index o = count.div(row);
    const Index k = count.mod(row, o);
    const auto index = static_cast<std::int64_t>(indices[k]);
    out[i] = index >= 0 && index < static_cast<std::int64_t>(limit)
                 ? params[(o * limit + static_cast<Index>(index)) * inner.divisor + column]
                 : U{};
  }
}

// The destination of source rows first..first + count (-1: not copied), passed by value so the
// launch needs no host-to-device copy; 3 KiB keeps it under the classic 4 KiB parameter limit.
constexpr int kStitchRowsPerLaunch = 384;

struct StitchRows {
  std::int64_t first = 0;
  int count = 0;
  std::int64_t dst_row[kStitchRowsPerLaunch]{};
};

template <class U>
__global__ void stitch_rows_kernel(const U* src,  // (rows, row_units)
                                   U* dst,        // (?, row_units)
                                   std::int64_t row_units, StitchRows rows) {
  const std::int64_t n = rows.count * row_units;
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    const std::int64_t r = i / row_units;
    const std::int64_t column = i - r * row_units;
    const std::int64_t to = rows.dst_row[r];
    if (to >= 0) dst[to * row_units + column] = src[(rows.first + r) * row_units + column];
  }
}

// TF's Cast on one element, as cpu/kernels/kernel_util.h's convert(). Floats to integers narrower
// than 32 bits go through int64 and wrap, as the x86 conversion does for in-range values (CUDA's
// direct conversion saturates).
template <class To, class From>
__device__ __forceinline__ To convert(From x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (device::is_reduced_float_v<From>) {
    return convert<To>(device::widen(x));
  } else if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else if constexpr (device::is_reduced_float_v<To>) {
    return device::narrow<To>(static_cast<float>(x));
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To> && sizeof(To) < 4) {
    return static_cast<To>(static_cast<std::int64_t>(x));
  } else {
    return static_cast<To>(x);
  }
}

template <class From, class To>
__global__ void cast_kernel(const From* in,  // (n)
                            To* out,         // (n)
                            std::int64_t n, bool packed) {
  constexpr int V = device::kPackSize;
  std::int64_t done = 0;
  if (packed) {
    using InPack = device::Pack<From, V>;
    using OutPack = device::Pack<To, V>;
    const std::int64_t packs = n / V;
    for (std::int64_t p = thread_index(); p < packs; p += thread_count()) {
      const InPack a = reinterpret_cast<const InPack*>(in)[p];
      OutPack b;
#pragma unroll
      for (int k = 0; k < V; ++k) b.v[k] = convert<To>(a.v[k]);
      reinterpret_cast<OutPack*>(out)[p] = b;
    }
    done = packs * V;
  }
  for (std::int64_t i = done + thread_index(); i < n; i += thread_count()) {
    out[i] = convert<To>(in[i]);
  }
}

// ------------------------------------------------------------------------------------------------
// Launch helpers

// `layout` (strides in elements of `element_size`) seen in units of `unit` bytes: the innermost
// dimension shrinks, every stride is divided. Only valid when widen_unit() allowed `unit`.
StridedLayout in_units(StridedLayout layout, std::size_t element_size, std::size_t unit) {
  const auto factor = static_cast<std::int64_t>(unit / element_size);
  if (factor == 1 || layout.rank == 0) return layout;
  const auto inner = static_cast<std::size_t>(layout.rank - 1);
  layout.dims[inner] /= factor;
  for (int d = 0; d < layout.rank; ++d) {
    const auto i = static_cast<std::size_t>(d);
    layout.strides_a[i] = i == inner ? 1 : layout.strides_a[i] / factor;
  }
  return layout;
}

// The widest unit a strided copy can use: the innermost dimension must be contiguous, and the row,
// every stride and both pointers must be multiples of it.
std::size_t widen_unit(const void* in, const void* out, std::size_t element_size,
                       const StridedLayout& layout) {
  if (layout.rank == 0) return element_size;
  const auto inner = static_cast<std::size_t>(layout.rank - 1);
  if (layout.strides_a[inner] != 1) return element_size;
  std::size_t unit = device::widest_unit(
      element_size, static_cast<std::uint64_t>(layout.dims[inner]) * element_size);
  for (int d = 0; d + 1 < layout.rank; ++d) {
    const auto bytes =
        static_cast<std::uint64_t>(layout.strides_a[static_cast<std::size_t>(d)]) * element_size;
    unit = std::min(unit, device::widest_unit(element_size, bytes));
  }
  while (unit > element_size && !(is_aligned(in, unit) && is_aligned(out, unit))) unit /= 2;
  return unit;
}

template <class U>
void launch_fill(void* out, std::int64_t n, const void* device_value, U constant,
                 cudaStream_t stream) {
  fill_kernel<U><<<blocks_for(n), kThreadsPerBlock, 0, stream>>>(
      static_cast<U*>(out), n, static_cast<const U*>(device_value), constant);
  VS_CUDA_CHECK(cudaGetLastError());
}

void fill_any(void* out, std::size_t element_size, std::int64_t n, const void* device_value,
              std::uint64_t bits, cudaStream_t stream) {
  if (n <= 0) return;
  switch (element_size) {
    case 1:
      return launch_fill(out, n, device_value, static_cast<std::uint8_t>(bits), stream);
    case 2:
      return launch_fill(out, n, device_value, static_cast<std::uint16_t>(bits), stream);
    case 4:
      return launch_fill(out, n, device_value, static_cast<std::uint32_t>(bits), stream);
    case 8:
      return launch_fill(out, n, device_value, static_cast<std::uint64_t>(bits), stream);
    default:
      throw InternalError("CUDA fill of " + std::to_string(element_size) + "-byte elements");
  }
}

// The copies of one unit width, kMaxRowCopies per launch.
void launch_row_copies(const std::vector<RowCopy>& copies, std::size_t unit, cudaStream_t stream) {
  const auto u = static_cast<std::int64_t>(unit);
  for (std::size_t first = 0; first < copies.size(); first += kMaxRowCopies) {
    const std::size_t last = std::min(copies.size(), first + kMaxRowCopies);
    std::int64_t largest = 0, most_units = 0;
    for (std::size_t c = first; c < last; ++c) {
      const RowCopy& copy = copies[c];
      const std::int64_t row_units = copy.row_bytes / u;
      largest = std::max({largest, copy.rows * row_units,
                          (copy.rows - 1) * (copy.src_pitch / u) + row_units,
                          (copy.rows - 1) * (copy.dst_pitch / u) + row_units});
      most_units = std::max(most_units, copy.rows * row_units);
    }
    device::visit_index(largest, [&](auto index_tag) {
      using Index = typename decltype(index_tag)::type;
      RowCopyBatch<Index> batch;
      for (std::size_t c = first; c < last; ++c) {
        const RowCopy& copy = copies[c];
        const int k = batch.count++;
        batch.src[k] = copy.src;
        batch.dst[k] = copy.dst;
        batch.src_pitch[k] = static_cast<Index>(copy.src_pitch / u);
        batch.dst_pitch[k] = static_cast<Index>(copy.dst_pitch / u);
        batch.units[k] = static_cast<Index>(copy.rows * (copy.row_bytes / u));
        batch.row_units[k] = Divmod<Index>(copy.row_bytes / u);
      }
      const dim3 grid(blocks_for(most_units), static_cast<unsigned int>(batch.count));
      device::visit_unit(unit, [&](auto unit_tag) {
        using U = typename decltype(unit_tag)::type;
        copy_rows_kernel<U, Index><<<grid, kThreadsPerBlock, 0, stream>>>(batch);
        VS_CUDA_CHECK(cudaGetLastError());
      });
    });
  }
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

void fill_from_device(void* out, std::size_t element_size, std::int64_t n, const void* device_value,
                      cudaStream_t stream) {
  fill_any(out, element_size, n, device_value, 0, stream);
}

void fill_constant(void* out, std::size_t element_size, std::int64_t n, std::uint64_t bits,
                   cudaStream_t stream) {
  fill_any(out, element_size, n, nullptr, bits, stream);
}

void copy_strided(const void* in, void* out, std::size_t element_size, const StridedLayout& layout,
                  cudaStream_t stream) {
  const std::int64_t n = layout.num_elements();
  if (n <= 0) return;
  const std::size_t unit = widen_unit(in, out, element_size, layout);
  const StridedLayout units = in_units(layout, element_size, unit);
  const std::int64_t count = units.num_elements();
  const std::int64_t largest = std::max(count, device::offset_extent(units, units.strides_a));
  device::visit_unit(unit, [&](auto unit_tag) {
    using U = typename decltype(unit_tag)::type;
    device::visit_index(largest, [&](auto index_tag) {
      using Index = typename decltype(index_tag)::type;
      copy_strided_kernel<U, Index><<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
          static_cast<const U*>(in), static_cast<U*>(out), device::make_indexer<1, Index>(units),
          static_cast<Index>(count));
      VS_CUDA_CHECK(cudaGetLastError());
    });
  });
}

void copy_rows(const std::vector<RowCopy>& copies, cudaStream_t stream) {
  // Group by the widest unit each copy allows, so one odd copy does not slow the others.
  std::array<std::vector<RowCopy>, 5> by_unit;  // 1, 2, 4, 8, 16 bytes
  for (const RowCopy& copy : copies) {
    if (copy.rows <= 0 || copy.row_bytes <= 0) continue;
    std::size_t unit = device::widest_unit(1, static_cast<std::uint64_t>(copy.row_bytes));
    for (std::int64_t bytes : {copy.src_pitch, copy.dst_pitch}) {
      unit = std::min(unit, device::widest_unit(1, static_cast<std::uint64_t>(bytes)));
    }
    while (unit > 1 && !(is_aligned(copy.src, unit) && is_aligned(copy.dst, unit))) unit /= 2;
    std::size_t slot = 0;
    while ((std::size_t{1} << slot) < unit) ++slot;
    by_unit[slot].push_back(copy);
  }
  for (std::size_t slot = 0; slot < by_unit.size(); ++slot) {
    if (!by_unit[slot].empty()) launch_row_copies(by_unit[slot], std::size_t{1} << slot, stream);
  }
}

void transpose_last_two(const void* in, void* out, std::size_t element_size, std::int64_t batches,
                        std::int64_t m, std::int64_t n, cudaStream_t stream) {
  if (batches <= 0 || m <= 0 || n <= 0) return;
  const std::int64_t tiles_m = (m + kTile - 1) / kTile, tiles_n = (n + kTile - 1) / kTile;
  const std::int64_t tiles = batches * tiles_m * tiles_n;
  // Up to 8 blocks of 256 threads per SM on 132 SMs, a few waves deep.
  const auto blocks = static_cast<unsigned int>(std::min<std::int64_t>(tiles, 8192));
  const dim3 block(kTile, kTileRowsPerPass);
  device::visit_unit(element_size, [&](auto unit_tag) {
    using U = typename decltype(unit_tag)::type;
    transpose_tiled_kernel<U><<<blocks, block, 0, stream>>>(
        static_cast<const U*>(in), static_cast<U*>(out), batches, m, n, tiles_m, tiles_n);
    VS_CUDA_CHECK(cudaGetLastError());
  });
}

void pad(const void* in, void* out, std::size_t element_size, const PadLayout& layout,
         cudaStream_t stream) {
  std::int64_t n = 1, in_count = 1;
  for (int d = 0; d < layout.rank; ++d) {
    n *= layout.out_dims[static_cast<std::size_t>(d)];
    in_count *= layout.in_dims[static_cast<std::size_t>(d)];
  }
  if (n <= 0) return;
  // Units as wide as the innermost dimension's padding, extent and row allow.
  PadLayout units = layout;
  std::size_t unit = element_size;
  if (layout.rank > 0) {
    const auto inner = static_cast<std::size_t>(layout.rank - 1);
    unit = device::widest_unit(element_size,
                               static_cast<std::uint64_t>(layout.out_dims[inner]) * element_size);
    for (std::int64_t elements : {layout.before[inner], layout.in_dims[inner]}) {
      unit = std::min(unit, device::widest_unit(
                                element_size, static_cast<std::uint64_t>(elements) * element_size));
    }
    while (unit > element_size && !(is_aligned(in, unit) && is_aligned(out, unit))) unit /= 2;
    const auto factor = static_cast<std::int64_t>(unit / element_size);
    units.out_dims[inner] /= factor;
    units.before[inner] /= factor;
    units.in_dims[inner] /= factor;
  }
  const auto factor = static_cast<std::int64_t>(unit / element_size);
  const std::int64_t count = n / factor;
  const std::int64_t largest = std::max(count, in_count / factor);
  device::visit_unit(unit, [&](auto unit_tag) {
    using U = typename decltype(unit_tag)::type;
    device::visit_index(largest, [&](auto index_tag) {
      using Index = typename decltype(index_tag)::type;
      PadIndexer<Index> indexer;
      indexer.rank = units.rank;
      std::int64_t stride = 1;
      for (int d = 0; d < units.rank; ++d) {
        const auto from = static_cast<std::size_t>(units.rank - 1 - d);  // innermost first
        indexer.out_dims[d] = Divmod<Index>(units.out_dims[from]);
        indexer.before[d] = static_cast<Index>(units.before[from]);
        indexer.in_dims[d] = static_cast<Index>(units.in_dims[from]);
        indexer.in_strides[d] = static_cast<Index>(stride);
        stride *= units.in_dims[from];
      }
      pad_kernel<U, Index><<<blocks_for(count), kThreadsPerBlock, 0, stream>>>(
          static_cast<const U*>(in), static_cast<U*>(out), indexer, static_cast<Index>(count));
      VS_CUDA_CHECK(cudaGetLastError());
    });
  });
}

void gather_rows(const void* params, const void* indices, bool indices_are_int64, void* out,
                 std::size_t element_size, std::int64_t outer, std::int64_t count,
                 std::int64_t limit, std::int64_t inner, cudaStream_t stream) {
  const std::int64_t n = outer * count * inner;
  if (n <= 0) return;
  std::size_t unit =
      device::widest_unit(element_size, static_cast<std::uint64_t>(inner) * element_size);
  while (unit > element_size && !(is_aligned(params, unit) && is_aligned(out, unit))) unit /= 2;
  const std::int64_t inner_units =
      inner * static_cast<std::int64_t>(element_size) / static_cast<std::int64_t>(unit);
  const std::int64_t units = outer * count * inner_units;
  const std::int64_t largest = std::max(units, outer * limit * inner_units);
  device::visit_unit(unit, [&](auto unit_tag) {
    using U = typename decltype(unit_tag)::type;
    device::visit_index(largest, [&](auto index_tag) {
      using Index = typename decltype(index_tag)::type;
      const auto launch = [&](auto indices_tag) {
        using IndexT = typename decltype(indices_tag)::type;
        gather_rows_kernel<U, IndexT, Index><<<blocks_for(units), kThreadsPerBlock, 0, stream>>>(
            static_cast<const U*>(params), static_cast<const IndexT*>(indices),
            static_cast<U*>(out), Divmod<Index>(inner_units), Divmod<Index>(count),
            static_cast<Index>(limit), static_cast<Index>(units));
        VS_CUDA_CHECK(cudaGetLastError());
      };
      if (indices_are_int64) {
        launch(Type<std::int64_t>{});
      } else {
        launch(Type<std::int32_t>{});
      }
    });
  });
}

void stitch_rows(const void* src, void* dst, std::size_t row_bytes,
                 const std::vector<std::int64_t>& dst_rows, cudaStream_t stream) {
  if (row_bytes == 0 || dst_rows.empty()) return;
  std::size_t unit = device::widest_unit(1, row_bytes);
  while (unit > 1 && !(is_aligned(src, unit) && is_aligned(dst, unit))) unit /= 2;
  const auto row_units = static_cast<std::int64_t>(row_bytes / unit);
  device::visit_unit(unit, [&](auto unit_tag) {
    using U = typename decltype(unit_tag)::type;
    const auto total = static_cast<std::int64_t>(dst_rows.size());
    for (std::int64_t first = 0; first < total; first += kStitchRowsPerLaunch) {
      StitchRows rows;
      rows.first = first;
      rows.count = static_cast<int>(std::min<std::int64_t>(kStitchRowsPerLaunch, total - first));
      bool any = false;
      for (int r = 0; r < rows.count; ++r) {
        rows.dst_row[r] = dst_rows[static_cast<std::size_t>(first + r)];
        any = any || rows.dst_row[r] >= 0;
      }
      if (!any) continue;  // every row of this chunk is overwritten by a later input
      stitch_rows_kernel<U><<<blocks_for(rows.count * row_units), kThreadsPerBlock, 0, stream>>>(
          static_cast<const U*>(src), static_cast<U*>(dst), row_units, rows);
      VS_CUDA_CHECK(cudaGetLastError());
    }
  });
}

void cast_elements(const void* in, DType from, void* out, DType to, std::int64_t n,
                   cudaStream_t stream) {
  if (n <= 0) return;
  device::visit_dtype(from, [&](auto from_tag) {
    using From = typename decltype(from_tag)::type;
    device::visit_dtype(to, [&](auto to_tag) {
      using To = typename decltype(to_tag)::type;
      const bool packed = is_aligned(in, sizeof(From) * device::kPackSize) &&
                          is_aligned(out, sizeof(To) * device::kPackSize);
      const std::int64_t work = packed ? (n + device::kPackSize - 1) / device::kPackSize : n;
      cast_kernel<From, To><<<blocks_for(work), kThreadsPerBlock, 0, stream>>>(
          static_cast<const From*>(in), static_cast<To*>(out), n, packed);
      VS_CUDA_CHECK(cudaGetLastError());
    });
  });
}

}  // namespace varscope::cuda
