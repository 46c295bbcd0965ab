// TFRecord framing: RecordWriter + read_records round trips, and the reader's DataLossError for
// every kind of damage (length, its CRC, payload, footer, truncation, a hostile length).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/summary/crc32c.h"
#include "core/summary/record_reader.h"
#include "core/summary/record_writer.h"
#include "expect_error.h"
#include "scratch_dir.h"
#include "varscope/error.h"

namespace varscope::summary {
namespace {

namespace fs = std::filesystem;

class SummaryRecordTest : public ::testing::Test {
 protected:
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string write_records(const std::string& name, const std::vector<std::string>& payloads) {
    RecordWriter writer(path(name));
    for (const std::string& p : payloads) writer.write(p);
    writer.close();
    return path(name);
  }

  static std::string read_bytes(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void write_bytes(const std::string& file, const std::string& bytes) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  }
  // Flips the bits of one byte of the file.
  static void corrupt_byte(const std::string& file, std::size_t offset) {
    std::string bytes = read_bytes(file);
    ASSERT_LT(offset, bytes.size());
    bytes[offset] = static_cast<char>(~bytes[offset]);
    write_bytes(file, bytes);
  }

  testing::ScratchDir scratch_;
  fs::path dir_ = scratch_.path();
};

std::string binary_payload() {
  std::string p;
  for (int i = 0; i < 300; ++i) p.push_back(static_cast<char>(i * 7));
  return p;  // includes '\0' and bytes >= 0x80
}

TEST_F(SummaryRecordTest, RoundTrip) {
  const std::vector<std::string> payloads = {"first", "", binary_payload(),
                                             std::string(200000, 'x'), "last"};
  const std::string file = write_records("round_trip.tfrecord", payloads);
  EXPECT_EQ(read_records(file), payloads);
  std::size_t expected_size = 0;
  for (const std::string& p : payloads)
    expected_size += kRecordHeaderSize + p.size() + kRecordFooterSize;
  EXPECT_EQ(fs::file_size(file), expected_size);
}

TEST_F(SummaryRecordTest, RecordLayout) {
  const std::string record = encode_record("abc");
  ASSERT_EQ(record.size(), 12u + 3u + 4u);
  EXPECT_EQ(record.substr(0, 8), std::string("\x03\0\0\0\0\0\0\0", 8));  // little-endian length
  auto u32_at = [&](std::size_t offset) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(record[offset + i]);
    return v;
  };
  EXPECT_EQ(u32_at(8), mask_crc(crc32c(record.substr(0, 8))));
  EXPECT_EQ(record.substr(12, 3), "abc");
  EXPECT_EQ(u32_at(15), mask_crc(crc32c("abc")));
}

TEST_F(SummaryRecordTest, EmptyFileHasNoRecords) {
  write_bytes(path("empty"), "");
  EXPECT_TRUE(read_records(path("empty")).empty());
}

TEST_F(SummaryRecordTest, MissingFile) {
  VS_EXPECT_ERROR_PREFIX(read_records(path("absent")), NotFoundError,
                         "Cannot open " + path("absent") + ": ");
}

// The second record starts at 12 + 5 + 4 = 21; its length at 21..28, length CRC at 29..32,
// payload at 33..37, footer at 38..41.
class SummaryRecordCorruptionTest : public SummaryRecordTest {
 protected:
  void SetUp() override {
    SummaryRecordTest::SetUp();
    file_ = write_records("three.tfrecord", {"alpha", "bravo", "charlie"});
  }
  std::string prefix() const { return "TFRecord file " + file_ + ", record 1 at offset 21: "; }
  std::string file_;
};

TEST_F(SummaryRecordCorruptionTest, FlippedLengthByte) {
  corrupt_byte(file_, 21);
  VS_EXPECT_ERROR(read_records(file_), DataLossError,
                  prefix() + "corrupt length (masked CRC32C of the length does not match)");
}

TEST_F(SummaryRecordCorruptionTest, FlippedLengthCrcByte) {
  corrupt_byte(file_, 30);
  VS_EXPECT_ERROR(read_records(file_), DataLossError,
                  prefix() + "corrupt length (masked CRC32C of the length does not match)");
}

TEST_F(SummaryRecordCorruptionTest, FlippedPayloadByte) {
  corrupt_byte(file_, 35);
  VS_EXPECT_ERROR(read_records(file_), DataLossError,
                  prefix() + "corrupt payload (masked CRC32C of the 5 bytes does not match)");
}

TEST_F(SummaryRecordCorruptionTest, FlippedFooterByte) {
  corrupt_byte(file_, 41);
  VS_EXPECT_ERROR(read_records(file_), DataLossError,
                  prefix() + "corrupt payload (masked CRC32C of the 5 bytes does not match)");
}

TEST_F(SummaryRecordCorruptionTest, TruncatedInsideTheLastRecord) {
  std::string bytes = read_bytes(file_);
  write_bytes(file_, bytes.substr(0, bytes.size() - 3));
  VS_EXPECT_ERROR(read_records(file_), DataLossError,
                  "TFRecord file " + file_ +
                      ", record 2 at offset 42: truncated: the record needs 7 + 4 bytes after its "
                      "header, 8 are left");
}

TEST_F(SummaryRecordCorruptionTest, TruncatedInsideAHeader) {
  std::string bytes = read_bytes(file_);
  write_bytes(file_, bytes.substr(0, 42 + 5));
  VS_EXPECT_ERROR(read_records(file_), DataLossError,
                  "TFRecord file " + file_ +
                      ", record 2 at offset 42: truncated: 5 bytes left, a record header needs 12");
}

// A length of 2^60 with a valid length CRC: rejected from the file size, before any allocation
// (an attempt would throw std::bad_alloc or std::length_error instead of DataLossError).
TEST_F(SummaryRecordCorruptionTest, HostileLengthIsRejectedWithoutAllocating) {
  std::string bytes = read_bytes(file_);
  std::string header(8, '\0');
  const std::uint64_t hostile = std::uint64_t{1} << 60;
  for (int i = 0; i < 8; ++i) header[i] = static_cast<char>((hostile >> (8 * i)) & 0xff);
  const std::uint32_t masked = mask_crc(crc32c(header));
  for (int i = 0; i < 4; ++i) header.push_back(static_cast<char>((masked >> (8 * i)) & 0xff));
  bytes.replace(21, 12, header);
  write_bytes(file_, bytes);
  VS_EXPECT_ERROR(read_records(file_), DataLossError,
                  prefix() +
                      "truncated: the record needs 1152921504606846976 + 4 bytes after its header, "
                      "32 are left");
}

TEST_F(SummaryRecordTest, WriterFailsInAMissingDirectory) {
  VS_EXPECT_ERROR(RecordWriter(path("no/such/dir/f")), NotFoundError,
                  "Cannot create " + path("no/such/dir/f") + ": No such file or directory");
}

TEST_F(SummaryRecordTest, WriteAfterCloseIsRefused) {
  RecordWriter writer(path("closed"));
  writer.write("one");
  writer.close();
  writer.close();  // idempotent
  EXPECT_FALSE(writer.is_open());
  VS_EXPECT_ERROR(writer.write("two"), FailedPreconditionError,
                  "Cannot write to " + path("closed") + ": the file is closed");
  EXPECT_EQ(read_records(path("closed")), std::vector<std::string>{"one"});
}

TEST_F(SummaryRecordTest, FlushMakesRecordsVisibleWhileOpen) {
  RecordWriter writer(path("live"));
  writer.write("visible");
  writer.flush();
  EXPECT_EQ(read_records(path("live")), std::vector<std::string>{"visible"});
}

}  // namespace
}  // namespace varscope::summary
