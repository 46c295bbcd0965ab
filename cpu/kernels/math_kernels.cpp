// Element-wise kernels: Add, Sub, Mul, Maximum, RealDiv, FloorMod, Equal, GreaterEqual (NumPy
// broadcasting), AddN, Select, Abs, Square, Neg, Sign, Sqrt, SqrtGrad, and Range. Equal layouts or
// a one-element operand run as Eigen array expressions over shards of the thread pool; other
// broadcasts walk the output with an odometer, reading each operand with stride 0 along its
// broadcast dimensions.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "cpu/kernels/kernel_util.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

template <class T>
using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
template <class T>
using ConstMap = Eigen::Map<const Array<T>>;
template <class T>
using MutableMap = Eigen::Map<Array<T>>;

// Rough cycles per element for the thread pool's cost model: cheap ops stay on one thread until
// the tensor is large enough to pay for the hand-off.
constexpr double kElementwiseCost = 2.0;

// Each op: `array` on Eigen expressions (fast path), `scalar` on elements (strided path).
struct AddOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) {
    return a + b;
  }
  template <class T>
  static T scalar(T a, T b) {
    return a + b;
  }
};
struct SubOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) {
    return a - b;
  }
  template <class T>
  static T scalar(T a, T b) {
    return a - b;
  }
};
struct MulOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) {
    return a * b;
  }
  template <class T>
  static T scalar(T a, T b) {
    return a * b;
  }
};
struct MaximumOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) {
    return a.max(b);
  }
  template <class T>
  static T scalar(T a, T b) {
    return a < b ? b : a;
  }
};
struct DivOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) {
    return a / b;
  }
  template <class T>
  static T scalar(T a, T b) {
    return a / b;
  }
};
// Python's %: the result takes the divisor's sign. Integer divisors of 0 are rejected beforehand.
struct FloorModOp {
  template <class T>
  static T scalar(T a, T b) {
    if constexpr (std::is_integral_v<T>) {
      T r = a % b;
      return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
    } else if constexpr (is_reduced_float_v<T>) {
      return T(scalar(static_cast<float>(a), static_cast<float>(b)));
    } else {
      T r = std::fmod(a, b);
      return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
    }
  }
  template <class A, class B>
  static auto array(const A& a, const B& b) {
    using T = typename A::Scalar;
    return a.binaryExpr(b, [](T x, T y) { return scalar(x, y); });
  }
};
struct EqualOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) {
    return a == b;
  }
  template <class T>
  static bool scalar(T a, T b) {
    return a == b;
  }
};
struct GreaterEqualOp {
  template <class A, class B>
  static auto array(const A& a, const B& b) {
    return a >= b;
  }
  template <class T>
  static bool scalar(T a, T b) {
    return a >= b;
  }
};

// The broadcast output shape; fails with the same text as shape inference.
std::vector<std::int64_t> broadcast_dims(const KernelContext& ctx, const Shape& a, const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  std::vector<std::int64_t> dims(static_cast<std::size_t>(rank));
  for (int k = 1; k <= rank; ++k) {
    const std::int64_t da = k <= a.rank() ? a.dim(-k) : 1;
    const std::int64_t db = k <= b.rank() ? b.dim(-k) : 1;
    if (da != db && da != 1 && db != 1)
      ctx.fail("incompatible shapes " + a.to_string() + " and " + b.to_string());
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
    if (s.dim(d) != 1)
      strides[static_cast<std::size_t>(d + offset)] = own[static_cast<std::size_t>(d)];
  }
  return strides;
}

