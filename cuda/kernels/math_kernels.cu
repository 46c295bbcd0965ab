// Device code of the element-wise math kernels: binary ops on equal layouts or a scalar operand
// (4-element packs when aligned) and on general broadcasts (strided index math), unary ops, AddN,
// Select and Range.
//
// float16 and bfloat16 compute in float and round to the dtype after every op, which is what
// Eigen::half and Eigen::bfloat16 do on the CPU, so results match the CPU bit for bit; float32 and
// float64 use IEEE division and square root (nvcc's defaults without --use_fast_math).
#include <algorithm>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "cuda/check.h"
#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/math_kernels.h"

namespace varscope::cuda {
namespace {

using device::blocks_for;
using device::ComputeType;
using device::Divmod;
using device::is_aligned;
using device::kPackSize;
using device::kThreadsPerBlock;
using device::narrow;
using device::Pack;
using device::thread_count;
using device::thread_index;
using device::Type;
using device::widen;

// ------------------------------------------------------------------------------------------------
// Element functions

template <BinaryOp kOp>
struct Binary;

template <>
struct Binary<BinaryOp::kAdd> {
  template <class T>
  __device__ T operator()(T a, T b) const {
    return narrow<T>(widen(a) + widen(b));
  }
};

template <>
struct Binary<BinaryOp::kSub> {
  template <class T>
  __device__ T operator()(T a, T b) const {
    return narrow<T>(widen(a) - widen(b));
  }
};

template <>
struct Binary<BinaryOp::kMul> {
  template <class T>
  __device__ T operator()(T a, T b) const {
    return narrow<T>(widen(a) * widen(b));
  }
};

template <>
struct Binary<BinaryOp::kMaximum> {
  template <class T>
  __device__ T operator()(T a, T b) const {
    return widen(a) < widen(b) ? b : a;
  }
};

template <>
struct Binary<BinaryOp::kRealDiv> {
  template <class T>
  __device__ T operator()(T a, T b) const {
    return narrow<T>(widen(a) / widen(b));
  }
};

// Python's %: the result takes the divisor's sign.
template <>
struct Binary<BinaryOp::kFloorMod> {
  template <class T>
  __device__ T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      // x % -1 is 0 (and INT_MIN % -1 would overflow); x % 0 has no value, 0 stands in for the
      // CPU's error.
      if (b == 0 || b == -1) return T(0);
      const T r = a % b;
      return (r != 0 && ((r < 0) != (b < 0))) ? static_cast<T>(r + b) : r;
    } else {
      using C = ComputeType<T>;
      const C x = widen(a), y = widen(b);
      C r;
      if constexpr (std::is_same_v<C, double>) {
        r = fmod(x, y);
      } else {
        r = fmodf(x, y);
      }
      return narrow<T>((r != 0 && ((r < 0) != (y < 0))) ? r + y : r);
    }
  }
};

template <>
struct Binary<BinaryOp::kEqual> {
  template <class T>
  __device__ bool operator()(T a, T b) const {
    return widen(a) == widen(b);
  }
};

template <>
struct Binary<BinaryOp::kGreaterEqual> {
  template <class T>
  __device__ bool operator()(T a, T b) const {
    return widen(a) >= widen(b);
  }
};

// dy * 0.5 / y with the CPU's two roundings: (dy * 0.5) in T, then the quotient.
template <>
struct Binary<BinaryOp::kSqrtGrad> {
  template <class T>
  __device__ T operator()(T y, T dy) const {
    using C = ComputeType<T>;
    const T half_dy = narrow<T>(widen(dy) * static_cast<C>(0.5f));
    return narrow<T>(widen(half_dy) / widen(y));
  }
};

template <BinaryOp kOp, class T>
using BinaryOut =
    std::conditional_t<kOp == BinaryOp::kEqual || kOp == BinaryOp::kGreaterEqual, bool, T>;

