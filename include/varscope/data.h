// Data for the training programs: the IDX file format (MNIST, Fashion-MNIST), the Fashion-MNIST
// loader, and the batching helpers of a training loop.
//
//   auto train = data::load_fashion_mnist(data::default_fashion_mnist_dir(), data::Split::kTrain);
//   // train.images: float32 (60000, 28, 28, 1) in [0, 1]; train.labels: int32 (60000,) in 0..9
//   for (int epoch = 0; epoch < epochs; ++epoch) {
//     std::vector<std::int64_t> order = data::epoch_order(train.size(), seed, epoch);
//     for (std::size_t i = 0; i + batch <= order.size(); i += batch) {
//       std::span<const std::int64_t> rows(order.data() + i, batch);
//       sess.run(..., {{x, data::gather_rows(train.images, rows)},
//                      {y, data::gather_rows(train.labels, rows)}});
//     }
//   }
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "varscope/tensor.h"

namespace varscope::data {

/// Reads an IDX file (http://yann.lecun.com/exdb/mnist/), gzipped or not (told by the gzip magic),
/// into a host tensor of the header's shape: type 0x08 -> uint8, 0x09 -> int8, 0x0B -> int16,
/// 0x0C -> int32, 0x0D -> float32, 0x0E -> float64, converted from big-endian. Throws NotFoundError
/// for a missing file and InvalidArgumentError naming the file and the fault for a bad magic, an
/// unknown type code, a dimension of 0, a shape over 4 GiB, data shorter or longer than the shape
/// says, or a corrupt gzip stream. Memory is only allocated for data actually present.
Tensor read_idx(const std::filesystem::path& path);

/// The Fashion-MNIST directory this build expects (the Debian package dataset-fashion-mnist puts
/// it in /usr/share/datasets/fashion-mnist), overridden by the environment variable
/// VARSCOPE_FASHION_MNIST_DIR when set and not empty.
std::filesystem::path default_fashion_mnist_dir();

/// Which part of the dataset: 60000 training or 10000 test examples.
enum class Split { kTrain, kTest };
/// "train" or "test".
std::string_view split_name(Split split);
/// Parses "train" or "test"; throws InvalidArgumentError otherwise.
Split split_from_name(std::string_view name);

/// Images and their class labels, row i of one belonging to row i of the other.
struct LabeledImages {
  /// float32 (N, 28, 28, 1), pixel values / 255.
  Tensor images{};
  /// int32 (N,), class indices 0..9.
  Tensor labels{};

  /// The number of examples (0 when empty).
  std::int64_t size() const { return labels.defined() ? labels.shape().dim(0) : 0; }
};

/// Loads one split of Fashion-MNIST from `dir` (train-images-idx3-ubyte[.gz] and
/// train-labels-idx1-ubyte[.gz], or the t10k- pair), keeping the first `limit` examples when set.
/// Throws NotFoundError naming the directory when the files are missing, InvalidArgumentError
/// when the files are not (N, 28, 28) uint8 images and (N,) uint8 labels with the same N, for a
/// label outside 0..9 (naming its index) and for a limit below 1; read_idx's errors otherwise.
LabeledImages load_fashion_mnist(const std::filesystem::path& dir, Split split,
                                 std::optional<std::int64_t> limit = std::nullopt);

/// A permutation of 0..n-1 for `epoch`, drawn with std::mt19937_64 seeded from (seed, epoch):
/// the same on every platform and standard library (it does not use std::shuffle). Throws
/// InvalidArgumentError for a negative n.
std::vector<std::int64_t> epoch_order(std::int64_t n, std::uint64_t seed, std::uint64_t epoch = 0);

/// A new host tensor whose row k is row rows[k] of `source` (rows along dimension 0): shape
/// (rows.size(), source dims 1...). Any dtype. Throws InvalidArgumentError for a scalar or
/// undefined source and for a row index out of range (naming it).
Tensor gather_rows(const Tensor& source, std::span<const std::int64_t> rows);

}  // namespace varscope::data
