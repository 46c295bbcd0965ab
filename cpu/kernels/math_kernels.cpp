// Element-wise kernels: Add, Sub, Mul, Maximum (NumPy broadcasting), AddN, Abs, Square. Equal
// layouts or a one-element operand run as one Eigen array expression; other broadcasts walk the
// output with an odometer, reading each operand with stride 0 along its broadcast dimensions.
#include <algorithm>
#include <string>
#include <vector>

#include "cpu/kernels/kernel_util.h"

namespace varscope::cpu {
namespace {

template <class T>
using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
template <class T>
using ConstMap = Eigen::Map<const Array<T>>;
template <class T>
using MutableMap = Eigen::Map<Array<T>>;

// Each op: `array` on Eigen expressions (fast path), `scalar` on elements (strided path).
struct AddOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) { return a + b; }
  template <class T>
  static T scalar(T a, T b) { return a + b; }
};
struct SubOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) { return a - b; }
  template <class T>
  static T scalar(T a, T b) { return a - b; }
};
struct MulOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) { return a * b; }
  template <class T>
  static T scalar(T a, T b) { return a * b; }
};
struct MaximumOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) { return a.max(b); }
  template <class T>
  static T scalar(T a, T b) { return a < b ? b : a; }
};

// The broadcast output shape; fails with the same text as shape inference.
std::vector<std::int64_t> broadcast_dims(const KernelContext& ctx, const Shape& a, const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  std::vector<std::int64_t> dims(static_cast<std::size_t>(rank));
  for (int k = 1; k <= rank; ++k) {
    const std::int64_t da = k <= a.rank() ? a.dim(-k) : 1;
    const std::int64_t db = k <= b.rank() ? b.dim(-k) : 1;
    if (da != db && da != 1 && db != 1) ctx.fail("incompatible shapes " + a.to_string() + " and " + b.to_string());
    dims[static_cast<std::size_t>(rank - k)] = da == 1 ? db : da;
  }
  return dims;
}

// Strides of `s` seen from an output of rank `rank`: 0 along broadcast dimensions.
std::vector<std::int64_t> broadcast_strides(const Shape& s, int rank) {
  std::vector<std::int64_t> own = row_major_strides(s.dims());
  std::vector<std::int64_t> strides(static_cast<std::size_t>(rank), 0);
  const int offset = rank - s.rank();
  for (int d = 0; d < s.rank(); ++d) {
    if (s.dim(d) != 1) strides[static_cast<std::size_t>(d + offset)] = own[static_cast<std::size_t>(d)];
  }
  return strides;
}

template <class T, class Op>
void binary_kernel(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const std::vector<std::int64_t> dims = broadcast_dims(ctx, a.shape(), b.shape());
  Tensor& out = ctx.allocate_output(0, Shape(dims));
  const std::int64_t n = out.num_elements();
  if (n == 0) return;
  const T* pa = elements<T>(a);
  const T* pb = elements<T>(b);
  T* po = elements<T>(out);
  MutableMap<T> o(po, n);
  if (a.num_elements() == n && b.num_elements() == n) {
    o = Op::array(ConstMap<T>(pa, n), ConstMap<T>(pb, n));  // same layout (equal up to leading 1s)
    return;
  }
  if (a.num_elements() == 1 && b.num_elements() == n) {
    o = Op::array(Array<T>::Constant(n, pa[0]), ConstMap<T>(pb, n));
    return;
  }
  if (b.num_elements() == 1 && a.num_elements() == n) {
    o = Op::array(ConstMap<T>(pa, n), Array<T>::Constant(n, pb[0]));
    return;
  }

  // General broadcast: innermost dimension in a tight loop, an odometer over the others.
  const int rank = static_cast<int>(dims.size());
  const std::vector<std::int64_t> sa = broadcast_strides(a.shape(), rank);
  const std::vector<std::int64_t> sb = broadcast_strides(b.shape(), rank);
  const std::int64_t inner = dims.back();
  const std::int64_t ia = sa.back(), ib = sb.back();
  std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
  std::int64_t oa = 0, ob = 0;
  for (std::int64_t row = 0; row < n / inner; ++row) {
    for (std::int64_t j = 0; j < inner; ++j) po[j] = Op::scalar(pa[oa + j * ia], pb[ob + j * ib]);
    po += inner;
    for (int d = rank - 2; d >= 0; --d) {
      const auto i = static_cast<std::size_t>(d);
      oa += sa[i];
      ob += sb[i];
      if (++index[i] < dims[i]) break;
      oa -= sa[i] * dims[i];
      ob -= sb[i] * dims[i];
      index[i] = 0;
    }
  }
}

template <class T>
void add_n_kernel(KernelContext& ctx) {
  const Tensor& first = ctx.input(0);
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    if (ctx.input(i).shape() != first.shape()) {
      ctx.fail("incompatible shapes " + first.shape().to_string() + " and " + ctx.input(i).shape().to_string());
    }
  }
  Tensor& out = ctx.allocate_output(0, first.shape());
  const std::int64_t n = out.num_elements();
  MutableMap<T> o(elements<T>(out), n);
  o = ConstMap<T>(elements<T>(first), n);
  for (int i = 1; i < ctx.num_inputs(); ++i) o += ConstMap<T>(elements<T>(ctx.input(i)), n);
}

template <class T>
void abs_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, in.shape());
  const std::int64_t n = in.num_elements();
  MutableMap<T>(elements<T>(out), n) = ConstMap<T>(elements<T>(in), n).abs();
}

template <class T>
void square_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, in.shape());
  const std::int64_t n = in.num_elements();
  MutableMap<T>(elements<T>(out), n) = ConstMap<T>(elements<T>(in), n).square();
}

template <class T>
void register_for(KernelRegistry& registry, DType dtype) {
  registry.add("Add", DeviceType::kCPU, dtype, binary_kernel<T, AddOp>);
  registry.add("Sub", DeviceType::kCPU, dtype, binary_kernel<T, SubOp>);
  registry.add("Mul", DeviceType::kCPU, dtype, binary_kernel<T, MulOp>);
  registry.add("Maximum", DeviceType::kCPU, dtype, binary_kernel<T, MaximumOp>);
  registry.add("AddN", DeviceType::kCPU, dtype, add_n_kernel<T>);
  registry.add("Abs", DeviceType::kCPU, dtype, abs_kernel<T>);
  registry.add("Square", DeviceType::kCPU, dtype, square_kernel<T>);
}

}  // namespace

void register_math_kernels(KernelRegistry& registry) {
  for_each_math_dtype([&](auto tag, DType dtype) { register_for<decltype(tag)>(registry, dtype); });
}

}  // namespace varscope::cpu