template <UnaryOp kOp>
struct Unary;

template <>
struct Unary<UnaryOp::kAbs> {
  template <class T>
  __device__ T operator()(T x) const {
    using C = ComputeType<T>;
    const C v = widen(x);
    if constexpr (std::is_same_v<C, double>) {
      return fabs(v);
    } else if constexpr (std::is_same_v<C, float>) {
      return narrow<T>(fabsf(v));  // clears the sign bit of -0 and NaN, as the CPU does
    } else {
      return v < 0 ? static_cast<T>(-v) : v;
    }
  }
};

template <>
struct Unary<UnaryOp::kSquare> {
  template <class T>
  __device__ T operator()(T x) const {
    const ComputeType<T> v = widen(x);
    return narrow<T>(v * v);
  }
};

template <>
struct Unary<UnaryOp::kNeg> {
  template <class T>
  __device__ T operator()(T x) const {
    return narrow<T>(-widen(x));
  }
};

template <>
struct Unary<UnaryOp::kSign> {
  template <class T>
  __device__ T operator()(T x) const {
    using C = ComputeType<T>;
    const C v = widen(x);
    return narrow<T>(v > C(0) ? C(1) : (v < C(0) ? C(-1) : C(0)));
  }
};

template <>
struct Unary<UnaryOp::kSqrt> {
  template <class T>
  __device__ T operator()(T x) const {
    if constexpr (std::is_same_v<T, double>) {
      return sqrt(x);
    } else {
      return narrow<T>(sqrtf(widen(x)));
    }
  }
};

// ------------------------------------------------------------------------------------------------
// Kernels

// `packed`: every non-scalar pointer is aligned to a pack; the ragged tail runs element-wise.
template <BinaryOp kOp, class T>
__global__ void binary_flat_kernel(const T* a, bool a_is_scalar, const T* b, bool b_is_scalar,
                                   BinaryOut<kOp, T>* out,  // (n)
                                   std::int64_t n, bool packed) {
  using Out = BinaryOut<kOp, T>;
  const Binary<kOp> op;
  const T a0 = a[0], b0 = b[0];
  std::int64_t done = 0;
  if (packed) {
    using InPack = Pack<T, kPackSize>;
    using OutPack = Pack<Out, kPackSize>;
    const std::int64_t packs = n / kPackSize;
    for (std::int64_t p = thread_index(); p < packs; p += thread_count()) {
      InPack x, y;
      if (a_is_scalar) {
#pragma unroll
        for (int k = 0; k < kPackSize; ++k) x.v[k] = a0;
      } else {
        x = reinterpret_cast<const InPack*>(a)[p];
      }
      if (b_is_scalar) {
#pragma unroll
        for (int k = 0; k < kPackSize; ++k) y.v[k] = b0;
      } else {
        y = reinterpret_cast<const InPack*>(b)[p];
      }
      OutPack r;
#pragma unroll
      for (int k = 0; k < kPackSize; ++k) r.v[k] = op(x.v[k], y.v[k]);
      reinterpret_cast<OutPack*>(out)[p] = r;
    }
    done = packs * kPackSize;
  }
  for (std::int64_t i = done + thread_index(); i < n; i += thread_count()) {
    out[i] = op(a_is_scalar ? a0 : a[i], b_is_scalar ? b0 : b[i]);
  }
}

template <BinaryOp kOp, class T, class Index>
__global__ void binary_strided_kernel(const T* a, const T* b,
                                      BinaryOut<kOp, T>* out,  // (n), contiguous
                                      device::StridedIndexer<2, Index> indexer, Index n) {
  const Binary<kOp> op;
  for (Index i = static_cast<Index>(thread_index()); i < n;
       i += static_cast<Index>(thread_count())) {
    Index offset[2];
    indexer.offsets(i, offset);
    out[i] = op(a[offset[0]], b[offset[1]]);
  }
}