template <class T, class Op, class Out = T>
void binary_kernel(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const std::vector<std::int64_t> dims = broadcast_dims(ctx, a.shape(), b.shape());
  Tensor& out = ctx.allocate_output(0, Shape(dims));
  const std::int64_t n = out.num_elements();
  if (n == 0) return;
  if constexpr (std::is_same_v<Op, FloorModOp> && std::is_integral_v<T>) {
    // Every divisor is used when the output is not empty (reduced_shape divides an empty axes
    // list by a rank of 0).
    const T* pb = elements<T>(b);
    if (std::find(pb, pb + b.num_elements(), T(0)) != pb + b.num_elements())
      ctx.fail("Integer division by zero");
  }
  const T* pa = elements<T>(a);
  const T* pb = elements<T>(b);
  Out* po = elements<Out>(out);
  const std::int64_t na = a.num_elements(), nb = b.num_elements();
  if ((na == n || na == 1) && (nb == n || nb == 1)) {
    // Same layout (equal up to leading 1s) or a scalar operand: one vectorized expression per
    // shard.
    parallel_for(n, kElementwiseCost, [&](std::int64_t begin, std::int64_t end) {
      const std::int64_t len = end - begin;
      MutableMap<Out> o(po + begin, len);
      if (na == n && nb == n) {
        o = Op::array(ConstMap<T>(pa + begin, len), ConstMap<T>(pb + begin, len));
      } else if (na == 1 && nb == n) {
        o = Op::array(Array<T>::Constant(len, pa[0]), ConstMap<T>(pb + begin, len));
      } else if (na == n) {
        o = Op::array(ConstMap<T>(pa + begin, len), Array<T>::Constant(len, pb[0]));
      } else {
        o = Array<Out>::Constant(len, Op::scalar(pa[0], pb[0]));
      }
    });
    return;
  }

  // General broadcast: innermost dimension in a tight loop, an odometer over the others; shards
  // of rows start their odometer from the decomposed row index.
  const int rank = static_cast<int>(dims.size());
  const std::vector<std::int64_t> sa = broadcast_strides(a.shape(), rank);
  const std::vector<std::int64_t> sb = broadcast_strides(b.shape(), rank);
  const std::int64_t inner = dims.back();
  const std::int64_t ia = sa.back(), ib = sb.back();
  parallel_for(n / inner, kElementwiseCost * static_cast<double>(inner),
               [&](std::int64_t first, std::int64_t last) {
                 std::vector<std::int64_t> index(static_cast<std::size_t>(rank), 0);
                 std::int64_t oa = 0, ob = 0;
                 for (std::int64_t d = rank - 2, rest = first; d >= 0; --d) {
                   const auto i = static_cast<std::size_t>(d);
                   index[i] = rest % dims[i];
                   rest /= dims[i];
                   oa += index[i] * sa[i];
                   ob += index[i] * sb[i];
                 }
                 Out* row_out = po + first * inner;
                 for (std::int64_t row = first; row < last; ++row) {
                   for (std::int64_t j = 0; j < inner; ++j)
                     row_out[j] = Op::scalar(pa[oa + j * ia], pb[ob + j * ib]);
                   row_out += inner;
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
               });
}

template <class T>
void add_n_kernel(KernelContext& ctx) {
  const Tensor& first = ctx.input(0);
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    if (ctx.input(i).shape() != first.shape()) {
      ctx.fail("incompatible shapes " + first.shape().to_string() + " and " +
               ctx.input(i).shape().to_string());
    }
  }
  Tensor& out = ctx.allocate_output(0, first.shape());
  const std::int64_t n = out.num_elements();
  T* po = elements<T>(out);
  parallel_for(n, kElementwiseCost * ctx.num_inputs(), [&](std::int64_t begin, std::int64_t end) {
    MutableMap<T> o(po + begin, end - begin);
    o = ConstMap<T>(elements<T>(first) + begin, end - begin);
    for (int i = 1; i < ctx.num_inputs(); ++i)
      o += ConstMap<T>(elements<T>(ctx.input(i)) + begin, end - begin);
  });
}

// Unary ops: out = F(in) as an Eigen array expression per shard.
template <class T, class F>
void unary_kernel(KernelContext& ctx, F&& f, double cost = kElementwiseCost) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, in.shape());
  const T* pi = elements<T>(in);
  T* po = elements<T>(out);
  parallel_for(in.num_elements(), cost, [&](std::int64_t begin, std::int64_t end) {
    MutableMap<T>(po + begin, end - begin) = f(ConstMap<T>(pi + begin, end - begin));
  });
}

template <class T>
void abs_kernel(KernelContext& ctx) {
  unary_kernel<T>(ctx, [](const auto& x) { return x.abs(); });
}

template <class T>
void square_kernel(KernelContext& ctx) {
  unary_kernel<T>(ctx, [](const auto& x) { return x.square(); });
}

template <class T>
void neg_kernel(KernelContext& ctx) {
  unary_kernel<T>(ctx, [](const auto& x) { return -x; });
}

