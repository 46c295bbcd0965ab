// Writing TFRecord files, the framing of TensorBoard event files. Each record is, little-endian:
//
//   uint64 length | uint32 masked_crc32c(length bytes) | payload | uint32 masked_crc32c(payload)
//
// with no file header, padding or end marker (see crc32c.h for the mask).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace varscope::summary {

/// Bytes around a payload: 12 before (length, its CRC), 4 after (the payload's CRC).
inline constexpr std::size_t kRecordHeaderSize = 12;
inline constexpr std::size_t kRecordFooterSize = 4;

/// One whole record holding `payload`.
std::string encode_record(std::string_view payload);

/// Appends records to a new file. Not thread-safe (FileWriter locks around it).
class RecordWriter {
 public:
  /// Creates or truncates `path`. Throws NotFoundError when its directory does not exist,
  /// InvalidArgumentError when it cannot be created otherwise; both name the path.
  explicit RecordWriter(std::string path);
  /// Closes the file; errors are dropped (call close() to see them).
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  /// Appends one record with a single write to the stdio buffer, so a record is never split by a
  /// failed call. Throws InvalidArgumentError naming the path when the write fails, and
  /// FailedPreconditionError after close().
  void write(std::string_view payload);
  /// Hands buffered records to the OS (fflush), so readers of the file see them.
  void flush();
  /// Flushes and closes; idempotent. Throws InvalidArgumentError naming the path on failure.
  void close();
  bool is_open() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };

  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
};

}  // namespace varscope::summary
