// CheckpointReader and the safetensors layout: round trips, and every way a truncated, corrupt or
// hostile file is rejected (DataLossError naming the file and the tensor) before anything is read.
#include "varscope/checkpoint_reader.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "core/checkpoint/safetensors_format.h"
#include "expect_error.h"
#include "scratch_dir.h"
#include "varscope/error.h"

namespace varscope {
namespace {

using testing::ScratchDir;
using train::CheckpointReader;

std::string length_field(std::uint64_t n) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return bytes;
}

// A file with `json` as its header and `data` after it.
std::string file_bytes(const std::string& json, const std::string& data) {
  return length_field(json.size()) + json + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string bytes(values.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), values.begin(), bytes.size());
  return bytes;
}

class CheckpointReaderTest : public ::testing::Test {
 protected:
  // Writes `bytes` and opens them; the reader's error is what the tests look at.
  CheckpointReader open(const std::string& bytes) {
    ScratchDir::write(path_, bytes);
    return CheckpointReader(path_);
  }
  void expect_corrupt(const std::string& bytes, const std::string& fragment) {
    ScratchDir::write(path_, bytes);
    VS_EXPECT_ERROR_CONTAINS(CheckpointReader{path_}, DataLossError, fragment);
    VS_EXPECT_ERROR_PREFIX(CheckpointReader{path_}, DataLossError,
                           "Checkpoint " + path_ + " is corrupt: ");
  }

  ScratchDir dir_;
  std::string path_ = dir_ / "model.safetensors";
};

TEST_F(CheckpointReaderTest, ReadsTensorsDtypesShapesAndMetadata) {
  const std::string json =
      R"({"__metadata__":{"framework":"test"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("n":{"dtype":"I64","shape":[],"data_offsets":[16,24]},"e":{"dtype":"F32","shape":[0,3],"data_offsets":[24,24]}})";
  std::string data = floats({1.5f, -2.f, 3.25f, 4.f});
  const std::int64_t n = -7;
  data.append(reinterpret_cast<const char*>(&n), sizeof n);
  const CheckpointReader reader = open(file_bytes(json, data));

  EXPECT_EQ(reader.keys(), (std::vector<std::string>{"e", "n", "w"}));
  EXPECT_EQ(reader.dtype("w"), DType::kFloat32);
  EXPECT_EQ(reader.shape("w"), Shape({2, 2}));
  EXPECT_EQ(reader.tensor("w").to_vector<float>(), (std::vector<float>{1.5f, -2.f, 3.25f, 4.f}));
  EXPECT_EQ(reader.tensor("n").item<std::int64_t>(), -7);
  EXPECT_EQ(reader.shape("n"), Shape(std::vector<std::int64_t>{}));
  EXPECT_EQ(reader.tensor("e").num_elements(), 0);
  EXPECT_EQ(reader.metadata().at("framework"), "test");
  EXPECT_EQ(reader.variable_to_shape_map().at("w"), Shape({2, 2}));
  VS_EXPECT_ERROR(reader.tensor("missing"), NotFoundError,
                  "Key missing not found in checkpoint " + path_);
}

TEST_F(CheckpointReaderTest, HeaderWriterPadsToEightBytesAndOrdersLargestElementsFirst) {
  std::vector<std::pair<std::string, Tensor>> tensors{
      {"b_bytes", Tensor::zeros(DType::kUInt8, Shape{3})},
      {"a_float", Tensor::zeros(DType::kFloat32, Shape{2})},
      {"c_double", Tensor::zeros(DType::kFloat64, Shape{1})},
      {"b_float", Tensor::zeros(DType::kFloat32, Shape{1})},
  };
  const std::string header = checkpoint::safetensors_header_bytes(tensors, {{"k", "v"}});
  EXPECT_EQ(header.size() % 8, 0u);
  std::vector<std::string> order;
  for (const std::size_t i : checkpoint::safetensors_data_order(tensors))
    order.push_back(tensors[i].first);
  EXPECT_EQ(order, (std::vector<std::string>{"c_double", "a_float", "b_float", "b_bytes"}));

  const auto parsed = checkpoint::parse_safetensors_header(header.substr(8), header.size() - 8,
                                                           header.size() + 8 + 12 + 3, "mem");
  EXPECT_EQ(parsed.tensors.at("c_double").begin, 0u);
  EXPECT_EQ(parsed.tensors.at("a_float").begin, 8u);
  EXPECT_EQ(parsed.tensors.at("b_float").begin, 16u);
  EXPECT_EQ(parsed.tensors.at("b_bytes").end, 23u);
  EXPECT_EQ(parsed.metadata.at("k"), "v");

  tensors.emplace_back("a_float", Tensor::zeros(DType::kFloat32, Shape{1}));
  VS_EXPECT_ERROR(checkpoint::safetensors_header_bytes(tensors, {}), InvalidArgumentError,
                  "Two checkpoint tensors are named 'a_float'");
}

TEST_F(CheckpointReaderTest, MissingFileIsNotFound) {
  VS_EXPECT_ERROR_PREFIX(CheckpointReader{dir_ / "nope.safetensors"}, NotFoundError,
                         "Cannot open ");
}

TEST_F(CheckpointReaderTest, RejectsFilesTooSmallForTheLengthField) {
  expect_corrupt("", "0 bytes, too small for the 8-byte header length");
  expect_corrupt(std::string("\x10\x00\x00", 3), "3 bytes, too small");
}

