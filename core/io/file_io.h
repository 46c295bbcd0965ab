// Small POSIX file helpers shared by the checkpoint code: whole writes and reads that report errors
// naming the file, and atomic replacement of a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/io/unique_fd.h"

namespace varscope {

/// "<what> <path>: <strerror(errno)>", for the errors below.
std::string errno_message(const std::string& what, const std::string& path);
/// Throws NotFoundError (ENOENT) or InvalidArgumentError with errno_message(what, path).
[[noreturn]] void throw_io_error(const std::string& what, const std::string& path);

/// Opens `path` for reading; NotFoundError when it does not exist, InvalidArgumentError otherwise.
UniqueFd open_for_reading(const std::string& path);
/// The size of an open file.
std::uint64_t file_size(const UniqueFd& fd, const std::string& path);
/// Reads exactly `bytes` at `offset`; DataLossError naming `path` when the file ends first.
void read_exactly(const UniqueFd& fd, void* dst, std::size_t bytes, std::uint64_t offset,
                  const std::string& path);

/// Writes a file so that `path` holds either its previous content or all of the new content,
/// whatever happens to the process: bytes go to a temporary file beside `path`, which commit()
/// flushes to disk (fsync) and renames over `path`, then syncs the directory. Destroyed without
/// commit() (an exception, an early return), it removes the temporary file and leaves `path` alone.
class AtomicFileWriter {
 public:
  /// Creates the temporary "<path>.tmp.<pid>.<n>"; throws naming it when the directory is not
  /// writable.
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, std::size_t bytes);
  /// Makes the new content `path`'s. Throws (and leaves `path` unchanged) when the disk refuses.
  void commit();
  const std::string& path() const { return path_; }
  const std::string& temporary_path() const { return temporary_path_; }

 private:
  std::string path_;
  std::string temporary_path_;
  UniqueFd fd_;
  bool committed_ = false;
};

}  // namespace varscope