template <class T>
void sign_kernel(KernelContext& ctx) {
  unary_kernel<T>(ctx, [](const auto& x) {
    return x.unaryExpr(
        [](T v) { return v > T(0) ? static_cast<T>(1) : (v < T(0) ? static_cast<T>(-1) : T(0)); });
  });
}

template <class T>
void sqrt_kernel(KernelContext& ctx) {
  unary_kernel<T>(
      ctx, [](const auto& x) { return x.sqrt(); }, 8.0);
}

// SqrtGrad(y, dy) = dy * 0.5 / y, y = sqrt(x): the derivative written with the forward output.
template <class T>
void sqrt_grad_kernel(KernelContext& ctx) {
  const Tensor& y = ctx.input(0);
  const Tensor& dy = ctx.input(1);
  if (y.shape() != dy.shape()) {
    ctx.fail("y and dy must have the same shape, got " + y.shape().to_string() + " and " +
             dy.shape().to_string());
  }
  Tensor& out = ctx.allocate_output(0, y.shape());
  const T* py = elements<T>(y);
  const T* pdy = elements<T>(dy);
  T* po = elements<T>(out);
  parallel_for(y.num_elements(), 4.0, [&](std::int64_t begin, std::int64_t end) {
    const std::int64_t len = end - begin;
    MutableMap<T>(po + begin, len) =
        ConstMap<T>(pdy + begin, len) * static_cast<T>(0.5f) / ConstMap<T>(py + begin, len);
  });
}

// Select(condition, t, e): elements move unchanged, so one kernel per element size serves every
// dtype. condition is t's shape (per element), a vector over t's first dimension (per row), or a
// scalar (whole tensor).
template <class U>
void select_elements(KernelContext& ctx) {
  const Tensor& cond = ctx.input(0);
  const Tensor& t = ctx.input(1);
  const Tensor& e = ctx.input(2);
  Tensor& out = ctx.allocate_output(0, t.shape());
  const std::int64_t n = t.num_elements();
  if (n == 0) return;
  const bool* pc = elements<bool>(cond);
  const U* pt = elements<U>(t);
  const U* pe = elements<U>(e);
  U* po = elements<U>(out);
  if (cond.shape().rank() == 0) {
    std::memcpy(po, pc[0] ? pt : pe, static_cast<std::size_t>(n) * sizeof(U));
  } else if (cond.shape() == t.shape()) {
    parallel_for(n, kElementwiseCost, [&](std::int64_t begin, std::int64_t end) {
      const std::int64_t len = end - begin;
      MutableMap<U>(po + begin, len) =
          Eigen::Map<const Array<bool>>(pc + begin, len)
              .select(ConstMap<U>(pt + begin, len), ConstMap<U>(pe + begin, len));
    });
  } else {
    const std::int64_t rows = t.shape().dim(0);
    const std::int64_t row = n / rows;
    for (std::int64_t r = 0; r < rows; ++r) {
      std::memcpy(po + r * row, (pc[r] ? pt : pe) + r * row,
                  static_cast<std::size_t>(row) * sizeof(U));
    }
  }
}

void select_kernel(KernelContext& ctx) {
  const Shape& c = ctx.input(0).shape();
  const Shape& t = ctx.input(1).shape();
  const Shape& e = ctx.input(2).shape();
  if (t != e)
    ctx.fail("t and e must have the same shape, got " + t.to_string() + " and " + e.to_string());
  const bool rows = c.rank() == 1 && t.rank() >= 1 && c.dim(0) == t.dim(0);
  if (c.rank() != 0 && c != t && !rows) {
    ctx.fail("condition of shape " + c.to_string() +
             " must be a scalar, a vector matching the first dimension of " + t.to_string() +
             ", or have that shape");
  }
  switch (dtype_size(ctx.input(1).dtype())) {
    case 1:
      return select_elements<std::uint8_t>(ctx);
    case 2:
      return select_elements<std::uint16_t>(ctx);
    case 4:
      return select_elements<std::uint32_t>(ctx);
    case 8:
      return select_elements<std::uint64_t>(ctx);
    default:
      ctx.fail("dtype " + std::string(dtype_name(ctx.input(1).dtype())) +
               " is not supported on CPU");
  }
}

