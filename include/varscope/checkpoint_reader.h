// Reading a checkpoint file without a graph (tf.train.load_checkpoint / NewCheckpointReader).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "varscope/dtype.h"
#include "varscope/shape.h"
#include "varscope/tensor.h"

namespace varscope::train {

/// The tensors of a checkpoint written by Saver (a safetensors file). The whole header is checked
/// when the reader opens the file; tensors are read from disk when asked for.
class CheckpointReader {
 public:
  /// Opens `path`. Throws NotFoundError when it does not exist and DataLossError, naming the file
  /// and the tensor at fault, when it is truncated or corrupt (bad header length, invalid JSON,
  /// unknown dtype, a shape whose size overflows, overlapping or out-of-range offsets).
  explicit CheckpointReader(std::string path);
  ~CheckpointReader();
  CheckpointReader(CheckpointReader&&) noexcept;
  CheckpointReader& operator=(CheckpointReader&&) noexcept;

  const std::string& path() const;
  /// The checkpoint keys ("cnn/conv1/kernel"), sorted.
  std::vector<std::string> keys() const;
  bool has_tensor(std::string_view key) const;
  /// Throws NotFoundError for an unknown key, UnimplementedError for a safetensors dtype varscope
  /// has no DType for (F8_E4M3...).
  DType dtype(std::string_view key) const;
  Shape shape(std::string_view key) const;
  /// The stored dtype spelling ("F32").
  const std::string& dtype_name(std::string_view key) const;
  /// Reads the tensor (a host tensor). Throws as dtype() does, and DataLossError when the file
  /// has been cut short since it was opened.
  Tensor tensor(std::string_view key) const;
  /// Every key's shape (tf.train.list_variables).
  std::map<std::string, Shape> variable_to_shape_map() const;
  /// The header's "__metadata__" (string to string).
  const std::map<std::string, std::string>& metadata() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace varscope::train
