// epoch_order and gather_rows: the batching helpers of a training loop.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <vector>

#include "expect_error.h"
#include "varscope/data.h"

namespace varscope::data {
namespace {

using Order = std::vector<std::int64_t>;

TEST(EpochOrderTest, ExactPermutationsFromTheStandardGenerators) {
  // Reference values from an independent Python transcription of std::seed_seq and
  // std::mt19937_64 as the C++ standard defines them, with the same Fisher-Yates and rejection
  // sampling: the order does not depend on the standard library.
  EXPECT_EQ(epoch_order(10, 42, 0), (Order{0, 6, 5, 1, 3, 9, 7, 8, 4, 2}));
  EXPECT_EQ(epoch_order(10, 42, 1), (Order{3, 8, 9, 4, 7, 2, 1, 0, 5, 6}));
  EXPECT_EQ(epoch_order(10, 7, 0), (Order{9, 2, 7, 4, 8, 3, 6, 5, 0, 1}));
  // Both 32-bit halves of seed and epoch count.
  EXPECT_EQ(epoch_order(5, (std::uint64_t{1} << 40) + 3, (std::uint64_t{1} << 33) + 1),
            (Order{1, 2, 3, 4, 0}));
}

TEST(EpochOrderTest, DeterministicPermutation) {
  const Order a = epoch_order(60000, 1234, 3);
  EXPECT_EQ(a, epoch_order(60000, 1234, 3));
  EXPECT_NE(a, epoch_order(60000, 1234, 4));
  EXPECT_NE(a, epoch_order(60000, 1235, 3));
  Order sorted = a;
  std::sort(sorted.begin(), sorted.end());
  Order identity(60000);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(a, identity);
}

TEST(EpochOrderTest, Uniform) {
  // Over 24000 epochs of n = 4, each element lands first about 6000 times (sd ~ 67); 5 sd is
  // far above chance, far below a biased shuffle's error.
  std::array<int, 4> first{};
  for (std::uint64_t epoch = 0; epoch < 24000; ++epoch) {
    ++first[static_cast<std::size_t>(epoch_order(4, 99, epoch)[0])];
  }
  for (int count : first) EXPECT_NEAR(count, 6000, 335);
}

TEST(EpochOrderTest, EdgeSizes) {
  EXPECT_EQ(epoch_order(0, 1), Order{});
  EXPECT_EQ(epoch_order(1, 1), Order{0});
  VS_EXPECT_ERROR(epoch_order(-1, 1), InvalidArgumentError,
                  "[epoch_order] n must be non-negative, got -1");
}

TEST(GatherRowsTest, CopiesRowsInIndexOrder) {
  const Tensor images = Tensor::from_vector<float>({0, 1, 10, 11, 20, 21}, Shape{3, 2, 1});
  const std::vector<std::int64_t> rows = {2, 0, 2};
  const Tensor batch = gather_rows(images, rows);
  EXPECT_EQ(batch.dtype(), float32);
  EXPECT_EQ(batch.shape(), Shape({3, 2, 1}));
  EXPECT_EQ(batch.to_vector<float>(), (std::vector<float>{20, 21, 0, 1, 20, 21}));
  EXPECT_FALSE(batch.shares_buffer_with(images));

  const Tensor labels = Tensor::from_vector<std::int32_t>({7, 8, 9});
  const Tensor picked = gather_rows(labels, std::vector<std::int64_t>{1, 2});
  EXPECT_EQ(picked.shape(), Shape({2}));
  EXPECT_EQ(picked.to_vector<std::int32_t>(), (std::vector<std::int32_t>{8, 9}));
}

TEST(GatherRowsTest, EmptyBatch) {
  const Tensor t = Tensor::from_vector<double>({1, 2, 3, 4}, Shape{2, 2});
  const Tensor none = gather_rows(t, {});
  EXPECT_EQ(none.shape(), Shape({0, 2}));
  EXPECT_EQ(none.num_elements(), 0);
}

TEST(GatherRowsTest, Errors) {
  const Tensor t = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, Shape{3, 2});
  VS_EXPECT_ERROR(
      gather_rows(t, std::vector<std::int64_t>{0, 3}), InvalidArgumentError,
      "[gather_rows] row index 3 at position 1 is out of range for 3 rows of shape (3, 2)");
  VS_EXPECT_ERROR(
      gather_rows(t, std::vector<std::int64_t>{-1}), InvalidArgumentError,
      "[gather_rows] row index -1 at position 0 is out of range for 3 rows of shape (3, 2)");
  VS_EXPECT_ERROR(
      gather_rows(Tensor::scalar(1.0f), std::vector<std::int64_t>{0}), InvalidArgumentError,
      "[gather_rows] source must have at least one dimension, got Tensor<float32 ()> [1]");
  VS_EXPECT_ERROR(gather_rows(Tensor(), std::vector<std::int64_t>{0}), InvalidArgumentError,
                  "[gather_rows] source must have at least one dimension, got Tensor<undefined>");
}

}  // namespace
}  // namespace varscope::data
