// load_fashion_mnist on a crafted miniature dataset (conversion, limit, every consistency error)
// and on the real files of Debian's dataset-fashion-mnist when they are installed.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "expect_error.h"
#include "varscope/config.h"
#include "varscope/data.h"

namespace varscope::data {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

Bytes idx_file(unsigned char type, const std::vector<std::uint32_t>& dims, const Bytes& data) {
  Bytes b = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8)
      b.push_back(static_cast<unsigned char>(d >> shift));
  }
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

class FashionMnistFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("varscope_fmnist_" + std::to_string(::getpid()) + "_" + info->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void write_plain(const std::string& name, const Bytes& bytes) {
    std::ofstream out(dir_ / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  void write_gzip(const std::string& name, const Bytes& bytes) {
    gzFile f = gzopen((dir_ / name).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    EXPECT_EQ(gzclose(f), Z_OK);
  }
  // n images whose pixel p of image i is (i * 51 + p) % 256, the first pixel being i * 51.
  static Bytes pixels(std::uint32_t n) {
    Bytes b(n * 784);
    for (std::size_t i = 0; i < b.size(); ++i) {
      b[i] = static_cast<unsigned char>((i / 784 * 51 + i % 784) % 256);
    }
    return b;
  }
  std::string where(const std::string& file) {
    return "[load_fashion_mnist] file '" + (dir_ / file).string() + "': ";
  }

  fs::path dir_;
};

TEST_F(FashionMnistFilesTest, ConvertsImagesAndLabels) {
  // Images plain, labels gzipped: the loader takes either form of each file.
  write_plain("train-images-idx3-ubyte", idx_file(0x08, {3, 28, 28}, pixels(3)));
  write_gzip("train-labels-idx1-ubyte.gz", idx_file(0x08, {3}, {0, 9, 5}));
  const LabeledImages d = load_fashion_mnist(dir_, Split::kTrain);
  EXPECT_EQ(d.size(), 3);
  EXPECT_EQ(d.images.dtype(), float32);
  EXPECT_EQ(d.images.shape(), Shape({3, 28, 28, 1}));
  EXPECT_EQ(d.labels.dtype(), int32);
  EXPECT_EQ(d.labels.to_vector<std::int32_t>(), (std::vector<std::int32_t>{0, 9, 5}));
  const float* p = d.images.data<float>();
  EXPECT_EQ(p[0], 0.0f);                            // image 0, pixel 0: 0
  EXPECT_EQ(p[784], 51.0f / 255.0f);                // image 1, pixel 0: 51 -> 0.2
  EXPECT_EQ(p[784 + 204], 1.0f);                    // image 1, pixel 204: 255 -> 1
  EXPECT_EQ(p[2 * 784 + 28 + 1], 131.0f / 255.0f);  // image 2, row 1, column 1: 102 + 29
}

TEST_F(FashionMnistFilesTest, TestSplitReadsT10kFiles) {
  write_gzip("t10k-images-idx3-ubyte.gz", idx_file(0x08, {2, 28, 28}, pixels(2)));
  write_gzip("t10k-labels-idx1-ubyte.gz", idx_file(0x08, {2}, {7, 1}));
  const LabeledImages d = load_fashion_mnist(dir_, split_from_name("test"));
  EXPECT_EQ(d.labels.to_vector<std::int32_t>(), (std::vector<std::int32_t>{7, 1}));
  VS_EXPECT_ERROR(
      load_fashion_mnist(dir_, Split::kTrain), NotFoundError,
      "[load_fashion_mnist] no train-images-idx3-ubyte[.gz] in '" + dir_.string() +
          "' (install Debian's dataset-fashion-mnist, or pass the directory holding the "
          "IDX files)");
}

TEST_F(FashionMnistFilesTest, LimitKeepsTheFirstRows) {
  write_plain("train-images-idx3-ubyte", idx_file(0x08, {3, 28, 28}, pixels(3)));
  write_plain("train-labels-idx1-ubyte", idx_file(0x08, {3}, {4, 3, 2}));
  const LabeledImages two = load_fashion_mnist(dir_, Split::kTrain, 2);
  EXPECT_EQ(two.images.shape(), Shape({2, 28, 28, 1}));
  EXPECT_EQ(two.labels.to_vector<std::int32_t>(), (std::vector<std::int32_t>{4, 3}));
  EXPECT_EQ(two.images.data<float>()[784], 51.0f / 255.0f);
  // A limit past the end keeps everything.
  EXPECT_EQ(load_fashion_mnist(dir_, Split::kTrain, 1000).size(), 3);
  VS_EXPECT_ERROR(load_fashion_mnist(dir_, Split::kTrain, 0), InvalidArgumentError,
                  "[load_fashion_mnist] limit must be at least 1, got 0");
}

TEST_F(FashionMnistFilesTest, CountsMustAgree) {
  write_plain("train-images-idx3-ubyte", idx_file(0x08, {3, 28, 28}, pixels(3)));
  write_plain("train-labels-idx1-ubyte", idx_file(0x08, {2}, {0, 1}));
  VS_EXPECT_ERROR(load_fashion_mnist(dir_, Split::kTrain), InvalidArgumentError,
                  where("train-labels-idx1-ubyte") + "2 labels for the 3 images of '" +
                      (dir_ / "train-images-idx3-ubyte").string() + "'");
}

TEST_F(FashionMnistFilesTest, LabelsMustBeClasses) {
  write_plain("train-images-idx3-ubyte", idx_file(0x08, {3, 28, 28}, pixels(3)));
  write_plain("train-labels-idx1-ubyte", idx_file(0x08, {3}, {0, 9, 10}));
  VS_EXPECT_ERROR(load_fashion_mnist(dir_, Split::kTrain), InvalidArgumentError,
                  where("train-labels-idx1-ubyte") + "label 10 at index 2 is not a class in 0..9");
  // Only the kept rows are checked.
  EXPECT_EQ(load_fashion_mnist(dir_, Split::kTrain, 2).size(), 2);
}

TEST_F(FashionMnistFilesTest, ImagesMustBe28By28Uint8) {
  write_plain("train-labels-idx1-ubyte", idx_file(0x08, {1}, {0}));
  write_plain("train-images-idx3-ubyte", idx_file(0x08, {1, 32, 32}, Bytes(32 * 32)));
  VS_EXPECT_ERROR(load_fashion_mnist(dir_, Split::kTrain), InvalidArgumentError,
                  where("train-images-idx3-ubyte") +
                      "expected uint8 images of shape (N, 28, 28), got uint8 (1, 32, 32)");
  write_plain("train-images-idx3-ubyte", idx_file(0x08, {784}, Bytes(784)));
  VS_EXPECT_ERROR(load_fashion_mnist(dir_, Split::kTrain), InvalidArgumentError,
                  where("train-images-idx3-ubyte") +
                      "expected uint8 images of shape (N, 28, 28), got uint8 (784,)");
}

TEST_F(FashionMnistFilesTest, LabelsMustBeUint8Vector) {
  write_plain("train-images-idx3-ubyte", idx_file(0x08, {1, 28, 28}, pixels(1)));
  write_plain("train-labels-idx1-ubyte", idx_file(0x0C, {1}, {0, 0, 0, 3}));
  VS_EXPECT_ERROR(
      load_fashion_mnist(dir_, Split::kTrain), InvalidArgumentError,
      where("train-labels-idx1-ubyte") + "expected uint8 labels of shape (N,), got int32 (1,)");
}

TEST_F(FashionMnistFilesTest, ReadIdxErrorsPassThrough) {
  write_plain("train-images-idx3-ubyte", {1, 2, 3, 4});
  write_plain("train-labels-idx1-ubyte", idx_file(0x08, {1}, {0}));
  VS_EXPECT_ERROR_PREFIX(load_fashion_mnist(dir_, Split::kTrain), InvalidArgumentError,
                         "[read_idx] file '" + (dir_ / "train-images-idx3-ubyte").string() +
                             "': bad magic number 0x01020304");
}

TEST(FashionMnistTest, SplitNames) {
  EXPECT_EQ(split_name(Split::kTrain), "train");
  EXPECT_EQ(split_name(Split::kTest), "test");
  EXPECT_EQ(split_from_name("train"), Split::kTrain);
  VS_EXPECT_ERROR(split_from_name("validation"), InvalidArgumentError,
                  "[load_fashion_mnist] unknown split 'validation' (expected train or test)");
}

TEST(FashionMnistTest, DefaultDirComesFromTheBuildUnlessOverridden) {
  const char* saved = std::getenv("VARSCOPE_FASHION_MNIST_DIR");
  const std::string saved_value = saved != nullptr ? saved : "";
  ::unsetenv("VARSCOPE_FASHION_MNIST_DIR");
  EXPECT_EQ(default_fashion_mnist_dir(), fs::path(VARSCOPE_FASHION_MNIST_DIR));
  ::setenv("VARSCOPE_FASHION_MNIST_DIR", "", 1);
  EXPECT_EQ(default_fashion_mnist_dir(), fs::path(VARSCOPE_FASHION_MNIST_DIR));
  ::setenv("VARSCOPE_FASHION_MNIST_DIR", "/data/fmnist", 1);
  EXPECT_EQ(default_fashion_mnist_dir(), fs::path("/data/fmnist"));
  if (saved != nullptr) {
    ::setenv("VARSCOPE_FASHION_MNIST_DIR", saved_value.c_str(), 1);
  } else {
    ::unsetenv("VARSCOPE_FASHION_MNIST_DIR");
  }
}

// The real dataset (Debian's dataset-fashion-mnist); skipped, with the reason, when absent.
class FashionMnistRealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = default_fashion_mnist_dir();
    if (!fs::exists(dir_ / "train-images-idx3-ubyte.gz")) {
      GTEST_SKIP() << "Fashion-MNIST not found in " << dir_
                   << " (apt-get install dataset-fashion-mnist, or set VARSCOPE_FASHION_MNIST_DIR)";
    }
  }
  fs::path dir_;
};

TEST_F(FashionMnistRealTest, TrainSplit) {
  const LabeledImages train = load_fashion_mnist(dir_, Split::kTrain);
  EXPECT_EQ(train.size(), 60000);
  EXPECT_EQ(train.images.shape(), Shape({60000, 28, 28, 1}));
  const std::vector<std::int32_t> labels = train.labels.to_vector<std::int32_t>();
  std::array<int, 10> histogram{};
  for (std::int32_t label : labels) ++histogram[static_cast<std::size_t>(label)];
  for (int count : histogram) EXPECT_EQ(count, 6000);
  // The first examples are 9 (ankle boot), 0 (T-shirt/top), 0, 3 (dress), as in the published
  // files.
  EXPECT_EQ(std::vector<std::int32_t>(labels.begin(), labels.begin() + 4),
            (std::vector<std::int32_t>{9, 0, 0, 3}));
  // Image 0: its bytes sum to 76247; row 14 starts 0, 0, 1, 4 and holds 0xED = 237 at column 12.
  const float* image0 = train.images.data<float>();
  double sum = 0;
  for (int i = 0; i < 784; ++i) sum += image0[i];
  EXPECT_NEAR(sum, 76247.0 / 255.0, 1e-3);
  EXPECT_EQ(image0[14 * 28 + 3], 4.0f / 255.0f);
  EXPECT_EQ(image0[14 * 28 + 12], 237.0f / 255.0f);
  const float* all = train.images.data<float>();
  const auto [lo, hi] = std::minmax_element(all, all + train.images.num_elements());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
}

TEST_F(FashionMnistRealTest, TestSplitWithLimit) {
  const LabeledImages test = load_fashion_mnist(dir_, Split::kTest);
  EXPECT_EQ(test.size(), 10000);
  EXPECT_EQ(test.images.shape(), Shape({10000, 28, 28, 1}));
  const LabeledImages first = load_fashion_mnist(dir_, Split::kTest, 12);
  EXPECT_EQ(first.labels.to_vector<std::int32_t>(),
            (std::vector<std::int32_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5}));
  EXPECT_EQ(first.images.shape(), Shape({12, 28, 28, 1}));
}

}  // namespace
}  // namespace varscope::data
