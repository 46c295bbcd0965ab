// Reduction kernels: Sum, Mean, Prod and Max over any set of axes (keep_dims), ArgMax along one
// axis, L2Loss = sum(x^2) / 2.
//
// Sum/Mean/Prod/Max first merge neighbouring dimensions that are reduced alike (and drop size-1
// ones), so the common layouts become (R), (K, R), (R, K) or (K, R, K): the first two run as Eigen
// Tensor reductions on the thread pool, the others fold whole rows into per-worker accumulators.
// Other layouts, and the 16-bit floats, take the generic path: the
// input is read once in order while an odometer tracks the output element it folds into (reduced
// axes have output stride 0), accumulating in double (int64 for integers).
#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "cpu/kernels/kernel_util.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

enum class Reduce { kSum, kMean, kProd, kMax };

// Accumulator type: double for every floating dtype, int64 for integers.
template <class T>
using Acc = std::conditional_t<std::is_integral_v<T>, std::int64_t, double>;

template <class T>
Acc<T> to_acc(T x) {
  if constexpr (is_reduced_float_v<T>) {
    return static_cast<double>(static_cast<float>(x));
  } else {
    return static_cast<Acc<T>>(x);
  }
}

template <class T>
T from_acc(Acc<T> x) {
  if constexpr (is_reduced_float_v<T>) {
    return T(static_cast<float>(x));
  } else {
    return static_cast<T>(x);
  }
}

// The value a reduction over no elements gives (TF: 0, 1, the lowest value; Mean divides by 0).
template <class T, Reduce R>
Acc<T> initial() {
  if constexpr (R == Reduce::kProd) {
    return Acc<T>(1);
  } else if constexpr (R == Reduce::kMax) {
    if constexpr (std::is_integral_v<T>) {
      return static_cast<Acc<T>>(std::numeric_limits<T>::lowest());
    } else {
      return -std::numeric_limits<double>::infinity();
    }
  } else {
    return Acc<T>(0);
  }
}

template <class T, Reduce R>
void fold(Acc<T>& acc, T x) {
  if constexpr (R == Reduce::kProd) {
    acc *= to_acc(x);
  } else if constexpr (R == Reduce::kMax) {
    const Acc<T> v = to_acc(x);
    if (v > acc || v != v) acc = v;  // NaN wins, as in TF
  } else {
    acc += to_acc(x);
  }
}

template <class T>
inline constexpr bool kEigenReducible =
    std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::int32_t> ||
    std::is_same_v<T, std::int64_t>;

template <Reduce R, class Expr, class Dims>
auto eigen_reduce(const Expr& e, const Dims& dims) {
  if constexpr (R == Reduce::kSum) {
    return e.sum(dims);
  } else if constexpr (R == Reduce::kMean) {
    return e.mean(dims);  // integers truncate, as in TF
  } else if constexpr (R == Reduce::kProd) {
    return e.prod(dims);
  } else {
    return e.maximum(dims);
  }
}

template <class T, int N>
using InMap = Eigen::TensorMap<Eigen::Tensor<const T, N, Eigen::RowMajor, Eigen::Index>>;
template <class T, int N>
using OutMap = Eigen::TensorMap<Eigen::Tensor<T, N, Eigen::RowMajor, Eigen::Index>>;

// Reduces axis `axis` of the (d0[, d1[, d2]]) view of src into dst with Eigen on the thread pool.
template <class T, Reduce R, int N>
void eigen_reduce_axis(const T* src, T* dst, const std::array<Eigen::Index, N>& dims, int axis) {
  const InMap<T, N> in(src, dims);
  const Eigen::array<Eigen::Index, 1> reduce_dims{axis};
  std::array<Eigen::Index, N - 1> out_dims{};
  for (int d = 0, k = 0; d < N; ++d) {
    if (d != axis) out_dims[static_cast<std::size_t>(k++)] = dims[static_cast<std::size_t>(d)];
  }
  OutMap<T, N - 1> out(dst, out_dims);
  out.device(eigen_device()) = eigen_reduce<R>(in, reduce_dims);
}

