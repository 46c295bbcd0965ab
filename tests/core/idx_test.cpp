// read_idx on files crafted byte by byte, plain and gzipped: every type code, big-endian
// conversion, and each malformed-file error with its text.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "expect_error.h"
#include "varscope/data.h"

namespace varscope::data {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

// Header bytes: 0, 0, type, rank, then each dimension as big-endian uint32.
Bytes idx_header(unsigned char type, const std::vector<std::uint32_t>& dims) {
  Bytes b = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8)
      b.push_back(static_cast<unsigned char>(d >> shift));
  }
  return b;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("varscope_idx_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path write_plain(const std::string& name, const Bytes& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  fs::path write_gzip(const std::string& name, const Bytes& bytes) {
    const fs::path path = dir_ / name;
    gzFile f = gzopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    if (!bytes.empty()) {
      EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
                static_cast<int>(bytes.size()));
    }
    EXPECT_EQ(gzclose(f), Z_OK);
    return path;
  }
  // The file written both ways: {plain, gzipped}.
  std::vector<fs::path> write_both(const std::string& name, const Bytes& bytes) {
    return {write_plain(name, bytes), write_gzip(name + ".gz", bytes)};
  }
  Bytes read_back(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }
  std::string where(const fs::path& path) { return "[read_idx] file '" + path.string() + "': "; }

  fs::path dir_;
};

TEST_F(IdxTest, Uint8KeepsShapeAndValues) {
  const Bytes file = concat(idx_header(0x08, {2, 3}), {0, 1, 2, 127, 128, 255});
  for (const fs::path& path : write_both("u8", file)) {
    SCOPED_TRACE(path.string());
    const Tensor t = read_idx(path);
    EXPECT_EQ(t.dtype(), uint8);
    EXPECT_EQ(t.shape(), Shape({2, 3}));
    EXPECT_EQ(t.to_vector<std::uint8_t>(), (std::vector<std::uint8_t>{0, 1, 2, 127, 128, 255}));
  }
}

TEST_F(IdxTest, Int8IsSigned) {
  const Bytes file = concat(idx_header(0x09, {4}), {0x00, 0x7F, 0x80, 0xFF});
  for (const fs::path& path : write_both("i8", file)) {
    SCOPED_TRACE(path.string());
    const Tensor t = read_idx(path);
    EXPECT_EQ(t.dtype(), int8);
    EXPECT_EQ(t.to_vector<std::int8_t>(), (std::vector<std::int8_t>{0, 127, -128, -1}));
  }
}

TEST_F(IdxTest, Int16FromBigEndian) {
  // 0x0102 = 258, 0xFFFE = -2, 0x8000 = -32768.
  const Bytes file = concat(idx_header(0x0B, {3, 1}), {0x01, 0x02, 0xFF, 0xFE, 0x80, 0x00});
  for (const fs::path& path : write_both("i16", file)) {
    SCOPED_TRACE(path.string());
    const Tensor t = read_idx(path);
    EXPECT_EQ(t.dtype(), int16);
    EXPECT_EQ(t.shape(), Shape({3, 1}));
    EXPECT_EQ(t.to_vector<std::int16_t>(), (std::vector<std::int16_t>{258, -2, -32768}));
  }
}

TEST_F(IdxTest, Int32FromBigEndian) {
  // 0x01020304 = 16909060, 0xFFFFFFFB = -5.
  const Bytes file =
      concat(idx_header(0x0C, {2}), {0x01, 0x02, 0x03, 0x04, 0xFF, 0xFF, 0xFF, 0xFB});
  for (const fs::path& path : write_both("i32", file)) {
    SCOPED_TRACE(path.string());
    const Tensor t = read_idx(path);
    EXPECT_EQ(t.dtype(), int32);
    EXPECT_EQ(t.to_vector<std::int32_t>(), (std::vector<std::int32_t>{16909060, -5}));
  }
}

TEST_F(IdxTest, Float32FromBigEndian) {
  // IEEE-754: 1.5f = 0x3FC00000, -0.375f = 0xBEC00000.
  const Bytes file =
      concat(idx_header(0x0D, {1, 2}), {0x3F, 0xC0, 0x00, 0x00, 0xBE, 0xC0, 0x00, 0x00});
  for (const fs::path& path : write_both("f32", file)) {
    SCOPED_TRACE(path.string());
    const Tensor t = read_idx(path);
    EXPECT_EQ(t.dtype(), float32);
    EXPECT_EQ(t.shape(), Shape({1, 2}));
    EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1.5f, -0.375f}));
  }
}