template <UnaryOp kOp, class T>
__global__ void unary_kernel(const T* in, T* out,  // (n)
                             std::int64_t n, bool packed) {
  const Unary<kOp> op;
  std::int64_t done = 0;
  if (packed) {
    using P = Pack<T, kPackSize>;
    const std::int64_t packs = n / kPackSize;
    for (std::int64_t p = thread_index(); p < packs; p += thread_count()) {
      P x = reinterpret_cast<const P*>(in)[p];
#pragma unroll
      for (int k = 0; k < kPackSize; ++k) x.v[k] = op(x.v[k]);
      reinterpret_cast<P*>(out)[p] = x;
    }
    done = packs * kPackSize;
  }
  for (std::int64_t i = done + thread_index(); i < n; i += thread_count()) out[i] = op(in[i]);
}

constexpr int kMaxAddNInputs = 8;

template <class T>
struct AddNInputs {
  const T* src[kMaxAddNInputs]{};
  int count = 0;
};

// out = (accumulate ? out : src[0]) + the other sources, rounded to T after each addition. The
// source loops are unrolled so src[] is indexed by constants (no copy of it to local memory).
template <class T>
__global__ void add_n_kernel(AddNInputs<T> inputs, bool accumulate, T* out,  // (n)
                             std::int64_t n, bool packed) {
  const Binary<BinaryOp::kAdd> add;
  const int first = accumulate ? 0 : 1;
  std::int64_t done = 0;
  if (packed) {
    using P = Pack<T, kPackSize>;
    const std::int64_t packs = n / kPackSize;
    for (std::int64_t p = thread_index(); p < packs; p += thread_count()) {
      P sum = accumulate ? reinterpret_cast<const P*>(out)[p]
                         : reinterpret_cast<const P*>(inputs.src[0])[p];
#pragma unroll
      for (int s = 0; s < kMaxAddNInputs; ++s) {
        if (s < first || s >= inputs.count) continue;
        const P x = reinterpret_cast<const P*>(inputs.src[s])[p];
#pragma unroll
        for (int k = 0; k < kPackSize; ++k) sum.v[k] = add(sum.v[k], x.v[k]);
      }
      reinterpret_cast<P*>(out)[p] = sum;
    }
    done = packs * kPackSize;
  }
  for (std::int64_t i = done + thread_index(); i < n; i += thread_count()) {
    T sum = accumulate ? out[i] : inputs.src[0][i];
#pragma unroll
    for (int s = 0; s < kMaxAddNInputs; ++s) {
      if (s >= first && s < inputs.count) sum = add(sum, inputs.src[s][i]);
    }
    out[i] = sum;
  }
}

enum class SelectMode { kScalar, kElementwise, kRows };

template <class U, SelectMode kMode, class Index>
__global__ void select_kernel(const bool* condition, const U* t, const U* e,
                              U* out,  // (n)
                              Index n, Divmod<Index> row) {
  const bool scalar = kMode == SelectMode::kScalar ? condition[0] : false;
  for (Index i = static_cast<Index>(thread_index()); i < n;
       i += static_cast<Index>(thread_count())) {
    bool c;
    if constexpr (kMode == SelectMode::kScalar) {
      c = scalar;
    } else if constexpr (kMode == SelectMode::kElementwise) {
      c = condition[i];
    } else {
      c = condition[row.div(i)];
    }
    out[i] = c ? t[i] : e[i];
  }
}

template <class T>
__global__ void range_kernel(T* out,  // (n)
                             T start, T delta, std::int64_t n) {
  for (std::int64_t i = thread_index(); i < n; i += thread_count()) {
    out[i] = start + static_cast<T>(i) * delta;
  }
}

// ------------------------------------------------------------------------------------------------
// Dispatch

template <BinaryOp kOp>
using BinaryTag = std::integral_constant<BinaryOp, kOp>;

