// read_idx: the IDX format of MNIST-style datasets.
//
// Layout: two zero bytes, a type code, the rank r; r big-endian uint32 dimensions; the elements,
// big-endian, row-major. Files usually come gzipped. zlib's gzFile reads both (a plain file is
// passed through, gzdirect() says which), so there is one reading path.
//
// The header is untrusted: its element count is checked against a size limit, and the data is read
// in chunks into memory that grows only with the bytes actually present (a plain file's size is
// checked before reading). The tensor is allocated once the data is known to be exactly as long as
// the header says.
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "varscope/data.h"

namespace varscope::data {
namespace {

// IDX type codes and what they become.
struct IdxType {
  std::uint8_t code = 0;
  DType dtype = DType::kInvalid;
};
constexpr IdxType kIdxTypes[] = {{0x08, DType::kUInt8},   {0x09, DType::kInt8},
                                 {0x0B, DType::kInt16},   {0x0C, DType::kInt32},
                                 {0x0D, DType::kFloat32}, {0x0E, DType::kFloat64}};

// No IDX dataset comes near this; a header claiming more is corrupt or hostile.
constexpr std::uint64_t kMaxDataBytes = std::uint64_t{1} << 32;
constexpr unsigned kChunkBytes = 1u << 20;

std::string hex(std::uint32_t value, int digits) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s = "0x";
  for (int i = digits - 1; i >= 0; --i) s += kDigits[(value >> (4 * i)) & 0xF];
  return s;
}

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw InvalidArgumentError("[read_idx] file '" + path.string() + "': " + what);
}

struct GzCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzHandle = std::unique_ptr<std::remove_pointer_t<gzFile>, GzCloser>;

// zlib's gzerror text without the "<path>: " it puts in front (our messages name the file already).
std::string zlib_message(const std::filesystem::path& path, const char* message) {
  std::string m = message != nullptr ? message : "unknown zlib error";
  const std::string prefix = path.string() + ": ";
  if (m.starts_with(prefix)) m.erase(0, prefix.size());
  return m;
}

// Reads up to `n` bytes; fewer only at the end of the stream. Throws on a corrupt gzip stream
// (including one cut short: zlib reports "unexpected end of file").
std::size_t read_some(gzFile f, const std::filesystem::path& path, void* out, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const unsigned want = static_cast<unsigned>(std::min<std::size_t>(n - done, kChunkBytes));
    const int got = gzread(f, static_cast<char*>(out) + done, want);
    if (got < 0) {
      int errnum = 0;
      const char* message = gzerror(f, &errnum);
      if (errnum == Z_ERRNO) fail(path, std::string("read failed: ") + std::strerror(errno));
      fail(path, "corrupt gzip stream (" + zlib_message(path, message) + ")");
    }
    if (got == 0) {
      // gzread returns 0 both at a clean end and when a gzip stream stops mid-way; the latter
      // leaves an error behind.
      int errnum = Z_OK;
      const char* message = gzerror(f, &errnum);
      if (errnum != Z_OK) fail(path, "corrupt gzip stream (" + zlib_message(path, message) + ")");
      break;
    }
    done += static_cast<std::size_t>(got);
  }
  return done;
}

std::uint32_t big_endian_u32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// Copies `count` big-endian elements of `width` bytes from `in` to host order in `out`.
void big_endian_to_host(const unsigned char* in, void* out, std::size_t count, std::size_t width) {
  auto* o = static_cast<unsigned char*>(out);
  if (width == 1 || std::endian::native == std::endian::big) {
    std::memcpy(o, in, count * width);
    return;
  }
  for (std::size_t i = 0; i < count; ++i, in += width, o += width) {
    for (std::size_t b = 0; b < width; ++b) o[b] = in[width - 1 - b];
  }
}

}  // namespace

