// Element types of tensors, spelled as TensorFlow spells them ("float32", "int64").
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace varscope {

/// The element type of a tensor. kInvalid marks "no dtype" (e.g. an op with no outputs).
enum class DType : std::uint8_t {
  kInvalid,
  kFloat16,
  kBFloat16,
  kFloat32,
  kFloat64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kBool,
  kComplex64,  // storage only: no kernels, no default initializer (TF: "An initializer ... is required")
};

// TF spellings, so code reads like `dtype=tf.float32`.
inline constexpr DType float16 = DType::kFloat16;
inline constexpr DType bfloat16 = DType::kBFloat16;
inline constexpr DType float32 = DType::kFloat32;
inline constexpr DType float64 = DType::kFloat64;
inline constexpr DType int8 = DType::kInt8;
inline constexpr DType int16 = DType::kInt16;
inline constexpr DType int32 = DType::kInt32;
inline constexpr DType int64 = DType::kInt64;
inline constexpr DType uint8 = DType::kUInt8;
inline constexpr DType uint16 = DType::kUInt16;
inline constexpr DType bool_ = DType::kBool;
inline constexpr DType complex64 = DType::kComplex64;

/// TF's name: "float32", "bfloat16", "bool"; "invalid" for kInvalid.
std::string_view dtype_name(DType dtype);
/// Python's printed form of a DType: "<dtype: 'float32'>" (used verbatim in TF error texts).
std::string dtype_repr(DType dtype);
/// Parses a TF name ("float32", also "float", "double", "half"); throws ValueError otherwise.
DType dtype_from_name(std::string_view name);
/// Bytes per element.
std::size_t dtype_size(DType dtype);
/// float16, bfloat16, float32, float64.
bool is_floating(DType dtype);
/// Signed and unsigned integers (not bool).
bool is_integer(DType dtype);
bool is_complex(DType dtype);

std::ostream& operator<<(std::ostream& os, DType dtype);

/// The DType of a C++ element type (float, double, int8_t ... int64_t, uint8_t, uint16_t, bool).
template <class T>
constexpr DType dtype_of();

template <> constexpr DType dtype_of<float>() { return DType::kFloat32; }
template <> constexpr DType dtype_of<double>() { return DType::kFloat64; }
template <> constexpr DType dtype_of<std::int8_t>() { return DType::kInt8; }
template <> constexpr DType dtype_of<std::int16_t>() { return DType::kInt16; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::kInt32; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::kInt64; }
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::kUInt8; }
template <> constexpr DType dtype_of<std::uint16_t>() { return DType::kUInt16; }
template <> constexpr DType dtype_of<bool>() { return DType::kBool; }

}  // namespace varscope
