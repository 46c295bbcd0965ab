#include "core/checkpoint/safetensors_format.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "varscope/error.h"

namespace varscope::checkpoint {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors stores little-endian values; a big-endian host would need byte swaps");

struct DTypeInfo {
  std::string_view name;
  int bits;
  std::optional<DType> dtype;
};

// Every dtype of the reference (Rust enum Dtype); those without a varscope DType still validate.
constexpr DTypeInfo kDTypes[] = {
    {"BOOL", 8, DType::kBool},        {"U8", 8, DType::kUInt8},
    {"I8", 8, DType::kInt8},          {"I16", 16, DType::kInt16},
    {"U16", 16, DType::kUInt16},      {"F16", 16, DType::kFloat16},
    {"BF16", 16, DType::kBFloat16},   {"I32", 32, DType::kInt32},
    {"F32", 32, DType::kFloat32},     {"C64", 64, DType::kComplex64},
    {"F64", 64, DType::kFloat64},     {"I64", 64, DType::kInt64},
    {"U32", 32, std::nullopt},        {"U64", 64, std::nullopt},
    {"F4", 4, std::nullopt},          {"F6_E2M3", 6, std::nullopt},
    {"F6_E3M2", 6, std::nullopt},     {"F8_E5M2", 8, std::nullopt},
    {"F8_E4M3", 8, std::nullopt},     {"F8_E8M0", 8, std::nullopt},
    {"F8_E4M3FNUZ", 8, std::nullopt}, {"F8_E5M2FNUZ", 8, std::nullopt},
};

const DTypeInfo* find_dtype(std::string_view name) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
  throw DataLossError("Checkpoint " + path + " is corrupt: " + what);
}

std::string in_quotes(std::string_view name) { return "'" + std::string(name) + "'"; }

std::uint64_t unsigned_field(const nlohmann::json& value, const std::string& path,
                             const std::string& what) {
  if (!value.is_number_unsigned())
    corrupt(path, what + " must be a non-negative integer, got " + value.dump());
  return value.get<std::uint64_t>();
}

SafetensorsEntry parse_entry(const std::string& name, const nlohmann::json& value,
                             const std::string& path) {
  const std::string where = "tensor " + in_quotes(name);
  if (!value.is_object())
    corrupt(path, where + " must be described by an object, got " + value.dump());
  for (const auto& [key, _] : value.items()) {
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      corrupt(path, where + " has unknown field " + in_quotes(key));
  }
  if (!value.contains("dtype") || !value.contains("shape") || !value.contains("data_offsets")) {
    corrupt(path, where + " needs the fields dtype, shape and data_offsets");
  }
  SafetensorsEntry entry;
  const nlohmann::json& dtype = value["dtype"];
  if (!dtype.is_string()) corrupt(path, where + ": dtype must be a string");
  entry.dtype_name = dtype.get<std::string>();
  const DTypeInfo* info = find_dtype(entry.dtype_name);
  if (!info) corrupt(path, where + " has unknown dtype " + in_quotes(entry.dtype_name));
  entry.dtype = info->dtype;

  const nlohmann::json& shape = value["shape"];
  if (!shape.is_array()) corrupt(path, where + ": shape must be an array");
  // Elements and bits in 128 bits: the product of up to two 64-bit factors never wraps, so one
  // check per dimension catches any shape whose size does not fit.
  unsigned __int128 bits = static_cast<unsigned>(info->bits);
  constexpr auto kMaxBits =
      static_cast<unsigned __int128>(std::numeric_limits<std::int64_t>::max());
  for (const nlohmann::json& dim : shape) {
    const std::uint64_t size = unsigned_field(dim, path, where + ": every dimension of shape");
    if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      corrupt(path, where + " has dimension " + std::to_string(size) + ", too large");
    }
    bits *= size;
    if (bits > kMaxBits)
      corrupt(path, where + " has shape " + shape.dump() + ", whose size overflows");
    entry.shape.push_back(static_cast<std::int64_t>(size));
  }
  if (bits % 8 != 0)
    corrupt(path, where + " of dtype " + entry.dtype_name + " does not fill whole bytes");

  const nlohmann::json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2)
    corrupt(path, where + ": data_offsets must be [begin, end]");
  entry.begin = unsigned_field(offsets[0], path, where + ": data_offsets");
  entry.end = unsigned_field(offsets[1], path, where + ": data_offsets");
  if (entry.end < entry.begin)
    corrupt(path, where + " ends before it begins (data_offsets " + offsets.dump() + ")");
  const auto bytes = static_cast<std::uint64_t>(bits / 8);
  if (entry.end - entry.begin != bytes) {
    corrupt(path, where + " of dtype " + entry.dtype_name + " and shape " + shape.dump() +
                      " needs " + std::to_string(bytes) + " bytes but data_offsets " +
                      offsets.dump() + " hold " + std::to_string(entry.end - entry.begin));
  }
  return entry;
}

}  // namespace

std::string_view safetensors_dtype_name(DType dtype) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.dtype == dtype) return info.name;
  }
  throw UnimplementedError("dtype " + std::string(dtype_name(dtype)) +
                           " cannot be stored in a safetensors file");
}

