#include "varscope/dtype.h"

#include <array>
#include <utility>

#include "varscope/error.h"

namespace varscope {
namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  std::size_t size;
};

constexpr std::array<DTypeInfo, 13> kDTypes = {{
    {DType::kInvalid, "invalid", 0},
    {DType::kFloat16, "float16", 2},
    {DType::kBFloat16, "bfloat16", 2},
    {DType::kFloat32, "float32", 4},
    {DType::kFloat64, "float64", 8},
    {DType::kInt8, "int8", 1},
    {DType::kInt16, "int16", 2},
    {DType::kInt32, "int32", 4},
    {DType::kInt64, "int64", 8},
    {DType::kUInt8, "uint8", 1},
    {DType::kUInt16, "uint16", 2},
    {DType::kBool, "bool", 1},
    {DType::kComplex64, "complex64", 8},
}};

const DTypeInfo& info(DType dtype) {
  const auto i = static_cast<std::size_t>(dtype);
  // The table is indexed by enumerator; an out-of-range value (a cast gone wrong) reads as invalid.
  return i < kDTypes.size() ? kDTypes[i] : kDTypes[0];
}

}  // namespace

std::string_view dtype_name(DType dtype) { return info(dtype).name; }

std::string dtype_repr(DType dtype) { return "<dtype: '" + std::string(dtype_name(dtype)) + "'>"; }

DType dtype_from_name(std::string_view name) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.dtype != DType::kInvalid && d.name == name) return d.dtype;
  }
  // NumPy / C aliases TF also accepts.
  static constexpr std::pair<std::string_view, DType> kAliases[] = {
      {"half", DType::kFloat16}, {"float", DType::kFloat32}, {"double", DType::kFloat64}};
  for (const auto& [alias, dtype] : kAliases) {
    if (alias == name) return dtype;
  }
  throw ValueError("Cannot convert value '" + std::string(name) + "' to a TensorFlow DType.");
}

std::size_t dtype_size(DType dtype) { return info(dtype).size; }

bool is_floating(DType dtype) {
  return dtype == DType::kFloat16 || dtype == DType::kBFloat16 || dtype == DType::kFloat32 ||
         dtype == DType::kFloat64;
}

bool is_integer(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kUInt8:
    case DType::kUInt16:
      return true;
    default:
      return false;
  }
}

bool is_complex(DType dtype) { return dtype == DType::kComplex64; }

std::ostream& operator<<(std::ostream& os, DType dtype) { return os << dtype_name(dtype); }

}  // namespace varscope