// Merged dimensions: (size, reduced) with neighbours of the same kind joined, size-1 dims dropped.
struct Group {
  std::int64_t size = 0;
  bool reduced = false;
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

template <class T>
using Row = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstRow = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

template <class T, Reduce R>
T identity_value() {
  if constexpr (R == Reduce::kProd) {
    return T(1);
  } else if constexpr (R == Reduce::kMax) {
    return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                : std::numeric_limits<T>::lowest();
  } else {
    return T(0);
  }
}

template <class T, Reduce R>
void fold_row(Row<T>& acc, const ConstRow<T>& row) {
  if constexpr (R == Reduce::kProd) {
    acc *= row;
  } else if constexpr (R == Reduce::kMax) {
    acc = acc.max(row);
  } else {
    acc += row;
  }
}

// Folds the rows [first, last) of a (rows, cols) block into `out` (cols values), a whole row at a
// time (vectorized), starting from the reduction's identity.
template <class T, Reduce R>
void fold_rows(const T* block, std::int64_t first, std::int64_t last, std::int64_t cols, T* out) {
  Row<T> acc(out, cols);
  acc.setConstant(identity_value<T, R>());
  for (std::int64_t r = first; r < last; ++r)
    fold_row<T, R>(acc, ConstRow<T>(block + r * cols, cols));
}

// (outer, rows, cols) -> (outer, cols): the reduced dimension is not innermost (bias gradients,
// Sum over the batch, pooling over H and W). Eigen's reducer walks such a tensor with strided
// reads; here each worker folds whole rows into its own accumulator row, merged at the end.
template <class T, Reduce R>
void reduce_middle(KernelContext& ctx, const T* src, T* dst, std::int64_t outer, std::int64_t rows,
                   std::int64_t cols) {
  const auto finish = [&](T* out) {
    if constexpr (R == Reduce::kMean) {
      Row<T> o(out, cols);
      o = o / static_cast<T>(rows);  // integers truncate, as in TF
    }
  };
  const double cost = static_cast<double>(rows * cols);
  if (outer >= num_threads() || outer * rows * cols < 65536) {
    parallel_for(outer, cost, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t o = first; o < last; ++o) {
        fold_rows<T, R>(src + o * rows * cols, 0, rows, cols, dst + o * cols);
        finish(dst + o * cols);
      }
    });
    return;
  }
  // Few outer blocks: split each block's rows between the workers, one partial row each.
  const std::int64_t shards = std::min<std::int64_t>(num_threads(), rows);
  Tensor scratch = ctx.allocate_temp(dtype_of<T>(), Shape{shards, cols});  // (shards, cols)
  T* partial = elements<T>(scratch);
  for (std::int64_t o = 0; o < outer; ++o) {
    const T* block = src + o * rows * cols;
    parallel_for(shards, cost / static_cast<double>(shards),
                 [&](std::int64_t first, std::int64_t last) {
                   for (std::int64_t k = first; k < last; ++k) {
                     fold_rows<T, R>(block, rows * k / shards, rows * (k + 1) / shards, cols,
                                     partial + k * cols);
                   }
                 });
    fold_rows<T, R>(partial, 0, shards, cols, dst + o * cols);
    finish(dst + o * cols);
  }
}

// The fast layouts; false when `groups` is not one of them.
template <class T, Reduce R>
bool reduce_fast(KernelContext& ctx, const std::vector<Group>& g, const T* src, T* dst) {
  using Dims1 = std::array<Eigen::Index, 1>;
  using Dims2 = std::array<Eigen::Index, 2>;
  if (g.size() == 1 && g[0].reduced) {
    eigen_reduce_axis<T, R, 1>(src, dst, Dims1{g[0].size}, 0);
  } else if (g.size() == 2 && !g[0].reduced) {
    eigen_reduce_axis<T, R, 2>(src, dst, Dims2{g[0].size, g[1].size},
                               1);  // innermost: Eigen vectorizes rows
  } else if (g.size() == 2) {
    reduce_middle<T, R>(ctx, src, dst, 1, g[0].size, g[1].size);
  } else if (g.size() == 3 && g[1].reduced) {
    reduce_middle<T, R>(ctx, src, dst, g[0].size, g[1].size, g[2].size);
  } else {
    return false;
  }
  return true;
}

template <class T, Reduce R>
void reduce_generic(const Shape& shape, const std::vector<bool>& reduced,
                    const std::vector<std::int64_t>& kept_dims, const T* src, T* dst,
                    std::int64_t out_n) {
  const int rank = shape.rank();
  const std::int64_t n = shape.num_elements();
  std::vector<Acc<T>> acc(static_cast<std::size_t>(out_n), initial<T, R>());
  if (out_n == 1) {
    for (std::int64_t i = 0; i < n; ++i) fold<T, R>(acc[0], src[i]);
  } else if (n > 0) {
    // Output stride of each input dimension: 0 when reduced, else its stride among kept dims.
    const std::vector<std::int64_t> kept_strides = row_major_strides(kept_dims);
    std::vector<std::int64_t> out_strides(static_cast<std::size_t>(rank), 0);
    for (int d = 0, k = 0; d < rank; ++d) {
      if (!reduced[static_cast<std::size_t>(d)])
        out_strides[static_cast<std::size_t>(d)] = kept_strides[k++];
    }
    std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
    std::int64_t o = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      fold<T, R>(acc[static_cast<std::size_t>(o)], src[i]);
      for (int d = rank - 1; d >= 0; --d) {
        const auto k = static_cast<std::size_t>(d);
        o += out_strides[k];
        if (++index[k] < shape.dim(d)) break;
        o -= out_strides[k] * shape.dim(d);
        index[k] = 0;
      }
    }
  }
  const std::int64_t count = out_n > 0 ? n / out_n : 0;
  for (std::int64_t j = 0; j < out_n; ++j) {
    Acc<T> v = acc[static_cast<std::size_t>(j)];
    if constexpr (R == Reduce::kMean) {
      if constexpr (std::is_integral_v<T>) {
        v = count > 0 ? v / count : 0;  // integer mean truncates, as in TF
      } else {
        v = v / static_cast<double>(count);  // an empty reduction gives NaN, as in TF
      }
    }
    dst[j] = from_acc<T>(v);
  }
}