// Range(start, limit, delta): start + i * delta while before limit.
template <class T>
void range_kernel(KernelContext& ctx) {
  for (int i = 0; i < 3; ++i) {
    if (ctx.input(i).num_elements() != 1) {
      ctx.fail(std::string(i == 0   ? "start"
                           : i == 1 ? "limit"
                                    : "delta") +
               " must be a scalar, got shape " + ctx.input(i).shape().to_string());
    }
  }
  const T start = elements<T>(ctx.input(0))[0];
  const T limit = elements<T>(ctx.input(1))[0];
  const T delta = elements<T>(ctx.input(2))[0];
  if (delta == 0) ctx.fail("delta must not be 0");
  if ((delta > 0 && start > limit) || (delta < 0 && start < limit)) {
    ctx.fail("start " + std::to_string(start) + " and limit " + std::to_string(limit) +
             " are in the wrong order for delta " + std::to_string(delta));
  }
  std::int64_t size;
  if constexpr (std::is_integral_v<T>) {
    size = (std::abs(static_cast<std::int64_t>(limit) - static_cast<std::int64_t>(start)) +
            std::abs(static_cast<std::int64_t>(delta)) - 1) /
           std::abs(static_cast<std::int64_t>(delta));
  } else {
    size = static_cast<std::int64_t>(
        std::ceil(std::abs((static_cast<double>(limit) - start) / delta)));
  }
  Tensor& out = ctx.allocate_output(0, Shape{size});
  T* po = elements<T>(out);
  for (std::int64_t i = 0; i < size; ++i) po[i] = static_cast<T>(start + static_cast<T>(i) * delta);
}

template <class T>
void register_for(KernelRegistry& registry, DType dtype) {
  registry.add("Add", DeviceType::kCPU, dtype, binary_kernel<T, AddOp>);
  registry.add("Sub", DeviceType::kCPU, dtype, binary_kernel<T, SubOp>);
  registry.add("Mul", DeviceType::kCPU, dtype, binary_kernel<T, MulOp>);
  registry.add("Maximum", DeviceType::kCPU, dtype, binary_kernel<T, MaximumOp>);
  registry.add("FloorMod", DeviceType::kCPU, dtype, binary_kernel<T, FloorModOp>);
  registry.add("Equal", DeviceType::kCPU, dtype, binary_kernel<T, EqualOp, bool>);
  registry.add("GreaterEqual", DeviceType::kCPU, dtype, binary_kernel<T, GreaterEqualOp, bool>);
  registry.add("AddN", DeviceType::kCPU, dtype, add_n_kernel<T>);
  registry.add("Abs", DeviceType::kCPU, dtype, abs_kernel<T>);
  registry.add("Square", DeviceType::kCPU, dtype, square_kernel<T>);
  registry.add("Neg", DeviceType::kCPU, dtype, neg_kernel<T>);
  registry.add("Sign", DeviceType::kCPU, dtype, sign_kernel<T>);
  if constexpr (!std::is_integral_v<T>) {
    registry.add("RealDiv", DeviceType::kCPU, dtype, binary_kernel<T, DivOp>);
    registry.add("Sqrt", DeviceType::kCPU, dtype, sqrt_kernel<T>);
    registry.add("SqrtGrad", DeviceType::kCPU, dtype, sqrt_grad_kernel<T>);
  }
}

}  // namespace

void register_math_kernels(KernelRegistry& registry) {
  for_each_math_dtype([&](auto tag, DType dtype) { register_for<decltype(tag)>(registry, dtype); });
  registry.add("Equal", DeviceType::kCPU, DType::kBool, binary_kernel<bool, EqualOp, bool>);
  // Select moves elements unchanged: one kernel (per element size) for every dtype.
  registry.add("Select", DeviceType::kCPU, DType::kInvalid, select_kernel);
  registry.add("Range", DeviceType::kCPU, DType::kInt32, range_kernel<std::int32_t>);
  registry.add("Range", DeviceType::kCPU, DType::kInt64, range_kernel<std::int64_t>);
  registry.add("Range", DeviceType::kCPU, DType::kFloat32, range_kernel<float>);
  registry.add("Range", DeviceType::kCPU, DType::kFloat64, range_kernel<double>);
}

}  // namespace varscope::cpu
