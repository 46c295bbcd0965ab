// Reductions on the GPU: Sum, Mean, Prod, Max and L2Loss's half sum of squares over any axis set,
// and ArgMax along one axis.
//
// The host half (reduction_kernels.cpp) merges neighbouring dimensions reduced alike, so a
// reduction is (outer, reduced, inner) when one group is reduced ("contiguous"); otherwise the
// kept and reduced groups are walked with div/mod strides (no transpose). Two kernels:
//  - groups: a warp (or a 256-thread block for long rows) per output element, its lanes striding
//    the reduced index, then a warp/block tree; used when the reduced elements are (nearly)
//    contiguous: inner < 32, or the innermost dimension is reduced.
//  - columns: a thread per output element folding the reduced index in order; neighbouring
//    threads read neighbouring elements when inner >= 32 (and for short reductions).
// Few outputs over many elements would leave the GPU idle, so then the reduced range is split into
// chunks: a first pass writes (outputs, chunks) partial accumulators to the workspace and a second
// pass reduces each row of partials. Chunk sizes depend only on the geometry, and every lane folds
// a fixed index set in a fixed order, so results are bit-identical from run to run.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "cuda/check.h"
#include "cuda/kernels/reduce.cuh"
#include "cuda/kernels/reduction_kernels.h"
#include "varscope/error.h"

namespace varscope::cuda {
namespace {

using reduce_cuh::blocks_for;
using reduce_cuh::ComputeType;
using reduce_cuh::convert;
using reduce_cuh::group_allreduce;
using reduce_cuh::kBlockThreads;
using reduce_cuh::kWarpSize;
using reduce_cuh::load_compute;

// Threads resident on a full H100 (132 SMs x 2048): chunking aims at about this many. A constant,
// not a device query, so a geometry always gets the same chunks (and the same result bits).
constexpr std::int64_t kFullDeviceThreads = 132 * 2048;
// Reductions this short run in the columns kernel (a warp per output would idle most lanes).
constexpr std::int64_t kShortReduction = 16;
// Rows at least this long get a whole block per output element instead of a warp.
constexpr std::int64_t kBlockRowLength = 4096;
// Chunk lengths are multiples of this (the widest vector: 8 16-bit floats in 16 bytes).
constexpr std::int64_t kChunkAlignment = 8;

// Accumulator type: float for the 16-bit floats and float32, double for float64, int64 for
// integers (as the CPU: its float paths differ only in rounding).
template <class T>
using Acc = std::conditional_t<std::is_integral_v<T>, std::int64_t,
                               std::conditional_t<std::is_same_v<T, double>, double, float>>;

template <ReduceOp Op, class T, class A>
__device__ __forceinline__ A identity() {
  if constexpr (Op == ReduceOp::kProd) {
    return A(1);
  } else if constexpr (Op == ReduceOp::kMax) {
    if constexpr (std::is_same_v<T, std::int64_t>) {
      return INT64_MIN;
    } else if constexpr (std::is_same_v<T, std::int32_t>) {
      return INT32_MIN;
    } else {
      return A(-INFINITY);
    }
  } else {
    return A(0);
  }
}

template <ReduceOp Op>
struct Combine {
  template <class A>
  __device__ __forceinline__ A operator()(A a, A b) const {
    if constexpr (Op == ReduceOp::kProd) {
      return a * b;
    } else if constexpr (Op == ReduceOp::kMax) {
      if constexpr (std::is_floating_point_v<A>) {
        return (b > a || b != b) ? b : a;  // NaN wins, as on the CPU (commutative)
      } else {
        return b > a ? b : a;
      }
    } else {
      return a + b;
    }
  }
};

// What an input element contributes (its square for L2Loss, in the first pass only).
template <ReduceOp Op, bool kFirstPass, class A>
__device__ __forceinline__ A prepare(A x) {
  if constexpr (Op == ReduceOp::kHalfSumOfSquares && kFirstPass) {
    return x * x;
  } else {
    return x;
  }
}

template <ReduceOp Op, class A>
__device__ __forceinline__ A finish(A acc, std::int64_t count) {
  if constexpr (Op == ReduceOp::kMean) {
    if constexpr (std::is_integral_v<A>) {
      return count > 0 ? acc / count : A(0);  // integer mean truncates, as in TF
    } else {
      return acc / static_cast<A>(count);  // an empty mean is NaN, as in TF
    }
  } else if constexpr (Op == ReduceOp::kHalfSumOfSquares) {
    return acc * A(0.5);
  } else {
    return acc;
  }
}

// (outer, reduced, inner): output j = (o, i) starts at o * reduced * inner + i, reduced index r is
// r * inner further.
struct ContiguousIndexer {
  std::int64_t inner{};
  std::int64_t reduced_size{};

