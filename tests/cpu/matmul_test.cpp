// MatMul on the CPU: hand-computed products for every transpose combination, random matrices
// against a naive float64 reference (large enough for the multithreaded GEMM), empty dimensions,
// dtypes, shape inference and the errors for mismatched operands.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "expect_error.h"
#include "gradient_check.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

class MatMul : public ::testing::Test {
 protected:
  Graph g;
  DefaultGraph use{g};

  Tensor run(const Output& fetch, const FeedDict& feeds = {}) {
    Session session{g};
    return session.run(fetch, feeds);
  }
};

// C = op(A) op(B) in float64, the slow way.
std::vector<double> naive_matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  const auto at = [&](std::int64_t i, std::int64_t k) {
    const std::int64_t cols = a.shape().dim(1);
    return ta ? a.data<double>()[k * cols + i] : a.data<double>()[i * cols + k];
  };
  const auto bt = [&](std::int64_t k, std::int64_t j) {
    const std::int64_t cols = b.shape().dim(1);
    return tb ? b.data<double>()[j * cols + k] : b.data<double>()[k * cols + j];
  };
  const std::int64_t m = a.shape().dim(ta ? 1 : 0), k = a.shape().dim(ta ? 0 : 1),
                     n = b.shape().dim(tb ? 0 : 1);
  std::vector<double> c(static_cast<std::size_t>(m * n), 0.0);
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (std::int64_t p = 0; p < k; ++p) sum += at(i, p) * bt(p, j);
      c[static_cast<std::size_t>(i * n + j)] = sum;
    }
  }
  return c;
}

TEST_F(MatMul, HandComputedForEveryTranspose) {
  // A = [[1, 2, 3], [4, 5, 6]], B = [[1, 0], [0, 1], [2, 3]]: AB = [[7, 11], [16, 23]].
  Output a = constant(Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3}), "a");
  Output at = constant(Tensor::from_vector<float>({1, 4, 2, 5, 3, 6}, Shape{3, 2}), "at");
  Output b = constant(Tensor::from_vector<float>({1, 0, 0, 1, 2, 3}, Shape{3, 2}), "b");
  Output bt = constant(Tensor::from_vector<float>({1, 0, 2, 0, 1, 3}, Shape{2, 3}), "bt");
  const std::vector<float> expected{7, 11, 16, 23};
  Output ab = matmul(a, b);
  EXPECT_EQ(ab.name(), "MatMul:0");
  EXPECT_EQ(ab.shape(), (Shape{2, 2}));
  EXPECT_EQ(run(ab).to_vector<float>(), expected);
  EXPECT_EQ(run(matmul(at, b, true, false)).to_vector<float>(), expected);
  EXPECT_EQ(run(matmul(a, bt, false, true)).to_vector<float>(), expected);
  Output both = matmul(at, bt, true, true, "both");
  EXPECT_EQ(both.name(), "both:0");
  EXPECT_TRUE(both.node->attr_as<bool>("transpose_a"));
  EXPECT_TRUE(both.node->attr_as<bool>("transpose_b"));
  EXPECT_EQ(run(both).to_vector<float>(), expected);
  // BA is 3x3.
  EXPECT_EQ(run(matmul(b, a)).to_vector<float>(),
            (std::vector<float>{1, 2, 3, 4, 5, 6, 14, 19, 24}));
}

TEST_F(MatMul, RandomMatricesMatchANaiveReference) {
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const std::int64_t m = 37, k = 53, n = 29;
      Tensor a = testing::random_tensor(ta ? Shape{k, m} : Shape{m, k}, 1);
      Tensor b = testing::random_tensor(tb ? Shape{n, k} : Shape{k, n}, 2);
      Tensor c = run(matmul(constant(a), constant(b), ta, tb));
      ASSERT_EQ(c.shape(), (Shape{m, n}));
      const std::vector<double> expected = naive_matmul(a, b, ta, tb);
      for (std::size_t i = 0; i < expected.size(); ++i) {
        ASSERT_NEAR(c.data<double>()[i], expected[i], 1e-12)
            << "ta " << ta << " tb " << tb << " element " << i;
      }
    }
  }
}

