// The safetensors file format (huggingface/safetensors; ../shared/reference/ecosystem.md §2):
//
//   [8 bytes]  N, uint64 little-endian
//   [N bytes]  JSON header: {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]},
//              ..., "__metadata__": {"key": "value"}}
//   [rest]     the tensors' bytes: row-major, little-endian, back to back; offsets count from here
//
// The reader checks everything the reference reader checks (header length, JSON schema, dtypes,
// shape overflow, offsets that tile the data section exactly) before any tensor is read, so a
// truncated or hostile file is a DataLossError, never a crash or an allocation sized by the file's
// claims.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "varscope/dtype.h"
#include "varscope/shape.h"
#include "varscope/tensor.h"

namespace varscope::checkpoint {

/// The reference reader's limit on the JSON header.
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

/// "F32", "BF16", "BOOL"... for a dtype; UnimplementedError for kInvalid.
std::string_view safetensors_dtype_name(DType dtype);

/// The DType of a safetensors dtype name; nullopt for names varscope has no DType for or does not
/// know.
std::optional<DType> dtype_from_safetensors_name(std::string_view name);

/// One tensor of a file, as its header describes it.
struct SafetensorsEntry {
  std::string dtype_name{};  // as written, e.g. "F32"
  std::optional<DType>
      dtype{};  // nullopt: a safetensors dtype varscope has no DType for (F8_E4M3...)
  std::vector<std::int64_t> shape{};
  std::uint64_t begin = 0;  // relative to the data section
  std::uint64_t end = 0;
};

struct SafetensorsHeader {
  std::map<std::string, SafetensorsEntry, std::less<>> tensors{};
  std::map<std::string, std::string> metadata{};
  std::uint64_t data_offset = 0;  // file offset of the data section: 8 + N
};

/// Throws DataLossError unless a file of `file_size` bytes can hold the 8-byte length field and a
/// header of `header_bytes` (at most kMaxHeaderBytes): checked before the header is read.
void check_safetensors_header_length(std::uint64_t header_bytes, std::uint64_t file_size,
                                     const std::string& path);
/// Validates the header `json` of a file of `file_size` bytes whose 8-byte length field said
/// `header_bytes`. Throws DataLossError naming `path` and the tensor at fault.
SafetensorsHeader parse_safetensors_header(std::string_view json, std::uint64_t header_bytes,
                                           std::uint64_t file_size, const std::string& path);

/// The first 8 + N bytes of a file holding `tensors` (host tensors, in any order) and `metadata`:
/// the length field and the JSON header padded with spaces to a multiple of 8. The data must follow
/// in the order of safetensors_data_order(). Throws InvalidArgumentError for a duplicate or empty
/// name or the reserved name "__metadata__".
std::string safetensors_header_bytes(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                     const std::map<std::string, std::string>& metadata);
/// Indices into `tensors` in file order: by element size, largest first, then by name (the
/// reference writer's order, which keeps every tensor aligned to its element size).
std::vector<std::size_t> safetensors_data_order(
    const std::vector<std::pair<std::string, Tensor>>& tensors);

}  // namespace varscope::checkpoint