TEST_F(IdxTest, Float64FromBigEndian) {
  // -2.25 = 0xC002000000000000, 2^-1074 (the smallest subnormal) = 0x0000000000000001.
  const Bytes file = concat(idx_header(0x0E, {2}), {0xC0, 0x02, 0, 0, 0, 0, 0, 0,  //
                                                    0, 0, 0, 0, 0, 0, 0, 0x01});
  for (const fs::path& path : write_both("f64", file)) {
    SCOPED_TRACE(path.string());
    const Tensor t = read_idx(path);
    EXPECT_EQ(t.dtype(), float64);
    EXPECT_EQ(t.to_vector<double>(), (std::vector<double>{-2.25, 4.9406564584124654e-324}));
  }
}

TEST_F(IdxTest, ThreeDimensionsLikeMnistImages) {
  Bytes data(2 * 3 * 4);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(10 * i);
  for (const fs::path& path : write_both("images", concat(idx_header(0x08, {2, 3, 4}), data))) {
    SCOPED_TRACE(path.string());
    const Tensor t = read_idx(path);
    EXPECT_EQ(t.shape(), Shape({2, 3, 4}));
    EXPECT_EQ(t.data<std::uint8_t>()[1 * 12 + 2 * 4 + 3], 230);  // element [1, 2, 3]
  }
}

TEST_F(IdxTest, LargerThanOneReadChunk) {
  // 3 MiB of int32 crosses the reader's 1 MiB chunks; values check the seams.
  const std::uint32_t n = 3 * (1u << 18);
  Bytes file = idx_header(0x0C, {n});
  for (std::uint32_t i = 0; i < n; ++i) {
    for (int shift = 24; shift >= 0; shift -= 8)
      file.push_back(static_cast<unsigned char>(i >> shift));
  }
  for (const fs::path& path : write_both("big", file)) {
    SCOPED_TRACE(path.string());
    const Tensor t = read_idx(path);
    ASSERT_EQ(t.num_elements(), n);
    const std::int32_t* p = t.data<std::int32_t>();
    bool all_match = true;
    for (std::uint32_t i = 0; i < n; ++i)
      all_match = all_match && p[i] == static_cast<std::int32_t>(i);
    EXPECT_TRUE(all_match);
  }
}

TEST_F(IdxTest, MissingFileIsNotFound) {
  const fs::path path = dir_ / "absent.idx";
  VS_EXPECT_ERROR(read_idx(path), NotFoundError, where(path) + "no such file");
}

TEST_F(IdxTest, DirectoryIsRejected) {
  VS_EXPECT_ERROR(read_idx(dir_), InvalidArgumentError,
                  where(dir_) + "is a directory, not an IDX file");
}

TEST_F(IdxTest, ShortMagic) {
  for (const fs::path& path : write_both("short", {0, 0})) {
    VS_EXPECT_ERROR(
        read_idx(path), InvalidArgumentError,
        where(path) + "truncated header: 2 bytes, an IDX file starts with a 4-byte magic number");
  }
}

TEST_F(IdxTest, EmptyFile) {
  const fs::path path = write_plain("empty", {});
  VS_EXPECT_ERROR(
      read_idx(path), InvalidArgumentError,
      where(path) + "truncated header: 0 bytes, an IDX file starts with a 4-byte magic number");
}

TEST_F(IdxTest, BadMagic) {
  // A PNG's first bytes, say.
  for (const fs::path& path : write_both("png", {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A})) {
    VS_EXPECT_ERROR(
        read_idx(path), InvalidArgumentError,
        where(path) +
            "bad magic number 0x89504E47: an IDX file starts with two zero bytes, a type "
            "code and the rank");
  }
}

TEST_F(IdxTest, UnknownTypeCode) {
  for (const fs::path& path : write_both("type", concat(idx_header(0x0A, {1}), {0}))) {
    VS_EXPECT_ERROR(read_idx(path), InvalidArgumentError,
                    where(path) +
                        "unknown type code 0x0A (expected 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C "
                        "int32, 0x0D float32 or 0x0E float64)");
  }
}

TEST_F(IdxTest, RankZero) {
  for (const fs::path& path : write_both("rank0", concat(idx_header(0x08, {}), {7}))) {
    VS_EXPECT_ERROR(read_idx(path), InvalidArgumentError,
                    where(path) + "rank 0: an IDX file has at least one dimension");
  }
}

TEST_F(IdxTest, TruncatedDimensions) {
  // Rank 3 promises 12 bytes of dimensions; only 6 follow.
  for (const fs::path& path : write_both("dims", {0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0})) {
    VS_EXPECT_ERROR(read_idx(path), InvalidArgumentError,
                    where(path) +
                        "truncated header: rank 3 needs 12 bytes of dimensions after the magic "
                        "number, got 6");
  }
}

