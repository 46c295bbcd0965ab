// Helpers shared by the CPU kernels: dtype dispatch to C++ element types (Eigen::half and
// Eigen::bfloat16 for the 16-bit floats), typed views of tensor bytes, index lists, and the
// per-file registration functions that cpu/register_kernels.cpp lists.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "core/kernel.h"
#include "core/kernel_args.h"
#include "varscope/error.h"

namespace varscope::cpu {

template <class T>
struct Tag {
  using type = T;
};

template <class T>
inline constexpr bool is_reduced_float_v = std::is_same_v<T, Eigen::half> || std::is_same_v<T, Eigen::bfloat16>;

/// Calls f(Tag<T>{}) with T the element type of `dtype`; fails through ctx (naming its op and
/// node) for dtypes without CPU kernels (complex64, invalid).
template <class F>
decltype(auto) visit_dtype(DType dtype, const KernelContext& ctx, F&& f) {
  switch (dtype) {
    case DType::kFloat16: return f(Tag<Eigen::half>{});
    case DType::kBFloat16: return f(Tag<Eigen::bfloat16>{});
    case DType::kFloat32: return f(Tag<float>{});
    case DType::kFloat64: return f(Tag<double>{});
    case DType::kInt8: return f(Tag<std::int8_t>{});
    case DType::kInt16: return f(Tag<std::int16_t>{});
    case DType::kInt32: return f(Tag<std::int32_t>{});
    case DType::kInt64: return f(Tag<std::int64_t>{});
    case DType::kUInt8: return f(Tag<std::uint8_t>{});
    case DType::kUInt16: return f(Tag<std::uint16_t>{});
    case DType::kBool: return f(Tag<bool>{});
    case DType::kComplex64:
    case DType::kInvalid: break;
  }
  ctx.fail("dtype " + std::string(dtype_name(dtype)) + " is not supported on CPU");
}

/// Typed element pointers over a tensor's bytes (works for the 16-bit floats too).
template <class T>
T* elements(Tensor& t) {
  return static_cast<T*>(t.raw_data());
}
template <class T>
const T* elements(const Tensor& t) {
  return static_cast<const T*>(t.raw_data());
}

/// One element converted with TF's Cast semantics: 16-bit floats go through float, bool is x != 0.
template <class To, class From>
To convert(From x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (is_reduced_float_v<From>) {
    return convert<To>(static_cast<float>(x));
  } else if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else if constexpr (is_reduced_float_v<To>) {
    return To(static_cast<float>(x));
  } else {
    return static_cast<To>(x);
  }
}

using varscope::index_values;        // core/kernel_args.h
using varscope::row_major_strides;

// Per-file explicit kernel lists (cpu/kernels/*.cpp), called by register_cpu_kernels.
void register_array_kernels(KernelRegistry& registry);
void register_math_kernels(KernelRegistry& registry);
void register_matmul_kernels(KernelRegistry& registry);
void register_reduction_kernels(KernelRegistry& registry);
void register_random_kernels(KernelRegistry& registry);
void register_state_kernels(KernelRegistry& registry);
void register_nn_kernels(KernelRegistry& registry);
void register_training_kernels(KernelRegistry& registry);

/// Calls `register_for(T{}, dtype)` for every dtype the math kernels support (float16 through int64),
/// so kernel files list their ops once and the dtype list lives here.
template <class Fn>
void for_each_math_dtype(Fn&& register_for) {
  register_for(float{}, DType::kFloat32);
  register_for(double{}, DType::kFloat64);
  register_for(Eigen::half{}, DType::kFloat16);
  register_for(Eigen::bfloat16{}, DType::kBFloat16);
  register_for(std::int32_t{}, DType::kInt32);
  register_for(std::int64_t{}, DType::kInt64);
}

}  // namespace varscope::cpu
