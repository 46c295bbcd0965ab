// Reduction kernels: Sum and Mean over any set of axes (keep_dims), L2Loss = sum(x^2) / 2.
// The input is read once in order while an odometer tracks the output element it folds into
// (reduced axes have output stride 0); sums accumulate in double (int64 for integers).
#include <string>
#include <type_traits>
#include <vector>

#include "cpu/kernels/kernel_util.h"

namespace varscope::cpu {
namespace {

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

template <class T, bool kMean>
void reduce_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const std::vector<std::int64_t> axes = index_values(ctx, ctx.input(1), "reduction_indices");
  const bool keep_dims = ctx.node().has_attr("keep_dims") && ctx.node().attr_as<bool>("keep_dims");
  const Shape& shape = in.shape();
  const int rank = shape.rank();

  std::vector<bool> reduced(static_cast<std::size_t>(rank), false);
  for (std::int64_t axis : axes) {
    if (axis < -rank || axis >= rank) {
      ctx.fail("reduction axis " + std::to_string(axis) + " is out of range for input shape " + shape.to_string());
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
  Tensor& out = ctx.allocate_output(0, Shape(out_dims));
  const std::int64_t n = in.num_elements();
  const std::int64_t out_n = out.num_elements();
  const T* src = elements<T>(in);
  T* dst = elements<T>(out);

  std::vector<Acc<T>> acc(static_cast<std::size_t>(out_n), Acc<T>(0));
  if (out_n == 1) {
    for (std::int64_t i = 0; i < n; ++i) acc[0] += to_acc(src[i]);
  } else if (n > 0) {
    // Output stride of each input dimension: 0 when reduced, else its stride among kept dims.
    const std::vector<std::int64_t> kept_strides = row_major_strides(kept_dims);
    std::vector<std::int64_t> out_strides(static_cast<std::size_t>(rank), 0);
    for (int d = 0, k = 0; d < rank; ++d) {
      if (!reduced[static_cast<std::size_t>(d)]) out_strides[static_cast<std::size_t>(d)] = kept_strides[k++];
    }
    std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
    std::int64_t o = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      acc[static_cast<std::size_t>(o)] += to_acc(src[i]);
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
    if constexpr (kMean) {
      if constexpr (std::is_integral_v<T>) {
        v = count > 0 ? v / count : 0;  // integer mean truncates, as in TF
      } else {
        v = v / static_cast<double>(count);  // an empty reduction gives NaN, as in TF
      }
    }
    dst[j] = from_acc<T>(v);
  }
}

template <class T>
void l2_loss_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, Shape{});
  const T* src = elements<T>(in);
  double sum = 0.0;
  for (std::int64_t i = 0, n = in.num_elements(); i < n; ++i) {
    const double x = to_acc(src[i]);
    sum += x * x;
  }
  elements<T>(out)[0] = from_acc<T>(sum / 2.0);
}

template <class T>
void register_for(KernelRegistry& registry, DType dtype) {
  registry.add("Sum", DeviceType::kCPU, dtype, reduce_kernel<T, false>);
  registry.add("Mean", DeviceType::kCPU, dtype, reduce_kernel<T, true>);
  if constexpr (!std::is_integral_v<T>) registry.add("L2Loss", DeviceType::kCPU, dtype, l2_loss_kernel<T>);
}

}  // namespace

void register_reduction_kernels(KernelRegistry& registry) {
  for_each_math_dtype([&](auto tag, DType dtype) { register_for<decltype(tag)>(registry, dtype); });
}

}  // namespace varscope::cpu