template <class F>
void visit_binary_op(BinaryOp op, F&& f) {
  switch (op) {
    case BinaryOp::kAdd:
      return f(BinaryTag<BinaryOp::kAdd>{});
    case BinaryOp::kSub:
      return f(BinaryTag<BinaryOp::kSub>{});
    case BinaryOp::kMul:
      return f(BinaryTag<BinaryOp::kMul>{});
    case BinaryOp::kMaximum:
      return f(BinaryTag<BinaryOp::kMaximum>{});
    case BinaryOp::kRealDiv:
      return f(BinaryTag<BinaryOp::kRealDiv>{});
    case BinaryOp::kFloorMod:
      return f(BinaryTag<BinaryOp::kFloorMod>{});
    case BinaryOp::kEqual:
      return f(BinaryTag<BinaryOp::kEqual>{});
    case BinaryOp::kGreaterEqual:
      return f(BinaryTag<BinaryOp::kGreaterEqual>{});
    case BinaryOp::kSqrtGrad:
      return f(BinaryTag<BinaryOp::kSqrtGrad>{});
  }
  throw InternalError("unknown CUDA binary op " + std::to_string(static_cast<int>(op)));
}

[[noreturn]] void no_kernel(const char* what, DType dtype) {
  throw InternalError(std::string("no CUDA ") + what + " kernel for dtype " +
                      std::string(dtype_name(dtype)));
}

// The element types a binary op has device kernels for: the floats; int64 but for the divisions;
// int32 for Add and Sub (int32 Add nodes run on the host, but AssignAdd updates int32 variables on
// the device); bool for Equal.
template <BinaryOp kOp, class F>
void visit_binary_dtype(DType dtype, F&& f) {
  constexpr bool kFloatOnly = kOp == BinaryOp::kRealDiv || kOp == BinaryOp::kSqrtGrad;
  switch (dtype) {
    case DType::kFloat16:
      return f(Type<__half>{});
    case DType::kBFloat16:
      return f(Type<__nv_bfloat16>{});
    case DType::kFloat32:
      return f(Type<float>{});
    case DType::kFloat64:
      return f(Type<double>{});
    case DType::kInt32:
      if constexpr (kOp == BinaryOp::kAdd || kOp == BinaryOp::kSub) return f(Type<std::int32_t>{});
      break;
    case DType::kInt64:
      if constexpr (!kFloatOnly) return f(Type<std::int64_t>{});
      break;
    case DType::kBool:
      if constexpr (kOp == BinaryOp::kEqual) return f(Type<bool>{});
      break;
    default:
      break;
  }
  no_kernel("binary", dtype);
}

// float16 through int64; only the floats when `float_only`.
template <class F>
void visit_math_dtype(DType dtype, bool float_only, F&& f) {
  switch (dtype) {
    case DType::kFloat16:
      return f(Type<__half>{});
    case DType::kBFloat16:
      return f(Type<__nv_bfloat16>{});
    case DType::kFloat32:
      return f(Type<float>{});
    case DType::kFloat64:
      return f(Type<double>{});
    case DType::kInt32:
      if (!float_only) return f(Type<std::int32_t>{});
      break;
    case DType::kInt64:
      if (!float_only) return f(Type<std::int64_t>{});
      break;
    default:
      break;
  }
  no_kernel("math", dtype);
}

bool all_aligned(std::initializer_list<const void*> pointers, std::size_t alignment) {
  for (const void* p : pointers) {
    if (!is_aligned(p, alignment)) return false;
  }
  return true;
}

