#include "varscope/dtype.h"

#include <gtest/gtest.h>

#include <sstream>

#include "varscope/error.h"

namespace varscope {
namespace {

TEST(DTypeTest, NamesAreTensorFlows) {
  EXPECT_EQ(dtype_name(DType::kFloat16), "float16");
  EXPECT_EQ(dtype_name(DType::kBFloat16), "bfloat16");
  EXPECT_EQ(dtype_name(DType::kFloat32), "float32");
  EXPECT_EQ(dtype_name(DType::kFloat64), "float64");
  EXPECT_EQ(dtype_name(DType::kInt8), "int8");
  EXPECT_EQ(dtype_name(DType::kInt16), "int16");
  EXPECT_EQ(dtype_name(DType::kInt32), "int32");
  EXPECT_EQ(dtype_name(DType::kInt64), "int64");
  EXPECT_EQ(dtype_name(DType::kUInt8), "uint8");
  EXPECT_EQ(dtype_name(DType::kUInt16), "uint16");
  EXPECT_EQ(dtype_name(DType::kBool), "bool");
  EXPECT_EQ(dtype_name(DType::kComplex64), "complex64");
  EXPECT_EQ(dtype_name(DType::kInvalid), "invalid");
}

TEST(DTypeTest, ReprIsPythons) {
  EXPECT_EQ(dtype_repr(float32), "<dtype: 'float32'>");
  EXPECT_EQ(dtype_repr(complex64), "<dtype: 'complex64'>");
  EXPECT_EQ(dtype_repr(bool_), "<dtype: 'bool'>");
}

TEST(DTypeTest, FromNameRoundTripsEveryDType) {
  for (DType d : {float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8, uint16,
                  bool_, complex64}) {
    EXPECT_EQ(dtype_from_name(dtype_name(d)), d) << dtype_name(d);
  }
}

TEST(DTypeTest, FromNameAcceptsAliases) {
  EXPECT_EQ(dtype_from_name("float"), float32);
  EXPECT_EQ(dtype_from_name("double"), float64);
  EXPECT_EQ(dtype_from_name("half"), float16);
}

TEST(DTypeTest, FromNameRejectsUnknownNames) {
  try {
    dtype_from_name("float31");
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "Cannot convert value 'float31' to a TensorFlow DType.");
    EXPECT_EQ(e.code(), ErrorCode::kValue);
  }
  EXPECT_THROW(dtype_from_name("invalid"), ValueError);
  EXPECT_THROW(dtype_from_name("Float32"), ValueError);
}

TEST(DTypeTest, Sizes) {
  EXPECT_EQ(dtype_size(float16), 2u);
  EXPECT_EQ(dtype_size(bfloat16), 2u);
  EXPECT_EQ(dtype_size(float32), 4u);
  EXPECT_EQ(dtype_size(float64), 8u);
  EXPECT_EQ(dtype_size(int8), 1u);
  EXPECT_EQ(dtype_size(int16), 2u);
  EXPECT_EQ(dtype_size(int32), 4u);
  EXPECT_EQ(dtype_size(int64), 8u);
  EXPECT_EQ(dtype_size(uint8), 1u);
  EXPECT_EQ(dtype_size(uint16), 2u);
  EXPECT_EQ(dtype_size(bool_), 1u);
  EXPECT_EQ(dtype_size(complex64), 8u);
  EXPECT_EQ(dtype_size(DType::kInvalid), 0u);
}

TEST(DTypeTest, Kinds) {
  EXPECT_TRUE(is_floating(float16));
  EXPECT_TRUE(is_floating(bfloat16));
  EXPECT_TRUE(is_floating(float32));
  EXPECT_TRUE(is_floating(float64));
  EXPECT_FALSE(is_floating(int32));
  EXPECT_FALSE(is_floating(complex64));
  EXPECT_TRUE(is_integer(int8));
  EXPECT_TRUE(is_integer(uint16));
  EXPECT_TRUE(is_integer(int64));
  EXPECT_FALSE(is_integer(bool_));
  EXPECT_FALSE(is_integer(float32));
  EXPECT_TRUE(is_complex(complex64));
  EXPECT_FALSE(is_complex(float64));
}

TEST(DTypeTest, DTypeOfCppTypes) {
  static_assert(dtype_of<float>() == float32);
  static_assert(dtype_of<double>() == float64);
  static_assert(dtype_of<std::int64_t>() == int64);
  static_assert(dtype_of<std::uint8_t>() == uint8);
  static_assert(dtype_of<bool>() == bool_);
  std::ostringstream os;
  os << int64 << " " << bfloat16;
  EXPECT_EQ(os.str(), "int64 bfloat16");
}

TEST(ErrorTest, CodeNamesAndHierarchy) {
  EXPECT_EQ(error_code_name(ErrorCode::kValue), "ValueError");
  EXPECT_EQ(error_code_name(ErrorCode::kInvalidArgument), "InvalidArgumentError");
  EXPECT_EQ(error_code_name(ErrorCode::kFailedPrecondition), "FailedPreconditionError");
  EXPECT_EQ(error_code_name(ErrorCode::kUnimplemented), "UnimplementedError");
  EXPECT_EQ(error_code_name(ErrorCode::kOutOfMemory), "OutOfMemoryError");
  EXPECT_EQ(error_code_name(ErrorCode::kInternal), "InternalError");
  try {
    throw NotFoundError("no such thing");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_EQ(error_code_name(e.code()), "NotFoundError");
    EXPECT_STREQ(e.what(), "no such thing");
  }
}

}  // namespace
}  // namespace varscope