TEST_F(CheckpointReaderTest, RejectsHeaderLengthsBeyondTheFileWithoutAllocatingThem) {
  expect_corrupt(length_field(64) + "{}", "its header claims 64 bytes but the file has 10");
  // 2^62 bytes would be an allocation far beyond memory: the length is checked against the file
  // first.
  expect_corrupt(length_field(std::uint64_t{1} << 62) + "{}",
                 "its header claims 4611686018427387904 bytes");
  expect_corrupt(length_field(std::numeric_limits<std::uint64_t>::max()) + "{}",
                 "its header claims");
}

TEST_F(CheckpointReaderTest, RejectsHeadersThatAreNotAJsonObject) {
  expect_corrupt(file_bytes("{\"w\": ", ""), "the header is not valid JSON");
  expect_corrupt(file_bytes("[1, 2]", ""), "the header must be a JSON object");
  expect_corrupt(file_bytes("{\"w\": 3}", ""), "tensor 'w' must be described by an object");
  expect_corrupt(file_bytes("{\"w\": {\"dtype\": \"F32\"}}", ""),
                 "tensor 'w' needs the fields dtype, shape and data_offsets");
  expect_corrupt(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}})",
                            floats({1})),
                 "tensor 'w' has unknown field 'extra'");
  expect_corrupt(file_bytes("{\"a\": \"\xff\xfe\"}", ""),
                 "the header is not valid JSON");  // not UTF-8
}

TEST_F(CheckpointReaderTest, RejectsUnknownDtypes) {
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", floats({1})),
      "tensor 'w' has unknown dtype 'F33'");
  expect_corrupt(file_bytes(R"({"w":{"dtype":7,"shape":[1],"data_offsets":[0,4]}})", floats({1})),
                 "tensor 'w': dtype must be a string");
}

TEST_F(CheckpointReaderTest, RejectsShapesWhoseSizeOverflows) {
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})",
                 floats({1})),
      "tensor 'w' has shape [4294967296,4294967296], whose size overflows");
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F64","shape":[18446744073709551615],"data_offsets":[0,4]}})",
                 floats({1})),
      "tensor 'w' has dimension 18446744073709551615, too large");
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", floats({1})),
      "tensor 'w': every dimension of shape must be a non-negative integer, got -1");
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", floats({1})),
      "must be a non-negative integer, got 1.5");
}

TEST_F(CheckpointReaderTest, RejectsOffsetsThatDisagreeWithTheShape) {
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}})", floats({1, 2, 3})),
      "tensor 'w' of dtype F32 and shape [4] needs 16 bytes but data_offsets [0,12] hold 12");
  expect_corrupt(
      file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", floats({1})),
      "tensor 'w' ends before it begins");
  expect_corrupt(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", floats({1})),
                 "tensor 'w': data_offsets must be [begin, end]");
}

TEST_F(CheckpointReaderTest, RejectsOverlappingTensors) {
  expect_corrupt(
      file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                 R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                 floats({1, 2, 3})),
      "tensor 'b' starts at data offset 4 but the previous tensor ends at 8 (tensors overlap)");
  // Two names for the same bytes (aliasing) is an overlap too.
  expect_corrupt(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                            floats({1, 2})),
                 "(tensors overlap)");
}

TEST_F(CheckpointReaderTest, RejectsGapsOutOfRangeOffsetsAndTrailingBytes) {
  expect_corrupt(
      file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", floats({1, 2})),
      "tensor 'a' starts at data offset 4 but the previous tensor ends at 0 (a gap between "
      "tensors)");
  expect_corrupt(
      file_bytes(R"({"a":{"dtype":"F32","shape":[1024],"data_offsets":[0,4096]}})", floats({1, 2})),
      "the tensors hold 4096 bytes but the file has 8 bytes of data (the file is truncated)");
  expect_corrupt(
      file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", floats({1, 2})),
      "the tensors hold 4 bytes but the file has 8 bytes of data (trailing bytes)");
}

TEST_F(CheckpointReaderTest, RejectsDuplicateNamesAndBadMetadata) {
  expect_corrupt(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                            floats({1, 2})),
                 "tensor 'a' appears twice in the header");
  expect_corrupt(file_bytes(R"({"__metadata__":{"step":3}})", ""),
                 "__metadata__ value 'step' must be a string");
  expect_corrupt(file_bytes(R"({"__metadata__":[1]})", ""),
                 "__metadata__ must be an object of strings");
}

TEST_F(CheckpointReaderTest, RejectsATruncatedCheckpoint) {
  const std::string json = R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  const std::string whole = file_bytes(json, floats({1, 2, 3, 4}));
  for (const std::size_t cut : {std::size_t{4}, std::size_t{20}, whole.size() - 1}) {
    SCOPED_TRACE(cut);
    ScratchDir::write(path_, whole.substr(0, cut));
    EXPECT_THROW(CheckpointReader{path_}, DataLossError);
  }
}

TEST_F(CheckpointReaderTest, AcceptsDtypesVarscopeLacksButRefusesToReadThem) {
  const CheckpointReader reader =
      open(file_bytes(R"({"q":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", "abcd"));
  EXPECT_EQ(reader.keys(), std::vector<std::string>{"q"});
  EXPECT_EQ(reader.dtype_name("q"), "F8_E4M3");
  VS_EXPECT_ERROR(
      reader.tensor("q"), UnimplementedError,
      "Tensor q of checkpoint " + path_ + " has dtype F8_E4M3, which varscope does not support");
}

TEST_F(CheckpointReaderTest, AcceptsWhitespacePaddedHeaders) {
  const CheckpointReader reader = open(
      file_bytes(R"(  {"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}      )", floats({9})));
  EXPECT_EQ(reader.tensor("w").item<float>(), 9.f);
}

}  // namespace
}  // namespace varscope
