#include "varscope/checkpoint_reader.h"

#include <cstdint>

#include "core/checkpoint/safetensors_format.h"
#include "core/io/file_io.h"
#include "varscope/error.h"

namespace varscope::train {

struct CheckpointReader::Impl {
  std::string path;
  UniqueFd fd;
  checkpoint::SafetensorsHeader header;

  const checkpoint::SafetensorsEntry& entry(std::string_view key) const {
    const auto it = header.tensors.find(key);
    if (it == header.tensors.end()) {
      throw NotFoundError("Key " + std::string(key) + " not found in checkpoint " + path);
    }
    return it->second;
  }
};

CheckpointReader::CheckpointReader(std::string path) : impl_(std::make_unique<Impl>()) {
  impl_->path = std::move(path);
  impl_->fd = open_for_reading(impl_->path);
  const std::uint64_t size = file_size(impl_->fd, impl_->path);
  std::uint64_t header_bytes = 0;
  if (size >= 8) {
    unsigned char length_bytes[8];
    read_exactly(impl_->fd, length_bytes, sizeof length_bytes, 0, impl_->path);
    for (int i = 7; i >= 0; --i) header_bytes = (header_bytes << 8) | length_bytes[i];
  }
  checkpoint::check_safetensors_header_length(header_bytes, size, impl_->path);
  std::string json(static_cast<std::size_t>(header_bytes), '\0');
  read_exactly(impl_->fd, json.data(), json.size(), 8, impl_->path);
  impl_->header = checkpoint::parse_safetensors_header(json, header_bytes, size, impl_->path);
}

CheckpointReader::~CheckpointReader() = default;
CheckpointReader::CheckpointReader(CheckpointReader&&) noexcept = default;
CheckpointReader& CheckpointReader::operator=(CheckpointReader&&) noexcept = default;

const std::string& CheckpointReader::path() const { return impl_->path; }

std::vector<std::string> CheckpointReader::keys() const {
  std::vector<std::string> keys;
  keys.reserve(impl_->header.tensors.size());
  for (const auto& [name, _] : impl_->header.tensors) keys.push_back(name);
  return keys;
}

bool CheckpointReader::has_tensor(std::string_view key) const {
  return impl_->header.tensors.contains(key);
}

DType CheckpointReader::dtype(std::string_view key) const {
  const checkpoint::SafetensorsEntry& e = impl_->entry(key);
  if (!e.dtype) {
    throw UnimplementedError("Tensor " + std::string(key) + " of checkpoint " + impl_->path +
                             " has dtype " + e.dtype_name + ", which varscope does not support");
  }
  return *e.dtype;
}

Shape CheckpointReader::shape(std::string_view key) const { return Shape(impl_->entry(key).shape); }

const std::string& CheckpointReader::dtype_name(std::string_view key) const {
  return impl_->entry(key).dtype_name;
}

Tensor CheckpointReader::tensor(std::string_view key) const {
  const checkpoint::SafetensorsEntry& e = impl_->entry(key);
  Tensor value(dtype(key), Shape(e.shape));
  if (value.nbytes() > 0) {
    read_exactly(impl_->fd, value.raw_data(), value.nbytes(), impl_->header.data_offset + e.begin,
                 impl_->path);
  }
  return value;
}

std::map<std::string, Shape> CheckpointReader::variable_to_shape_map() const {
  std::map<std::string, Shape> shapes;
  for (const auto& [name, e] : impl_->header.tensors) shapes.emplace(name, Shape(e.shape));
  return shapes;
}

const std::map<std::string, std::string>& CheckpointReader::metadata() const {
  return impl_->header.metadata;
}

}  // namespace varscope::train
