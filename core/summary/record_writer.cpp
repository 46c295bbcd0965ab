#include "core/summary/record_writer.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/summary/crc32c.h"
#include "varscope/error.h"

namespace varscope::summary {
namespace {

// Byte by byte, so the file is little-endian whatever the host is.
void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xffu));
}

[[noreturn]] void throw_io_error(const std::string& what, const std::string& path) {
  const std::string message = what + " " + path + ": " + std::strerror(errno);
  if (errno == ENOENT) throw NotFoundError(message);
  throw InvalidArgumentError(message);
}

}  // namespace

std::string encode_record(std::string_view payload) {
  std::string record;
  record.reserve(kRecordHeaderSize + payload.size() + kRecordFooterSize);
  put_le(record, payload.size(), 8);
  put_le(record, mask_crc(crc32c(record)), 4);
  record.append(payload);
  put_le(record, mask_crc(crc32c(payload)), 4);
  return record;
}

RecordWriter::RecordWriter(std::string path) : path_(std::move(path)) {
  file_.reset(std::fopen(path_.c_str(), "wb"));
  if (!file_) throw_io_error("Cannot create", path_);
}

RecordWriter::~RecordWriter() = default;

void RecordWriter::write(std::string_view payload) {
  if (!file_) throw FailedPreconditionError("Cannot write to " + path_ + ": the file is closed");
  const std::string record = encode_record(payload);
  if (std::fwrite(record.data(), 1, record.size(), file_.get()) != record.size()) {
    throw_io_error("Cannot write", path_);
  }
}

void RecordWriter::flush() {
  if (file_ && std::fflush(file_.get()) != 0) throw_io_error("Cannot flush", path_);
}

void RecordWriter::close() {
  if (!file_) return;
  // fclose releases the FILE even when it fails, so the handle is given up first.
  std::FILE* f = file_.release();
  if (std::fclose(f) != 0) throw_io_error("Cannot close", path_);
}

}  // namespace varscope::summary