template <class T, Reduce R>
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
  std::vector<std::int64_t> out_dims, kept_dims;
  for (int d = 0; d < rank; ++d) {
    if (!reduced[static_cast<std::size_t>(d)]) {
      out_dims.push_back(shape.dim(d));
      kept_dims.push_back(shape.dim(d));
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
  const T* src = elements<T>(in);
  T* dst = elements<T>(out);
  if (out_n == 0) return;
  if constexpr (kEigenReducible<T>) {
    if (n > 0 && reduce_fast<T, R>(ctx, merge_dims(shape, reduced), src, dst)) return;
  }
  reduce_generic<T, R>(shape, reduced, kept_dims, src, dst, out_n);
}

template <class T>
void l2_loss_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, Shape{});
  const T* src = elements<T>(in);
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    const InMap<T, 1> x(src, std::array<Eigen::Index, 1>{in.num_elements()});
    OutMap<T, 0> y(elements<T>(out), std::array<Eigen::Index, 0>{});
    y.device(eigen_device()) = x.square().sum() * static_cast<T>(0.5);
  } else {
    double sum = 0.0;
    for (std::int64_t i = 0, n = in.num_elements(); i < n; ++i) {
      const double x = to_acc(src[i]);
      sum += x * x;
    }
    elements<T>(out)[0] = from_acc<T>(sum / 2.0);
  }
}

// ArgMax(input, dimension): seen as (outer, axis, inner), each (outer, inner) pair scans the axis
// and keeps the first largest value. Rows of `inner` are compared at once for locality.
template <class T, class Index>
void argmax_rows(const T* src, Index* dst, std::int64_t outer, std::int64_t axis,
                 std::int64_t inner) {
  parallel_for(outer, static_cast<double>(axis * inner),
               [&](std::int64_t first, std::int64_t last) {
                 std::vector<T> best(static_cast<std::size_t>(inner));
                 for (std::int64_t o = first; o < last; ++o) {
                   const T* block = src + o * axis * inner;
                   Index* result = dst + o * inner;
                   if (inner == 1) {
                     std::int64_t arg = 0;
                     for (std::int64_t k = 1; k < axis; ++k) {
                       if (block[k] > block[arg]) arg = k;
                     }
                     result[0] = static_cast<Index>(arg);
                     continue;
                   }
                   std::copy(block, block + inner, best.begin());
                   std::fill(result, result + inner, Index(0));
                   for (std::int64_t k = 1; k < axis; ++k) {
                     const T* row = block + k * inner;
                     for (std::int64_t i = 0; i < inner; ++i) {
                       if (row[i] > best[static_cast<std::size_t>(i)]) {
                         best[static_cast<std::size_t>(i)] = row[i];
                         result[i] = static_cast<Index>(k);
                       }
                     }
                   }
                 }
               });
}

template <class T>
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
  if (out.dtype() == DType::kInt32) {
    argmax_rows(elements<T>(in), elements<std::int32_t>(out), outer, size, inner);
  } else {
    argmax_rows(elements<T>(in), elements<std::int64_t>(out), outer, size, inner);
  }
}

template <class T>
void register_for(KernelRegistry& registry, DType dtype) {
  registry.add("Sum", DeviceType::kCPU, dtype, reduce_kernel<T, Reduce::kSum>);
  registry.add("Mean", DeviceType::kCPU, dtype, reduce_kernel<T, Reduce::kMean>);
  registry.add("Prod", DeviceType::kCPU, dtype, reduce_kernel<T, Reduce::kProd>);
  registry.add("Max", DeviceType::kCPU, dtype, reduce_kernel<T, Reduce::kMax>);
  registry.add("ArgMax", DeviceType::kCPU, dtype, argmax_kernel<T>);
  if constexpr (!std::is_integral_v<T>)
    registry.add("L2Loss", DeviceType::kCPU, dtype, l2_loss_kernel<T>);
}

}  // namespace

void register_reduction_kernels(KernelRegistry& registry) {
  for_each_math_dtype([&](auto tag, DType dtype) { register_for<decltype(tag)>(registry, dtype); });
}

}  // namespace varscope::cpu
