#include "core/summary/record_reader.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>

#include "core/summary/crc32c.h"
#include "core/summary/record_writer.h"
#include "varscope/error.h"

namespace varscope::summary {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::uint64_t get_le(const unsigned char* p, int bytes) {
  std::uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

}  // namespace

std::vector<std::string> read_records(const std::string& path) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    const std::string message = "Cannot open " + path + ": " + std::strerror(errno);
    if (errno == ENOENT) throw NotFoundError(message);
    throw InvalidArgumentError(message);
  }
  auto read_error = [&] {
    return InvalidArgumentError("Cannot read " + path + ": " + std::strerror(errno));
  };
  if (std::fseek(file.get(), 0, SEEK_END) != 0) throw read_error();
  const long end = std::ftell(file.get());
  if (end < 0) throw read_error();
  std::rewind(file.get());

  const auto size = static_cast<std::uint64_t>(end);
  std::vector<std::string> payloads;
  std::uint64_t offset = 0;
  auto corrupt = [&](const std::string& what) {
    return DataLossError("TFRecord file " + path + ", record " + std::to_string(payloads.size()) +
                         " at offset " + std::to_string(offset) + ": " + what);
  };
  // A short read of a file whose size we know means it shrank (or an I/O error): data loss.
  auto read_exactly = [&](void* dst, std::size_t n) {
    if (std::fread(dst, 1, n, file.get()) != n)
      throw corrupt("the file ended early while reading it");
  };

  while (offset < size) {
    const std::uint64_t left = size - offset;
    if (left < kRecordHeaderSize) {
      throw corrupt("truncated: " + std::to_string(left) + " bytes left, a record header needs " +
                    std::to_string(kRecordHeaderSize));
    }
    unsigned char header[kRecordHeaderSize];
    read_exactly(header, sizeof header);
    const std::uint64_t length = get_le(header, 8);
    const auto length_crc = static_cast<std::uint32_t>(get_le(header + 8, 4));
    if (unmask_crc(length_crc) != crc32c_extend(0, header, 8)) {
      throw corrupt("corrupt length (masked CRC32C of the length does not match)");
    }
    // Checked before allocating: a hostile length must not turn into a huge allocation.
    const std::uint64_t body_left = left - kRecordHeaderSize;
    if (body_left < kRecordFooterSize || length > body_left - kRecordFooterSize) {
      throw corrupt("truncated: the record needs " + std::to_string(length) + " + " +
                    std::to_string(kRecordFooterSize) + " bytes after its header, " +
                    std::to_string(body_left) + " are left");
    }
    std::string payload(static_cast<std::size_t>(length), '\0');
    read_exactly(payload.data(), payload.size());
    unsigned char footer[kRecordFooterSize];
    read_exactly(footer, sizeof footer);
    if (unmask_crc(static_cast<std::uint32_t>(get_le(footer, 4))) != crc32c(payload)) {
      throw corrupt("corrupt payload (masked CRC32C of the " + std::to_string(length) +
                    " bytes does not match)");
    }
    payloads.push_back(std::move(payload));
    offset += kRecordHeaderSize + length + kRecordFooterSize;
  }
  return payloads;
}

}  // namespace varscope::summary