// Work items of a kernel that runs packs when `packed`.
std::int64_t work_items(std::int64_t n, bool packed) {
  return packed ? (n + kPackSize - 1) / kPackSize : n;
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

void binary_flat(BinaryOp op, DType dtype, const void* a, bool a_is_scalar, const void* b,
                 bool b_is_scalar, void* out, std::int64_t n, cudaStream_t stream) {
  if (n <= 0) return;
  visit_binary_op(op, [&](auto op_tag) {
    constexpr BinaryOp kOp = decltype(op_tag)::value;
    visit_binary_dtype<kOp>(dtype, [&](auto type_tag) {
      using T = typename decltype(type_tag)::type;
      using Out = BinaryOut<kOp, T>;
      const bool packed = (a_is_scalar || is_aligned(a, sizeof(T) * kPackSize)) &&
                          (b_is_scalar || is_aligned(b, sizeof(T) * kPackSize)) &&
                          is_aligned(out, sizeof(Out) * kPackSize);
      binary_flat_kernel<kOp, T>
          <<<blocks_for(work_items(n, packed)), kThreadsPerBlock, 0, stream>>>(
              static_cast<const T*>(a), a_is_scalar, static_cast<const T*>(b), b_is_scalar,
              static_cast<Out*>(out), n, packed);
      VS_CUDA_CHECK(cudaGetLastError());
    });
  });
}

void binary_strided(BinaryOp op, DType dtype, const void* a, const void* b, void* out,
                    const StridedLayout& layout, cudaStream_t stream) {
  const std::int64_t n = layout.num_elements();
  if (n <= 0) return;
  const std::int64_t largest = std::max({n, device::offset_extent(layout, layout.strides_a),
                                         device::offset_extent(layout, layout.strides_b)});
  visit_binary_op(op, [&](auto op_tag) {
    constexpr BinaryOp kOp = decltype(op_tag)::value;
    visit_binary_dtype<kOp>(dtype, [&](auto type_tag) {
      using T = typename decltype(type_tag)::type;
      device::visit_index(largest, [&](auto index_tag) {
        using Index = typename decltype(index_tag)::type;
        binary_strided_kernel<kOp, T, Index><<<blocks_for(n), kThreadsPerBlock, 0, stream>>>(
            static_cast<const T*>(a), static_cast<const T*>(b),
            static_cast<BinaryOut<kOp, T>*>(out), device::make_indexer<2, Index>(layout),
            static_cast<Index>(n));
        VS_CUDA_CHECK(cudaGetLastError());
      });
    });
  });
}

void unary(UnaryOp op, DType dtype, const void* in, void* out, std::int64_t n,
           cudaStream_t stream) {
  if (n <= 0) return;
  const auto launch = [&](auto op_tag) {
    constexpr UnaryOp kOp = decltype(op_tag)::value;
    visit_math_dtype(dtype, kOp == UnaryOp::kSqrt, [&](auto type_tag) {
      using T = typename decltype(type_tag)::type;
      if constexpr (kOp == UnaryOp::kSqrt && std::is_integral_v<T>) {
        no_kernel("Sqrt", dtype);
      } else {
        const bool packed = all_aligned({in, out}, sizeof(T) * kPackSize);
        unary_kernel<kOp, T><<<blocks_for(work_items(n, packed)), kThreadsPerBlock, 0, stream>>>(
            static_cast<const T*>(in), static_cast<T*>(out), n, packed);
        VS_CUDA_CHECK(cudaGetLastError());
      }
    });
  };
  switch (op) {
    case UnaryOp::kAbs:
      return launch(std::integral_constant<UnaryOp, UnaryOp::kAbs>{});
    case UnaryOp::kSquare:
      return launch(std::integral_constant<UnaryOp, UnaryOp::kSquare>{});
    case UnaryOp::kNeg:
      return launch(std::integral_constant<UnaryOp, UnaryOp::kNeg>{});
    case UnaryOp::kSign:
      return launch(std::integral_constant<UnaryOp, UnaryOp::kSign>{});
    case UnaryOp::kSqrt:
      return launch(std::integral_constant<UnaryOp, UnaryOp::kSqrt>{});
  }
  throw InternalError("unknown CUDA unary op " + std::to_string(static_cast<int>(op)));
}

void add_n(DType dtype, const std::vector<const void*>& inputs, void* out, std::int64_t n,
           cudaStream_t stream) {
  if (n <= 0 || inputs.empty()) return;
  visit_binary_dtype<BinaryOp::kAdd>(dtype, [&](auto type_tag) {
    using T = typename decltype(type_tag)::type;
    bool packed = is_aligned(out, sizeof(T) * kPackSize);
    for (const void* p : inputs) packed = packed && is_aligned(p, sizeof(T) * kPackSize);
    // The first launch sums up to kMaxAddNInputs inputs into out; later ones add the rest to it.
    for (std::size_t first = 0; first < inputs.size(); first += kMaxAddNInputs) {
      AddNInputs<T> chunk;
      for (std::size_t i = first; i < inputs.size() && chunk.count < kMaxAddNInputs; ++i) {
        chunk.src[chunk.count++] = static_cast<const T*>(inputs[i]);
      }
      add_n_kernel<T><<<blocks_for(work_items(n, packed)), kThreadsPerBlock, 0, stream>>>(
          chunk, first > 0, static_cast<T*>(out), n, packed);
      VS_CUDA_CHECK(cudaGetLastError());
    }
  });
}

void select_elements(const bool* condition, const void* t, const void* e, void* out,
                     std::size_t element_size, std::int64_t n, std::int64_t condition_stride,
                     cudaStream_t stream) {
  if (n <= 0) return;
  const SelectMode mode = condition_stride == n   ? SelectMode::kScalar
                          : condition_stride == 1 ? SelectMode::kElementwise
                                                  : SelectMode::kRows;
  // Scalar and per-row conditions choose whole runs: move them in wider units.
  std::size_t unit = element_size;
  if (mode != SelectMode::kElementwise) {
    unit = device::widest_unit(element_size,
                               static_cast<std::uint64_t>(condition_stride) * element_size);
    while (unit > element_size && !all_aligned({t, e, out}, unit)) unit /= 2;
  }
  const auto factor = static_cast<std::int64_t>(unit / element_size);
  const std::int64_t units = n / factor;
  device::visit_unit(unit, [&](auto unit_tag) {
    using U = typename decltype(unit_tag)::type;
    device::visit_index(units, [&](auto index_tag) {
      using Index = typename decltype(index_tag)::type;
      const auto launch = [&](auto mode_tag) {
        constexpr SelectMode kMode = decltype(mode_tag)::value;
        select_kernel<U, kMode, Index><<<blocks_for(units), kThreadsPerBlock, 0, stream>>>(
            condition, static_cast<const U*>(t), static_cast<const U*>(e), static_cast<U*>(out),
            static_cast<Index>(units), Divmod<Index>(condition_stride / factor));
        VS_CUDA_CHECK(cudaGetLastError());
      };
      switch (mode) {
        case SelectMode::kScalar:
          return launch(std::integral_constant<SelectMode, SelectMode::kScalar>{});
        case SelectMode::kElementwise:
          return launch(std::integral_constant<SelectMode, SelectMode::kElementwise>{});
        case SelectMode::kRows:
          return launch(std::integral_constant<SelectMode, SelectMode::kRows>{});
      }
    });
  });
}

void range(DType dtype, double start, double delta, void* out, std::int64_t n,
           cudaStream_t stream) {
  if (n <= 0) return;
  const auto launch = [&](auto type_tag) {
    using T = typename decltype(type_tag)::type;
    range_kernel<T><<<blocks_for(n), kThreadsPerBlock, 0, stream>>>(
        static_cast<T*>(out), static_cast<T>(start), static_cast<T>(delta), n);
    VS_CUDA_CHECK(cudaGetLastError());
  };
  if (dtype == DType::kFloat32) return launch(Type<float>{});
  if (dtype == DType::kFloat64) return launch(Type<double>{});
  no_kernel("Range", dtype);
}

}  // namespace varscope::cuda