  __device__ __forceinline__ std::int64_t base(std::int64_t j) const {
    const std::int64_t o = j / inner;
    return o * reduced_size * inner + (j - o * inner);
  }
  __device__ __forceinline__ std::int64_t offset(std::int64_t r) const { return r * inner; }
};

__device__ __forceinline__ std::int64_t strided_offset(const ReduceDims& dims, std::int64_t index) {
  std::int64_t offset = 0;
  for (int d = dims.rank - 1; d >= 0; --d) {
    const std::int64_t q = index / dims.sizes[d];
    offset += (index - q * dims.sizes[d]) * dims.strides[d];
    index = q;
  }
  return offset;
}

// Any kept/reduced interleaving: indices decomposed over the dimension groups.
struct GenericIndexer {
  ReduceDims kept{};
  ReduceDims reduced{};

  __device__ __forceinline__ std::int64_t base(std::int64_t j) const {
    return strided_offset(kept, j);
  }
  __device__ __forceinline__ std::int64_t offset(std::int64_t r) const {
    return strided_offset(reduced, r);
  }
};

// One pass over `num_outputs` rows of `reduced_count` elements, each split into `chunks` of
// `chunk_len`. With one chunk, out[j] gets the finished value; otherwise partial[j * chunks + c]
// gets chunk c's accumulator.
struct Pass {
  std::int64_t num_outputs{};
  std::int64_t reduced_count{};
  std::int64_t chunks{1};
  std::int64_t chunk_len{};
  std::int64_t mean_count{};  // the element count Mean divides by
};

template <ReduceOp Op, class A, class Out>
__device__ __forceinline__ void store(Out* out, A* partial, const Pass& pass, std::int64_t j,
                                      std::int64_t c, A acc) {
  if (pass.chunks > 1) {
    partial[j * pass.chunks + c] = acc;
  } else {
    out[j] = convert<Out>(finish<Op>(acc, pass.mean_count));
  }
}

// A group of kThreads threads per (output, chunk). With kWidth > 1 (contiguous rows, inner == 1)
// each lane folds kWidth neighbouring elements per step, read as one 16-byte vector when aligned:
// the order is the same either way, so alignment never changes the result.
template <int kThreads, int kWidth, ReduceOp Op, bool kFirstPass, class In, class Out,
          class Indexer>
__global__ void __launch_bounds__(kBlockThreads)
    reduce_groups_kernel(const In* in, Out* out, Acc<In>* partial, Indexer index, Pass pass) {
  using A = Acc<In>;
  constexpr int kGroupsPerBlock = kBlockThreads / kThreads;
  const Combine<Op> combine;
  const int lane = static_cast<int>(threadIdx.x) % kThreads;
  const std::int64_t tasks = pass.num_outputs * pass.chunks;
  for (std::int64_t task =
           static_cast<std::int64_t>(blockIdx.x) * kGroupsPerBlock + threadIdx.x / kThreads;
       task < tasks; task += static_cast<std::int64_t>(gridDim.x) * kGroupsPerBlock) {
    const std::int64_t j = task / pass.chunks;
    const std::int64_t c = task - j * pass.chunks;
    const std::int64_t begin = c * pass.chunk_len;
    const std::int64_t end = min(pass.reduced_count, begin + pass.chunk_len);
    const In* row = in + index.base(j);
    A acc = identity<Op, In, A>();
    if constexpr (kWidth > 1) {
      static_assert(kWidth * sizeof(In) == 16, "one 16-byte vector per step");
      const bool aligned = reinterpret_cast<std::uintptr_t>(row + begin) % 16 == 0;
      for (std::int64_t r = begin + static_cast<std::int64_t>(lane) * kWidth; r < end;
           r += static_cast<std::int64_t>(kThreads) * kWidth) {
        if (aligned && r + kWidth <= end) {
          const uint4 bits = *reinterpret_cast<const uint4*>(row + r);
          const In* v = reinterpret_cast<const In*>(&bits);
#pragma unroll
          for (int k = 0; k < kWidth; ++k) {
            acc = combine(acc, prepare<Op, kFirstPass>(convert<A>(v[k])));
          }
        } else {
          for (std::int64_t k = r; k < min(end, r + kWidth); ++k) {
            acc = combine(acc, prepare<Op, kFirstPass>(convert<A>(row[k])));
          }
        }
      }
    } else {
#pragma unroll 4
      for (std::int64_t r = begin + lane; r < end; r += kThreads) {
        acc = combine(acc, prepare<Op, kFirstPass>(convert<A>(row[index.offset(r)])));
      }
    }
    acc = group_allreduce<kThreads>(acc, combine);
    if (lane == 0) store<Op>(out, partial, pass, j, c, acc);
  }
}

// A thread per (output, chunk), folding its reduced range in order. Threads go through the
// outputs of chunk 0 first, so neighbours read neighbouring columns.
template <ReduceOp Op, bool kFirstPass, class In, class Out, class Indexer>
__global__ void __launch_bounds__(kBlockThreads)
    reduce_columns_kernel(const In* in, Out* out, Acc<In>* partial, Indexer index, Pass pass) {
  using A = Acc<In>;
  const Combine<Op> combine;
  const std::int64_t tasks = pass.num_outputs * pass.chunks;
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t task = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
       task < tasks; task += stride) {
    const std::int64_t c = task / pass.num_outputs;
    const std::int64_t j = task - c * pass.num_outputs;
    const std::int64_t begin = c * pass.chunk_len;
    const std::int64_t end = min(pass.reduced_count, begin + pass.chunk_len);
    const In* column = in + index.base(j);
    A acc = identity<Op, In, A>();
#pragma unroll 4
    for (std::int64_t r = begin; r < end; ++r) {
      acc = combine(acc, prepare<Op, kFirstPass>(convert<A>(column[index.offset(r)])));
    }
    store<Op>(out, partial, pass, j, c, acc);
  }
}

// ------------------------------------------------------------------------------------------------
// Planning: which kernel, how many chunks (a function of the geometry only).

struct Plan {
  bool contiguous{};      // one reduced group: ContiguousIndexer
  std::int64_t inner{1};  // contiguous: stride of the reduced group
  bool groups{};          // groups kernel (else columns)
  bool block_groups{};    // a block per output (else a warp)
  std::int64_t chunks{1};
  std::int64_t chunk_len{};
};

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Splits `length` into at most `max_chunks` chunks of at least `min_len` (rounded to
// kChunkAlignment); sets plan.chunks and plan.chunk_len.
void split(Plan& plan, std::int64_t length, std::int64_t max_chunks, std::int64_t min_len) {
  std::int64_t chunks = std::min(max_chunks, length / std::max<std::int64_t>(min_len, 1));
  if (chunks < 2) {
    plan.chunks = 1;
    plan.chunk_len = length;
    return;
  }
  const std::int64_t len = ceil_div(ceil_div(length, chunks), kChunkAlignment) * kChunkAlignment;
  plan.chunks = ceil_div(length, len);
  plan.chunk_len = len;
}

Plan make_plan(const ReduceGeometry& g) {
  Plan plan;
  const std::int64_t r = g.reduced_count;
  const std::int64_t n = g.num_outputs;
  plan.contiguous = g.reduced.rank == 1;
  if (plan.contiguous) plan.inner = g.reduced.strides[0];
  const bool innermost_reduced = g.reduced.rank > 0 && g.reduced.strides[g.reduced.rank - 1] == 1;
  if (r <= kShortReduction) {
    plan.groups = false;
  } else if (plan.contiguous) {
    plan.groups = plan.inner < kWarpSize;
  } else {
    plan.groups = innermost_reduced;
  }
  if (plan.groups) {
    plan.block_groups = r >= kBlockRowLength;
    const std::int64_t threads = plan.block_groups ? kBlockThreads : kWarpSize;
    split(plan, r, ceil_div(kFullDeviceThreads, n * threads),
          std::max<std::int64_t>(threads * 16, 4096));
  } else {
    split(plan, r, ceil_div(kFullDeviceThreads, n), 64);
  }
  return plan;
}

// The second pass: rows of `chunks` partial accumulators.
Plan make_final_plan(std::int64_t chunks) {
  Plan plan;
  plan.contiguous = true;
  plan.inner = 1;
  plan.groups = chunks > kShortReduction;
  plan.block_groups = chunks >= kBlockRowLength;
  plan.chunks = 1;
  plan.chunk_len = chunks;
  return plan;
}

template <ReduceOp Op, bool kFirstPass, class In, class Out, class Indexer>
void launch_pass(const Plan& plan, const In* in, Out* out, Acc<In>* partial, const Indexer& index,
                 const Pass& pass, cudaStream_t stream) {
  const std::int64_t tasks = pass.num_outputs * pass.chunks;
  if (!plan.groups) {
    reduce_columns_kernel<Op, kFirstPass, In, Out, Indexer>
        <<<blocks_for(tasks), kBlockThreads, 0, stream>>>(in, out, partial, index, pass);
  } else {
    constexpr bool kVectorRows = std::is_same_v<Indexer, ContiguousIndexer> && sizeof(In) <= 8;
    constexpr int kWidth = kVectorRows ? static_cast<int>(16 / sizeof(In)) : 1;
    const bool vector_rows = kVectorRows && plan.inner == 1;
    if (plan.block_groups) {
      const unsigned int grid = blocks_for(tasks, 1);  // a block per task
      if (vector_rows) {
        reduce_groups_kernel<kBlockThreads, kWidth, Op, kFirstPass, In, Out, Indexer>
            <<<grid, kBlockThreads, 0, stream>>>(in, out, partial, index, pass);
      } else {
        reduce_groups_kernel<kBlockThreads, 1, Op, kFirstPass, In, Out, Indexer>
            <<<grid, kBlockThreads, 0, stream>>>(in, out, partial, index, pass);
      }
    } else {
      const unsigned int grid = blocks_for(tasks, kBlockThreads / kWarpSize);
      if (vector_rows) {
        reduce_groups_kernel<kWarpSize, kWidth, Op, kFirstPass, In, Out, Indexer>
            <<<grid, kBlockThreads, 0, stream>>>(in, out, partial, index, pass);
      } else {
        reduce_groups_kernel<kWarpSize, 1, Op, kFirstPass, In, Out, Indexer>
            <<<grid, kBlockThreads, 0, stream>>>(in, out, partial, index, pass);
      }
    }
  }
  VS_CUDA_CHECK(cudaGetLastError());
}

template <class T, ReduceOp Op>
void reduce_typed(const T* in, T* out, const ReduceGeometry& g, void* workspace,
                  cudaStream_t stream) {
  using A = Acc<T>;
  const Plan plan = make_plan(g);
  A* partial = static_cast<A*>(workspace);
  const Pass first{g.num_outputs, g.reduced_count, plan.chunks, plan.chunk_len, g.reduced_count};
  if (plan.contiguous) {
    const ContiguousIndexer index{plan.inner, g.reduced_count};
    launch_pass<Op, true>(plan, in, out, partial, index, first, stream);
  } else {
    const GenericIndexer index{g.kept, g.reduced};
    launch_pass<Op, true>(plan, in, out, partial, index, first, stream);
  }
  if (plan.chunks > 1) {
    const Plan final_plan = make_final_plan(plan.chunks);
    const Pass second{g.num_outputs, plan.chunks, 1, plan.chunks, g.reduced_count};
    const ContiguousIndexer index{1, plan.chunks};
    launch_pass<Op, false>(final_plan, static_cast<const A*>(partial), out,
                           static_cast<A*>(nullptr), index, second, stream);
  }
}

template <class T>
void reduce_op(ReduceOp op, const void* in, void* out, const ReduceGeometry& g, void* workspace,
               cudaStream_t stream) {
  const T* src = static_cast<const T*>(in);
  T* dst = static_cast<T*>(out);
  switch (op) {
    case ReduceOp::kSum:
      return reduce_typed<T, ReduceOp::kSum>(src, dst, g, workspace, stream);
    case ReduceOp::kMean:
      return reduce_typed<T, ReduceOp::kMean>(src, dst, g, workspace, stream);
    case ReduceOp::kProd:
      return reduce_typed<T, ReduceOp::kProd>(src, dst, g, workspace, stream);
    case ReduceOp::kMax:
      return reduce_typed<T, ReduceOp::kMax>(src, dst, g, workspace, stream);
    case ReduceOp::kHalfSumOfSquares:
      if constexpr (!std::is_integral_v<T>) {
        return reduce_typed<T, ReduceOp::kHalfSumOfSquares>(src, dst, g, workspace, stream);
      }
      break;
  }
  throw InvalidArgumentError("[reduce] unsupported reduction for this dtype");
}

// ------------------------------------------------------------------------------------------------
// ArgMax

// The best (value, index) a lane has seen; index -1 when none (NaNs are not candidates).
template <class C>
struct ArgMaxCandidate {
  C value{};
  std::int64_t index{-1};
};

template <class C>
__device__ __forceinline__ ArgMaxCandidate<C> shuffle_xor(ArgMaxCandidate<C> c, int lane_mask) {
  return {__shfl_xor_sync(0xffffffffu, c.value, lane_mask),
          __shfl_xor_sync(0xffffffffu, c.index, lane_mask)};
}

// The larger value, the smaller index on ties: commutative, so the tree is deterministic and
// gives the sequential scan's first maximum.
struct BetterCandidate {
  template <class C>
  __device__ __forceinline__ ArgMaxCandidate<C> operator()(ArgMaxCandidate<C> a,
                                                           ArgMaxCandidate<C> b) const {
    if (b.index < 0) return a;
    if (a.index < 0) return b;
    return (b.value > a.value || (b.value == a.value && b.index < a.index)) ? b : a;
  }
};

// The CPU's scan, a thread per (outer, inner) column: the first value greater than all before.
template <class T, class Index>
__global__ void __launch_bounds__(kBlockThreads)
    argmax_scan_kernel(const T* in, Index* out, std::int64_t outer, std::int64_t axis_size,
                       std::int64_t inner) {
  const std::int64_t n = outer * inner;
  const std::int64_t stride = static_cast<std::int64_t>(blockDim.x) * gridDim.x;
  for (std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < n;
       j += stride) {
    const std::int64_t o = j / inner;
    const T* column = in + o * axis_size * inner + (j - o * inner);
    ComputeType<T> best = load_compute(column);
    std::int64_t arg = 0;
    for (std::int64_t k = 1; k < axis_size; ++k) {
      const ComputeType<T> v = load_compute(column + k * inner);
      if (v > best) {
        best = v;
        arg = k;
      }
    }
    out[j] = static_cast<Index>(arg);
  }
}

// A group of kThreads per (outer, inner) row for long axes.
template <int kThreads, class T, class Index>
__global__ void __launch_bounds__(kBlockThreads)
    argmax_groups_kernel(const T* in, Index* out, std::int64_t outer, std::int64_t axis_size,
                         std::int64_t inner) {
  using C = ComputeType<T>;
  constexpr int kGroupsPerBlock = kBlockThreads / kThreads;
  const int lane = static_cast<int>(threadIdx.x) % kThreads;
  const std::int64_t n = outer * inner;
  for (std::int64_t j =
           static_cast<std::int64_t>(blockIdx.x) * kGroupsPerBlock + threadIdx.x / kThreads;
       j < n; j += static_cast<std::int64_t>(gridDim.x) * kGroupsPerBlock) {
    const std::int64_t o = j / inner;
    const T* row = in + o * axis_size * inner + (j - o * inner);
    ArgMaxCandidate<C> best;
    for (std::int64_t k = lane; k < axis_size; k += kThreads) {
      const C v = load_compute(row + k * inner);
      if constexpr (std::is_floating_point_v<C>) {
        if (v != v) continue;  // NaN: never greater than anything (index 0 is handled below)
      }
      if (best.index < 0 || v > best.value) best = {v, k};
    }
    best = group_allreduce<kThreads>(best, BetterCandidate{});
    if (lane == 0) {
      bool first_is_nan = false;
      if constexpr (std::is_floating_point_v<C>) {
        const C first = load_compute(row);
        first_is_nan = first != first;  // the scan starts from element 0: a NaN there wins
      }
      out[j] = static_cast<Index>(first_is_nan || best.index < 0 ? 0 : best.index);
    }
  }
}

template <class T, class Index>
void argmax_typed(const T* in, Index* out, std::int64_t outer, std::int64_t axis_size,
                  std::int64_t inner, cudaStream_t stream) {
  const std::int64_t n = outer * inner;
  if (n == 0) return;
  if (axis_size <= 64 || inner >= kWarpSize) {
    argmax_scan_kernel<T, Index>
        <<<blocks_for(n), kBlockThreads, 0, stream>>>(in, out, outer, axis_size, inner);
  } else if (axis_size >= kBlockRowLength) {
    argmax_groups_kernel<kBlockThreads, T, Index>
        <<<blocks_for(n, 1), kBlockThreads, 0, stream>>>(in, out, outer, axis_size, inner);
  } else {
    argmax_groups_kernel<kWarpSize, T, Index>
        <<<blocks_for(n, kBlockThreads / kWarpSize), kBlockThreads, 0, stream>>>(in, out, outer,
                                                                                 axis_size, inner);
  }
  VS_CUDA_CHECK(cudaGetLastError());
}

template <class T>
void argmax_values(DType index_dtype, const void* in, void* out, std::int64_t outer,
                   std::int64_t axis_size, std::int64_t inner, cudaStream_t stream) {
  const T* src = static_cast<const T*>(in);
  if (index_dtype == DType::kInt32) {
    argmax_typed(src, static_cast<std::int32_t*>(out), outer, axis_size, inner, stream);
  } else if (index_dtype == DType::kInt64) {
    argmax_typed(src, static_cast<std::int64_t*>(out), outer, axis_size, inner, stream);
  } else {
    throw InvalidArgumentError("[argmax] output_type must be int32 or int64, got " +
                               std::string(dtype_name(index_dtype)));
  }
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

std::size_t reduce_workspace_bytes(DType dtype, ReduceOp /*op*/, const ReduceGeometry& geometry) {
  const Plan plan = make_plan(geometry);
  if (plan.chunks <= 1) return 0;
  const std::size_t acc_size = dtype == DType::kFloat64 ? sizeof(double)
                               : (dtype == DType::kInt32 || dtype == DType::kInt64)
                                   ? sizeof(std::int64_t)
                                   : sizeof(float);
  return static_cast<std::size_t>(geometry.num_outputs * plan.chunks) * acc_size;
}

void reduce(DType dtype, ReduceOp op, const void* in, void* out, const ReduceGeometry& geometry,
            void* workspace, cudaStream_t stream) {
  if (geometry.num_outputs == 0) return;
  switch (dtype) {
    case DType::kFloat32:
      return reduce_op<float>(op, in, out, geometry, workspace, stream);
    case DType::kFloat64:
      return reduce_op<double>(op, in, out, geometry, workspace, stream);
    case DType::kFloat16:
      return reduce_op<__half>(op, in, out, geometry, workspace, stream);
    case DType::kBFloat16:
      return reduce_op<__nv_bfloat16>(op, in, out, geometry, workspace, stream);
    case DType::kInt64:
      return reduce_op<std::int64_t>(op, in, out, geometry, workspace, stream);
    case DType::kInt32:  // only Sum (BiasAddGrad): int32 reductions otherwise run on the host
      if (op == ReduceOp::kSum) {
        return reduce_typed<std::int32_t, ReduceOp::kSum>(static_cast<const std::int32_t*>(in),
                                                          static_cast<std::int32_t*>(out), geometry,
                                                          workspace, stream);
      }
      break;
    default:
      break;
  }
  throw InvalidArgumentError("[reduce] dtype " + std::string(dtype_name(dtype)) +
                             " is not supported on GPU");
}

void argmax(DType dtype, DType index_dtype, const void* in, void* out, std::int64_t outer,
            std::int64_t axis_size, std::int64_t inner, cudaStream_t stream) {
  switch (dtype) {
    case DType::kFloat32:
      return argmax_values<float>(index_dtype, in, out, outer, axis_size, inner, stream);
    case DType::kFloat64:
      return argmax_values<double>(index_dtype, in, out, outer, axis_size, inner, stream);
    case DType::kFloat16:
      return argmax_values<__half>(index_dtype, in, out, outer, axis_size, inner, stream);
    case DType::kBFloat16:
      return argmax_values<__nv_bfloat16>(index_dtype, in, out, outer, axis_size, inner, stream);
    case DType::kInt32:
      return argmax_values<std::int32_t>(index_dtype, in, out, outer, axis_size, inner, stream);
    case DType::kInt64:
      return argmax_values<std::int64_t>(index_dtype, in, out, outer, axis_size, inner, stream);
    default:
      break;
  }
  throw InvalidArgumentError("[argmax] dtype " + std::string(dtype_name(dtype)) +
                             " is not supported on GPU");
}

}  // namespace varscope::cuda
