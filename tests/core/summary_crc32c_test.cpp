// CRC-32C and its TFRecord mask against published vectors, and the two golden event records of
// shared/reference/ecosystem.md §1.2 reproduced byte for byte (Event protobuf + TFRecord framing).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/proto/event.pb.h"
#include "core/summary/crc32c.h"
#include "core/summary/record_writer.h"

namespace varscope::summary {
namespace {

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

std::string to_hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 15]);
  }
  return hex;
}

TEST(SummaryCrc32cTest, StandardCheckValue) { EXPECT_EQ(crc32c("123456789"), 0xE3069283u); }

// RFC 3720 (iSCSI) appendix B.4.
TEST(SummaryCrc32cTest, Rfc3720Vectors) {
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
}

TEST(SummaryCrc32cTest, EmptyInputIsZero) { EXPECT_EQ(crc32c(""), 0u); }

TEST(SummaryCrc32cTest, ExtendContinuesACrc) {
  const std::string a = "1234", b = "56789";
  EXPECT_EQ(crc32c_extend(crc32c(a), b.data(), b.size()), crc32c("123456789"));
  EXPECT_NE(crc32c(a), crc32c("123456789"));
}

// The masked CRC of a record header taken from a real TensorFlow event file.
TEST(SummaryCrc32cTest, MaskedCrcFromATensorFlowFile) {
  EXPECT_EQ(mask_crc(crc32c("\x1a\x11"
                            "CRC test, one two")),
            0x5794D08Au);
}

TEST(SummaryCrc32cTest, MaskRotatesRightBy15AndAddsTheDelta) {
  EXPECT_EQ(mask_crc(0), kMaskDelta);
  EXPECT_EQ(mask_crc(1u << 15), 1u + kMaskDelta);
  EXPECT_EQ(mask_crc(1), (1u << 17) + kMaskDelta);
  for (std::uint32_t crc : {0u, 1u, 0xE3069283u, 0x8A9136AAu, 0xFFFFFFFFu, 0x80000000u}) {
    EXPECT_EQ(unmask_crc(mask_crc(crc)), crc) << std::hex << crc;
    EXPECT_NE(mask_crc(crc), crc) << std::hex << crc;
  }
}

TEST(SummaryGoldenRecordTest, FileVersionEvent) {
  tensorboard::Event event;
  event.set_wall_time(1700000000.0);
  event.set_file_version("brain.Event:2");
  std::string payload;
  ASSERT_TRUE(event.SerializeToString(&payload));
  EXPECT_EQ(payload.size(), 24u);
  EXPECT_EQ(to_hex(encode_record(payload)),
            "1800000000000000"
            "a37f4b22"
            "0900000040fc54d9411a0d627261696e2e4576656e743a32"
            "eced8f9d");
}

TEST(SummaryGoldenRecordTest, ScalarEvent) {
  tensorboard::Event event;
  event.set_wall_time(1700000001.0);
  event.set_step(1);
  tensorboard::Summary::Value* value = event.mutable_summary()->add_value();
  value->set_tag("loss");
  value->set_simple_value(0.5f);
  std::string payload;
  ASSERT_TRUE(event.SerializeToString(&payload));
  EXPECT_EQ(payload.size(), 26u);
  EXPECT_EQ(to_hex(encode_record(payload)),
            "1a00000000000000"
            "129bd82d"
            "0900004040fc54d94110012a0d0a0b0a046c6f7373150000003f"
            "97d67404");
}

// The golden bytes parse back into the events they were made from.
TEST(SummaryGoldenRecordTest, GoldenPayloadParses) {
  tensorboard::Event event;
  ASSERT_TRUE(
      event.ParseFromString(from_hex("0900004040fc54d94110012a0d0a0b0a046c6f7373150000003f")));
  EXPECT_EQ(event.wall_time(), 1700000001.0);
  EXPECT_EQ(event.step(), 1);
  ASSERT_EQ(event.summary().value_size(), 1);
  EXPECT_EQ(event.summary().value(0).tag(), "loss");
  EXPECT_EQ(event.summary().value(0).simple_value(), 0.5f);
}

}  // namespace
}  // namespace varscope::summary
