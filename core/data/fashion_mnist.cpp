// load_fashion_mnist: the IDX pair of one split, checked and converted to what a model feeds on.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "varscope/config.h"  // VARSCOPE_FASHION_MNIST_DIR: where the build expects the dataset
#include "varscope/data.h"

namespace varscope::data {
namespace {

constexpr std::int64_t kSide = 28;
constexpr std::int64_t kClasses = 10;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw InvalidArgumentError("[load_fashion_mnist] file '" + file.string() + "': " + what);
}

// "<dir>/<stem>.gz" as Debian ships it, else the uncompressed "<dir>/<stem>".
std::filesystem::path find_file(const std::filesystem::path& dir, const std::string& stem) {
  std::error_code ec;
  for (const std::string& name : {stem + ".gz", stem}) {
    if (std::filesystem::is_regular_file(dir / name, ec)) return dir / name;
  }
  throw NotFoundError("[load_fashion_mnist] no " + stem + "[.gz] in '" + dir.string() +
                      "' (install Debian's dataset-fashion-mnist, or pass the directory holding "
                      "the IDX files)");
}

}  // namespace

std::filesystem::path default_fashion_mnist_dir() {
  const char* env = std::getenv("VARSCOPE_FASHION_MNIST_DIR");
  if (env != nullptr && *env != '\0') return env;
  return VARSCOPE_FASHION_MNIST_DIR;
}

std::string_view split_name(Split split) { return split == Split::kTrain ? "train" : "test"; }

Split split_from_name(std::string_view name) {
  if (name == "train") return Split::kTrain;
  if (name == "test") return Split::kTest;
  throw InvalidArgumentError("[load_fashion_mnist] unknown split '" + std::string(name) +
                             "' (expected train or test)");
}

LabeledImages load_fashion_mnist(const std::filesystem::path& dir, Split split,
                                 std::optional<std::int64_t> limit) {
  if (limit && *limit < 1) {
    throw InvalidArgumentError("[load_fashion_mnist] limit must be at least 1, got " +
                               std::to_string(*limit));
  }
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::filesystem::path image_file = find_file(dir, prefix + "-images-idx3-ubyte");
  const std::filesystem::path label_file = find_file(dir, prefix + "-labels-idx1-ubyte");
  const Tensor images = read_idx(image_file);
  const Tensor labels = read_idx(label_file);

  if (images.dtype() != DType::kUInt8 || images.shape().rank() != 3 ||
      images.shape().dim(1) != kSide || images.shape().dim(2) != kSide) {
    fail(image_file, "expected uint8 images of shape (N, 28, 28), got " +
                         std::string(dtype_name(images.dtype())) + " " +
                         images.shape().to_string());
  }
  if (labels.dtype() != DType::kUInt8 || labels.shape().rank() != 1) {
    fail(label_file, "expected uint8 labels of shape (N,), got " +
                         std::string(dtype_name(labels.dtype())) + " " +
                         labels.shape().to_string());
  }
  const std::int64_t total = images.shape().dim(0);
  if (labels.shape().dim(0) != total) {
    fail(label_file, std::to_string(labels.shape().dim(0)) + " labels for the " +
                         std::to_string(total) + " images of '" + image_file.string() + "'");
  }

  const std::int64_t n = limit ? std::min(*limit, total) : total;
  LabeledImages out;
  out.labels = Tensor(DType::kInt32, Shape{n});
  const std::uint8_t* label_in = labels.data<std::uint8_t>();
  std::int32_t* label_out = out.labels.data<std::int32_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    if (label_in[i] >= kClasses) {
      fail(label_file, "label " + std::to_string(label_in[i]) + " at index " + std::to_string(i) +
                           " is not a class in 0..9");
    }
    label_out[i] = label_in[i];
  }
  out.images = Tensor(DType::kFloat32, Shape{n, kSide, kSide, 1});
  const std::uint8_t* pixel_in = images.data<std::uint8_t>();
  float* pixel_out = out.images.data<float>();
  for (std::int64_t i = 0; i < n * kSide * kSide; ++i) {
    pixel_out[i] = static_cast<float>(pixel_in[i]) / 255.0f;
  }
  return out;
}

}  // namespace varscope::data