void check_safetensors_header_length(std::uint64_t header_bytes, std::uint64_t file_size,
                                     const std::string& path) {
  if (file_size < 8)
    corrupt(path, std::to_string(file_size) + " bytes, too small for the 8-byte header length");
  if (header_bytes > kMaxHeaderBytes || header_bytes > file_size - 8) {
    corrupt(path, "its header claims " + std::to_string(header_bytes) + " bytes but the file has " +
                      std::to_string(file_size) + " (limit " + std::to_string(kMaxHeaderBytes) +
                      ")");
  }
}

std::optional<DType> dtype_from_safetensors_name(std::string_view name) {
  const DTypeInfo* info = find_dtype(name);
  return info ? info->dtype : std::nullopt;
}

SafetensorsHeader parse_safetensors_header(std::string_view json, std::uint64_t header_bytes,
                                           std::uint64_t file_size, const std::string& path) {
  check_safetensors_header_length(header_bytes, file_size, path);
  SafetensorsHeader header;
  header.data_offset = 8 + header_bytes;

  // nlohmann keeps the last of duplicate keys silently; the format forbids duplicates, so look at
  // every top-level key as the parser meets it.
  std::set<std::string, std::less<>> seen;
  std::string duplicate;
  const nlohmann::json::parser_callback_t on_event =
      [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        if (depth == 1 && event == nlohmann::json::parse_event_t::key && duplicate.empty()) {
          std::string key = parsed.get<std::string>();
          if (!seen.insert(key).second) duplicate = std::move(key);
        }
        return true;
      };
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(json, on_event);
  } catch (const nlohmann::json::exception& e) {
    corrupt(path, std::string("the header is not valid JSON (") + e.what() + ")");
  }
  if (!root.is_object()) corrupt(path, "the header must be a JSON object");
  if (!duplicate.empty())
    corrupt(path, "tensor " + in_quotes(duplicate) + " appears twice in the header");

  for (const auto& [name, value] : root.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) corrupt(path, "__metadata__ must be an object of strings");
      for (const auto& [key, text] : value.items()) {
        if (!text.is_string())
          corrupt(path, "__metadata__ value " + in_quotes(key) + " must be a string");
        header.metadata.emplace(key, text.get<std::string>());
      }
      continue;
    }
    header.tensors.emplace(name, parse_entry(name, value, path));
  }

  // The tensors must tile the data section: sorted by offset, each begins where the previous ends.
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> by_offset;
  for (const auto& [name, entry] : header.tensors) by_offset.emplace_back(&name, &entry);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second->begin, a.second->end) < std::tie(b.second->begin, b.second->end);
  });
  std::uint64_t expected_begin = 0;
  for (const auto& [name, entry] : by_offset) {
    if (entry->begin != expected_begin) {
      corrupt(
          path,
          "tensor " + in_quotes(*name) + " starts at data offset " + std::to_string(entry->begin) +
              " but the previous tensor ends at " + std::to_string(expected_begin) +
              (entry->begin < expected_begin ? " (tensors overlap)" : " (a gap between tensors)"));
    }
    expected_begin = entry->end;
  }
  const std::uint64_t data_size = file_size - header.data_offset;
  if (expected_begin != data_size) {
    corrupt(path,
            "the tensors hold " + std::to_string(expected_begin) + " bytes but the file has " +
                std::to_string(data_size) + " bytes of data" +
                (expected_begin > data_size ? " (the file is truncated)" : " (trailing bytes)"));
  }
  return header;
}

std::vector<std::size_t> safetensors_data_order(
    const std::vector<std::pair<std::string, Tensor>>& tensors) {
  std::vector<std::size_t> order(tensors.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const std::size_t size_a = dtype_size(tensors[a].second.dtype());
    const std::size_t size_b = dtype_size(tensors[b].second.dtype());
    if (size_a != size_b) return size_a > size_b;
    return tensors[a].first < tensors[b].first;
  });
  return order;
}

std::string safetensors_header_bytes(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                     const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  if (!metadata.empty()) root["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const std::size_t i : safetensors_data_order(tensors)) {
    const auto& [name, tensor] = tensors[i];
    if (name.empty() || name == "__metadata__") {
      throw InvalidArgumentError("A checkpoint tensor cannot be named " + in_quotes(name));
    }
    if (root.contains(name))
      throw InvalidArgumentError("Two checkpoint tensors are named " + in_quotes(name));
    const std::uint64_t bytes = tensor.nbytes();
    root[name] = {{"dtype", safetensors_dtype_name(tensor.dtype())},
                  {"shape", tensor.shape().dims()},
                  {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string json;
  try {
    json = root.dump();
  } catch (const nlohmann::json::exception& e) {
    throw InvalidArgumentError(std::string("Checkpoint tensor names must be valid UTF-8 (") +
                               e.what() + ")");
  }
  json.append((8 - json.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned
  std::string bytes(8, '\0');
  std::uint64_t length = json.size();
  for (int i = 0; i < 8; ++i)
    bytes[static_cast<std::size_t>(i)] = static_cast<char>((length >> (8 * i)) & 0xff);
  return bytes + json;
}

}  // namespace varscope::checkpoint