TEST_F(IdxTest, ZeroDimension) {
  for (const fs::path& path : write_both("zero", idx_header(0x08, {5, 0, 28}))) {
    VS_EXPECT_ERROR(read_idx(path), InvalidArgumentError,
                    where(path) + "dimension 1 is 0 in shape (5, 0, 28)");
  }
}

TEST_F(IdxTest, AbsurdShapeIsRejectedBeforeAnyAllocation) {
  // 65536 x 65536 float32 = 16 GiB, and four maximal dimensions would overflow 64 bits.
  for (const fs::path& path :
       write_both("huge", concat(idx_header(0x0D, {65536, 65536}), {1, 2, 3, 4}))) {
    VS_EXPECT_ERROR(
        read_idx(path), InvalidArgumentError,
        where(path) + "shape (65536, 65536) of float32 is over the 4 GiB limit of IDX data");
  }
  const std::uint32_t m = 0xFFFFFFFFu;
  for (const fs::path& path : write_both("overflow", idx_header(0x08, {m, m, m, m}))) {
    VS_EXPECT_ERROR(
        read_idx(path), InvalidArgumentError,
        where(path) +
            "shape (4294967295, 4294967295, 4294967295, 4294967295) of uint8 is over the "
            "4 GiB limit of IDX data");
  }
}

TEST_F(IdxTest, HeaderClaimingMoreThanPresentIsTruncated) {
  // The header claims ~4 GiB; the file holds 10 bytes. The error comes from the data present, not
  // from an attempt to allocate what the header claims.
  const Bytes file = concat(idx_header(0x08, {0xFFFFFFFFu}), Bytes(10, 1));
  for (const fs::path& path : write_both("claims", file)) {
    VS_EXPECT_ERROR(read_idx(path), InvalidArgumentError,
                    where(path) +
                        "truncated data: 10 of the 4294967295 bytes that shape (4294967295,) of "
                        "uint8 needs");
  }
}

TEST_F(IdxTest, TruncatedData) {
  // (2, 2) int16 needs 8 bytes; 5 are present.
  const Bytes file = concat(idx_header(0x0B, {2, 2}), {1, 2, 3, 4, 5});
  for (const fs::path& path : write_both("trunc", file)) {
    VS_EXPECT_ERROR(
        read_idx(path), InvalidArgumentError,
        where(path) + "truncated data: 5 of the 8 bytes that shape (2, 2) of int16 needs");
  }
}

TEST_F(IdxTest, TrailingBytes) {
  const Bytes file = concat(idx_header(0x08, {3}), {1, 2, 3, 4, 5});
  const fs::path plain = write_plain("trail", file);
  VS_EXPECT_ERROR(
      read_idx(plain), InvalidArgumentError,
      where(plain) + "2 trailing bytes after the 3 bytes that shape (3,) of uint8 needs");
  // Through gzip the count is not known without decompressing the rest.
  const fs::path gz = write_gzip("trail.gz", file);
  VS_EXPECT_ERROR(read_idx(gz), InvalidArgumentError,
                  where(gz) + "trailing bytes after the 3 bytes that shape (3,) of uint8 needs");
}

TEST_F(IdxTest, GzipCutShort) {
  Bytes data(4096);
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<unsigned char>(i * 7919 % 251);
  const Bytes whole = read_back(write_gzip("whole.gz", concat(idx_header(0x08, {4096}), data)));
  const fs::path path =
      write_plain("cut.gz", Bytes(whole.begin(), whole.begin() + whole.size() / 2));
  VS_EXPECT_ERROR(read_idx(path), InvalidArgumentError,
                  where(path) + "corrupt gzip stream (unexpected end of file)");
}

TEST_F(IdxTest, GzipWithBadChecksum) {
  Bytes gz = read_back(write_gzip("good.gz", concat(idx_header(0x08, {3}), {1, 2, 3})));
  gz[gz.size() - 8] ^= 0xFF;  // the CRC-32 of the gzip trailer
  const fs::path path = write_plain("crc.gz", gz);
  VS_EXPECT_ERROR(read_idx(path), InvalidArgumentError,
                  where(path) + "corrupt gzip stream (incorrect data check)");
}

TEST_F(IdxTest, GzipWithGarbageBody) {
  // The gzip magic followed by bytes that are no deflate stream: zlib's own words follow.
  const fs::path path = write_plain("garbage.gz", {0x1F, 0x8B, 0x08, 0, 0, 0, 0, 0, 0, 0x03,  //
                                                   0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
  VS_EXPECT_ERROR_PREFIX(read_idx(path), InvalidArgumentError,
                         where(path) + "corrupt gzip stream (");
}

}  // namespace
}  // namespace varscope::data