Tensor read_idx(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw NotFoundError("[read_idx] file '" + path.string() + "': no such file");
  }
  if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not an IDX file");
  GzHandle file(gzopen(path.c_str(), "rb"));
  if (!file) fail(path, std::string("cannot open: ") + std::strerror(errno));
  gzbuffer(file.get(), 1u << 18);

  // Magic: 0x00 0x00 <type> <rank>.
  unsigned char magic[4] = {};
  const std::size_t magic_bytes = read_some(file.get(), path, magic, sizeof magic);
  if (magic_bytes < sizeof magic) {
    fail(path, "truncated header: " + std::to_string(magic_bytes) +
                   " bytes, an IDX file starts with a 4-byte magic number");
  }
  const std::uint32_t magic_value = big_endian_u32(magic);
  if (magic[0] != 0 || magic[1] != 0) {
    fail(path, "bad magic number " + hex(magic_value, 8) +
                   ": an IDX file starts with two zero bytes, a type code and the rank");
  }
  const auto* type = std::find_if(std::begin(kIdxTypes), std::end(kIdxTypes),
                                  [&](const IdxType& t) { return t.code == magic[2]; });
  if (type == std::end(kIdxTypes)) {
    fail(path, "unknown type code " + hex(magic[2], 2) +
                   " (expected 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32 or "
                   "0x0E float64)");
  }
  const int rank = magic[3];
  if (rank == 0) fail(path, "rank 0: an IDX file has at least one dimension");

  // Dimensions: big-endian uint32 each.
  std::vector<unsigned char> header(4 * static_cast<std::size_t>(rank));
  const std::size_t header_bytes = read_some(file.get(), path, header.data(), header.size());
  if (header_bytes < header.size()) {
    fail(path, "truncated header: rank " + std::to_string(rank) + " needs " +
                   std::to_string(header.size()) +
                   " bytes of dimensions after the magic number, got " +
                   std::to_string(header_bytes));
  }
  const std::size_t width = dtype_size(type->dtype);
  std::vector<std::int64_t> dims(static_cast<std::size_t>(rank));
  std::uint64_t data_bytes = width;
  for (int i = 0; i < rank; ++i) {
    dims[static_cast<std::size_t>(i)] = big_endian_u32(&header[4 * static_cast<std::size_t>(i)]);
  }
  const Shape shape(dims);
  // Checked one by one against the limit, so the running product cannot overflow.
  for (int i = 0; i < rank; ++i) {
    const auto d = static_cast<std::uint64_t>(dims[static_cast<std::size_t>(i)]);
    if (d == 0)
      fail(path, "dimension " + std::to_string(i) + " is 0 in shape " + shape.to_string());
    if (data_bytes > kMaxDataBytes / d) {
      fail(path, "shape " + shape.to_string() + " of " + std::string(dtype_name(type->dtype)) +
                     " is over the 4 GiB limit of IDX data");
    }
    data_bytes *= d;
  }
  const std::string needs = std::to_string(data_bytes) + " bytes that shape " + shape.to_string() +
                            " of " + std::string(dtype_name(type->dtype)) + " needs";

  // A plain file's size is known: check it before reading any data. (gzdirect is reliable once
  // gzread has looked at the start of the file, as it has for the header.)
  if (gzdirect(file.get())) {
    const std::uintmax_t file_bytes = std::filesystem::file_size(path, ec);
    const std::uint64_t present = file_bytes - 4 - header.size();
    if (!ec && present < data_bytes) {
      fail(path, "truncated data: " + std::to_string(present) + " of the " + needs);
    }
    if (!ec && present > data_bytes) {
      fail(path, std::to_string(present - data_bytes) + " trailing bytes after the " + needs);
    }
  }

  // Chunks, so memory follows the data present rather than the header's claim.
  std::vector<unsigned char> bytes;
  while (bytes.size() < data_bytes) {
    const std::size_t old = bytes.size();
    const std::size_t want = std::min<std::uint64_t>(data_bytes - old, kChunkBytes);
    bytes.resize(old + want);
    const std::size_t got = read_some(file.get(), path, bytes.data() + old, want);
    bytes.resize(old + got);
    if (got < want) break;
  }
  if (bytes.size() < data_bytes) {
    fail(path, "truncated data: " + std::to_string(bytes.size()) + " of the " + needs);
  }
  unsigned char extra = 0;
  if (read_some(file.get(), path, &extra, 1) != 0) fail(path, "trailing bytes after the " + needs);

  Tensor out(type->dtype, shape);
  big_endian_to_host(bytes.data(), out.raw_data(), static_cast<std::size_t>(shape.num_elements()),
                     width);
  return out;
}

}  // namespace varscope::data
