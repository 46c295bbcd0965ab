// POSIX rather than iostreams: pread lets concurrent readers share one descriptor, and an atomic
// replacement needs fsync on the file and on its directory, which streams cannot ask for.
#include "core/io/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "varscope/error.h"

namespace varscope {

std::string errno_message(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

void throw_io_error(const std::string& what, const std::string& path) {
  if (errno == ENOENT) throw NotFoundError(errno_message(what, path));
  throw InvalidArgumentError(errno_message(what, path));
}

UniqueFd open_for_reading(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_io_error("Cannot open", path);
  return fd;
}

std::uint64_t file_size(const UniqueFd& fd, const std::string& path) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_io_error("Cannot stat", path);
  if (!S_ISREG(st.st_mode)) throw InvalidArgumentError(path + " is not a regular file");
  return static_cast<std::uint64_t>(st.st_size);
}

void read_exactly(const UniqueFd& fd, void* dst, std::size_t bytes, std::uint64_t offset,
                  const std::string& path) {
  auto* out = static_cast<char*>(dst);
  while (bytes > 0) {
    const ssize_t n = ::pread(fd.get(), out, bytes, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw DataLossError(errno_message("Cannot read", path));
    }
    if (n == 0) {
      throw DataLossError("Unexpected end of file " + path + " at byte " + std::to_string(offset) +
                          " (" + std::to_string(bytes) +
                          " more bytes expected): the file is truncated");
    }
    out += n;
    offset += static_cast<std::uint64_t>(n);
    bytes -= static_cast<std::size_t>(n);
  }
}

namespace {

std::string temporary_name(const std::string& path) {
  static std::atomic<std::uint64_t> counter{0};
  return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

// A rename is durable only once the directory entry is on disk.
void sync_directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) ::fsync(fd.get());  // best effort: some file systems refuse fsync on directories
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path)
    : path_(std::move(path)), temporary_path_(temporary_name(path_)) {
  fd_ = UniqueFd(::open(temporary_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd_) throw_io_error("Cannot create", temporary_path_);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed_) {
    fd_.reset();
    ::unlink(temporary_path_.c_str());
  }
}

void AtomicFileWriter::write(const void* data, std::size_t bytes) {
  if (committed_)
    throw FailedPreconditionError("AtomicFileWriter: " + path_ + " was already committed");
  const auto* in = static_cast<const char*>(data);
  while (bytes > 0) {
    const ssize_t n = ::write(fd_.get(), in, bytes);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_io_error("Cannot write", temporary_path_);
    }
    in += n;
    bytes -= static_cast<std::size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  if (committed_) return;
  if (::fsync(fd_.get()) != 0) throw_io_error("Cannot flush", temporary_path_);
  if (fd_.close() != 0) throw_io_error("Cannot close", temporary_path_);
  if (::rename(temporary_path_.c_str(), path_.c_str()) != 0) {
    throw_io_error("Cannot rename " + temporary_path_ + " to", path_);
  }
  committed_ = true;
  sync_directory_of(path_);
}

}  // namespace varscope