TEST_F(MatMul, LargeFloat32ProductOnTheThreadPool) {
  const std::int64_t m = 256, k = 300, n = 128;
  Tensor a = testing::random_tensor({m, k}, 3);
  Tensor b = testing::random_tensor({k, n}, 4);
  Tensor c = run(matmul(constant(a.cast(float32)), constant(b.cast(float32))));
  // The reference uses the float32-rounded inputs, so only the float32 sums differ.
  const std::vector<double> expected =
      naive_matmul(a.cast(float32).cast(float64), b.cast(float32).cast(float64), false, false);
  const std::vector<float> got = c.to_vector<float>();
  for (std::size_t i = 0; i < expected.size(); ++i)
    ASSERT_NEAR(got[i], expected[i], 1e-4) << "element " << i;
}

TEST_F(MatMul, EmptyDimensionsAndIntegers) {
  Output a = constant(Tensor(float32, Shape{2, 0}), "a");
  Output b = constant(Tensor(float32, Shape{0, 3}), "b");
  Tensor zero_k = run(matmul(a, b));
  EXPECT_EQ(zero_k.shape(), (Shape{2, 3}));
  EXPECT_EQ(zero_k.to_vector<float>(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(run(matmul(b, constant(Tensor::filled(float32, Shape{3, 4}, 1.0), "c"))).shape(),
            (Shape{0, 4}));
  Output i = constant(Tensor::from_vector<std::int32_t>({1, 2, 3, 4}, Shape{2, 2}), "i");
  EXPECT_EQ(run(matmul(i, i)).to_vector<std::int32_t>(),
            (std::vector<std::int32_t>{7, 10, 15, 22}));
  Output h = cast(i, float16);
  EXPECT_EQ(run(matmul(h, h, false, true)).to_vector<float>(), (std::vector<float>{5, 11, 11, 25}));
}

TEST_F(MatMul, ShapeInferenceAndErrors) {
  Output x = placeholder(float32, Shape{-1, 3}, "x");
  Output w = placeholder(float32, Shape{3, 4}, "w");
  EXPECT_EQ(matmul(x, w).shape(), (Shape{-1, 4}));
  EXPECT_EQ(matmul(w, x, true, true).shape(), (Shape{4, -1}));
  EXPECT_EQ(matmul(placeholder(float32, Shape::unknown(), "u"), w).shape(), (Shape{-1, 4}));
  VS_EXPECT_ERROR(
      matmul(w, w), InvalidArgumentError,
      "[MatMul] node 'MatMul_3': inner dimensions differ: a (3, 4) and b (3, 4) give 4 and 3");
  VS_EXPECT_ERROR(matmul(x, w, false, true), InvalidArgumentError,
                  "[MatMul] node 'MatMul_3': inner dimensions differ: a (?, 3) and b (3, 4) "
                  "transposed give 3 and 4");
  VS_EXPECT_ERROR(matmul(placeholder(float32, Shape{2, 3, 4}, "r3"), w), InvalidArgumentError,
                  "[MatMul] node 'MatMul_3': a must be 2-D, got shape (2, 3, 4)");
  VS_EXPECT_ERROR(matmul(x, placeholder(float64, Shape{3, 4}, "d")), InvalidArgumentError,
                  "[MatMul] node 'MatMul_3': dtypes float32 and float64 differ");
  // Unknown dimensions are checked when the kernel runs.
  Output p = placeholder(float32, Shape{2, -1}, "p");
  Output q = placeholder(float32, Shape{-1, 2}, "q");
  Output pq = matmul(p, q, false, false, "pq");
  Session session{g};
  VS_EXPECT_ERROR(
      session.run(pq, {{p, Tensor(float32, Shape{2, 3})}, {q, Tensor(float32, Shape{4, 2})}}),
      InvalidArgumentError,
      "[MatMul] node 'pq': inner dimensions differ: a (2, 3) and b (4, 2) give 3 and 4");
}

}  // namespace
}  // namespace varscope
