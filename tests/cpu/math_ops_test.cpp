// Math kernels added for training (RealDiv, FloorMod, Equal, GreaterEqual, Select, Neg, Sign,
// Sqrt, SqrtGrad, Range, Prod, Max, ArgMax) and the Sum/Mean/Prod/Max layouts: values against
// hand-computed or naive references, TF builder names, and the error texts.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "expect_error.h"
#include "gradient_check.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

class MathOps : public ::testing::Test {
 protected:
  Graph g;
  DefaultGraph use{g};

  Tensor run(const Output& fetch, const FeedDict& feeds = {}) {
    Session session{g};
    return session.run(fetch, feeds);
  }
  std::vector<float> floats(const Output& fetch) { return run(fetch).to_vector<float>(); }
  std::vector<std::int64_t> ints(const Output& fetch) {
    return run(fetch).to_vector<std::int64_t>();
  }
  std::vector<bool> bools(const Output& fetch) {
    Tensor t = run(fetch);
    EXPECT_EQ(t.dtype(), DType::kBool);
    std::vector<bool> result;
    for (std::int64_t i = 0; i < t.num_elements(); ++i) result.push_back(t.data<bool>()[i]);
    return result;
  }
};

Output floats_const(std::vector<float> values, Shape shape, const char* name = "Const") {
  return constant(Tensor::from_vector(values, std::move(shape)), name);
}

Output iota(const Shape& shape, const char* name = "iota", float start = 0.0f) {
  std::vector<float> values(static_cast<std::size_t>(shape.num_elements()));
  std::iota(values.begin(), values.end(), start);
  return floats_const(values, shape, name);
}

// ---- Element-wise -------------------------------------------------------------------------------

TEST_F(MathOps, RealDivBroadcastsAndNamesLikeTF) {
  Output a = iota({2, 3}, "a", 1.0f);  // [[1, 2, 3], [4, 5, 6]]
  Output b = floats_const({1, 2, 4}, {3}, "b");
  Output q = a / b;
  EXPECT_EQ(q.name(), "truediv:0");
  EXPECT_EQ(q.node->op(), "RealDiv");
  EXPECT_EQ(q.shape(), (Shape{2, 3}));
  EXPECT_EQ(floats(q), (std::vector<float>{1, 1, 0.75f, 4, 2.5f, 1.5f}));
  Output half = a / 2.0;
  EXPECT_EQ(half.name(), "truediv_1:0");
  EXPECT_EQ(half.node->inputs()[1].name(), "truediv_1/y:0");
  EXPECT_EQ(floats(half), (std::vector<float>{0.5f, 1, 1.5f, 2, 2.5f, 3}));
  EXPECT_EQ(divide(a, a).name(), "RealDiv:0");
  Output i = constant(Tensor::from_vector<std::int32_t>({1, 2}), "i");
  VS_EXPECT_ERROR(divide(i, i), InvalidArgumentError,
                  "[RealDiv] node 'RealDiv_1': dtype int32 is not supported (needs float16, "
                  "bfloat16, float32 or "
                  "float64)");
}

TEST_F(MathOps, NegSignSqrtAndSqrtGrad) {
  Output x = floats_const({-2, 0, 3.5f, -0.25f}, {4}, "x");
  EXPECT_EQ((-x).name(), "Neg:0");
  EXPECT_EQ(negative(x).name(), "Neg_1:0");
  EXPECT_EQ(floats(-x), (std::vector<float>{2, 0, -3.5f, 0.25f}));
  EXPECT_EQ(floats(sign(x)), (std::vector<float>{-1, 0, 1, -1}));
  Output i = constant(Tensor::from_vector<std::int32_t>({-7, 0, 9}), "i");
  EXPECT_EQ(ints(-i), (std::vector<std::int64_t>{7, 0, -9}));
  EXPECT_EQ(ints(sign(i)), (std::vector<std::int64_t>{-1, 0, 1}));
  Output s = sqrt(floats_const({4, 9, 0.25f}, {3}, "s"));
  EXPECT_EQ(s.name(), "Sqrt:0");
  EXPECT_EQ(floats(s), (std::vector<float>{2, 3, 0.5f}));
  Output y = constant(Tensor::from_vector<double>({2, 4}), "y");
  Output dy = constant(Tensor::from_vector<double>({1, 2}), "dy");
  EXPECT_EQ(run(sqrt_grad(y, dy)).to_vector<double>(), (std::vector<double>{0.25, 0.25}));
  VS_EXPECT_ERROR(sqrt(i), InvalidArgumentError,
                  "[Sqrt] node 'Sqrt_1': dtype int32 is not supported (needs float16, bfloat16, "
                  "float32 or float64)");
  VS_EXPECT_ERROR(sqrt_grad(y, constant(Tensor::from_vector<double>({1, 2, 3}), "dy3")),
                  InvalidArgumentError,
                  "[SqrtGrad] node 'SqrtGrad_1': y and dy have incompatible shapes (2,) and (3,)");
}

TEST_F(MathOps, FloorModTakesTheDivisorsSign) {
  Output a = constant(Tensor::from_vector<std::int32_t>({7, -7, 7, -7, 6}), "a");
  Output b = constant(Tensor::from_vector<std::int32_t>({3, 3, -3, -3, 3}), "b");
  EXPECT_EQ(ints(floormod(a, b)), (std::vector<std::int64_t>{1, 2, -2, -1, 0}));
  Output x = floats_const({7.5f, -7.5f}, {2}, "x");
  EXPECT_EQ(floats(floormod(x, floats_const({2}, {}, "two"))), (std::vector<float>{1.5f, 0.5f}));
  Output zero = constant(Tensor::from_vector<std::int32_t>({1, 0, 2, 1, 1}), "zero");
  Session session{g};
  VS_EXPECT_ERROR(session.run(floormod(a, zero, "m")), InvalidArgumentError,
                  "[FloorMod] node 'm': Integer division by zero");
}

TEST_F(MathOps, ComparisonsBroadcastToBool) {
  Output a = iota({2, 3}, "a");  // [[0, 1, 2], [3, 4, 5]]
  Output b = floats_const({1, 1, 5}, {3}, "b");
  Output eq = equal(a, b);
  EXPECT_EQ(eq.name(), "Equal:0");
  EXPECT_EQ(eq.dtype(), DType::kBool);
  EXPECT_EQ(eq.shape(), (Shape{2, 3}));
  EXPECT_EQ(bools(eq), (std::vector<bool>{false, true, false, false, false, true}));
  Output ge = greater_equal(a, b);
  EXPECT_EQ(ge.name(), "GreaterEqual:0");
  EXPECT_EQ(bools(ge), (std::vector<bool>{false, true, false, true, true, true}));
  Output col = floats_const({2, 4}, {2, 1}, "col");
  EXPECT_EQ(bools(greater_equal(col, b)),
            (std::vector<bool>{true, true, false, true, true, false}));
  Output t = constant(Tensor::from_vector<bool>({true, false}), "t");
  EXPECT_EQ(bools(equal(t, constant(Tensor::scalar(true), "yes"))),
            (std::vector<bool>{true, false}));
  EXPECT_EQ(bools(equal(constant(Tensor::from_vector<std::int64_t>({3, 4}), "l"),
                        constant(Tensor::scalar(std::int64_t{4}), "r"))),
            (std::vector<bool>{false, true}));
  VS_EXPECT_ERROR(greater_equal(t, t), InvalidArgumentError,
                  "[GreaterEqual] node 'GreaterEqual_2': dtype bool is not supported (needs a "
                  "floating or integer dtype)");
  VS_EXPECT_ERROR(equal(a, floats_const({1, 2}, {2}, "c")), InvalidArgumentError,
                  "[Equal] node 'Equal_3': incompatible shapes (2, 3) and (2,)");
}

TEST_F(MathOps, SelectPerElementPerRowAndScalar) {
  Output t = iota({2, 3}, "t");
  Output e = iota({2, 3}, "e", 10.0f);
  Output mask = constant(
      Tensor::from_vector<bool>({true, false, true, false, true, false}, Shape{2, 3}), "mask");
  Output s = where(mask, t, e);
  EXPECT_EQ(s.name(), "Select:0");
  EXPECT_EQ(floats(s), (std::vector<float>{0, 11, 2, 13, 4, 15}));
  Output rows = constant(Tensor::from_vector<bool>({false, true}), "rows");
  EXPECT_EQ(floats(where(rows, t, e)), (std::vector<float>{10, 11, 12, 3, 4, 5}));
  EXPECT_EQ(floats(where(constant(Tensor::scalar(false), "no"), t, e)),
            (std::vector<float>{10, 11, 12, 13, 14, 15}));
  Output d = constant(Tensor::from_vector<double>({1, 2}), "d");
  EXPECT_EQ(run(where(rows, d, -d)).to_vector<double>(), (std::vector<double>{-1, 2}));
  VS_EXPECT_ERROR(where(constant(Tensor::from_vector<bool>({true, false, true}), "bad"), t, e),
                  InvalidArgumentError,
                  "[Select] node 'Select_4': condition of shape (3,) must be a scalar, a vector "
                  "matching the first "
                  "dimension of (2, 3), or have that shape");
  // A failed node still uses up its name, as in TF.
  VS_EXPECT_ERROR(where(t, t, e), InvalidArgumentError,
                  "[Select] node 'Select_4': condition must be bool, got float32");
}

TEST_F(MathOps, RangeFromConstsAndTensors) {
  Output five = constant(Tensor::scalar(5), "five");
  Output r = range(std::int64_t{0}, five);
  EXPECT_EQ(r.name(), "range:0");
  EXPECT_EQ(r.node->inputs()[0].name(), "range/start:0");
  EXPECT_EQ(r.node->inputs()[2].name(), "range/delta:0");
  EXPECT_EQ(r.shape(), (Shape{5}));
  EXPECT_EQ(ints(r), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(ints(range(std::int64_t{7}, constant(Tensor::scalar(1), "one"), -3)),
            (std::vector<std::int64_t>{7, 4}));
  Output f = range(constant(Tensor::scalar(0.5f), "a"), constant(Tensor::scalar(2.0f), "b"),
                   constant(Tensor::scalar(0.5f), "c"));
  EXPECT_EQ(f.shape(), (Shape{3}));
  EXPECT_EQ(floats(f), (std::vector<float>{0.5f, 1.0f, 1.5f}));
  VS_EXPECT_ERROR(
      range(std::int64_t{3}, five, -1), InvalidArgumentError,
      "[Range] node 'range_3': start 3 and limit 5 are in the wrong order for delta -1");
  Output limit = placeholder(int32, Shape{}, "limit");
  Output dynamic = range(std::int64_t{0}, limit);
  EXPECT_EQ(dynamic.shape(), (Shape{-1}));
  Session session{g};
  EXPECT_EQ(session.run(dynamic, {{limit, Tensor::scalar(3)}}).to_vector<std::int32_t>(),
            (std::vector<std::int32_t>{0, 1, 2}));
  VS_EXPECT_ERROR(
      session.run(dynamic, {{limit, Tensor::scalar(-3)}}), InvalidArgumentError,
      "[Range] node 'range_3': start 0 and limit -3 are in the wrong order for delta 1");
}

TEST_F(MathOps, LargeElementwiseOpsRunInShards) {
  // Big enough for the thread pool to split: every shard must see the right offsets.
  const std::int64_t rows = 1000, cols = 67;
  Output a = iota({rows, cols}, "a");
  Output b = iota({cols}, "b");
  Output col = iota({rows, 1}, "col");
  std::vector<float> sum = floats(a + b);
  std::vector<float> product = floats(b * col);
  std::vector<float> same = floats(add_n({a, a, a}));
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      const auto i = static_cast<std::size_t>(r * cols + c);
      ASSERT_EQ(sum[i], static_cast<float>(r * cols + c + c)) << r << ", " << c;
      ASSERT_EQ(product[i], static_cast<float>(c * r)) << r << ", " << c;
      ASSERT_EQ(same[i], static_cast<float>(3 * (r * cols + c))) << r << ", " << c;
    }
  }
}

// ---- Reductions ---------------------------------------------------------------------------------

// Naive reference over every subset of axes of a (3, 4, 5) float64 tensor, for Sum/Mean/Prod/Max:
// covers the (R), (K, R), (R, K), (K, R, K) fast layouts and the generic (R, K, R) one.
TEST_F(MathOps, ReductionsMatchANaiveReferenceOnEveryAxisSubset) {
  const Tensor value = testing::random_tensor({3, 4, 5}, 7, 0.5, 1.5);
  const double* v = value.data<double>();
  Output x = constant(value, "x");
  for (int mask = 1; mask < 8; ++mask) {
    std::vector<std::int64_t> axes;
    for (int d = 0; d < 3; ++d) {
      if (mask & (1 << d)) axes.push_back(d);
    }
    const int dims[3] = {3, 4, 5};
    const auto out_index = [&](int i, int j, int k) {
      const int idx[3] = {i, j, k};
      int o = 0;
      for (int d = 0; d < 3; ++d) {
        if (!(mask & (1 << d))) o = o * dims[d] + idx[d];
      }
      return o;
    };
    int out_n = 1, count = 1;
    for (int d = 0; d < 3; ++d) ((mask & (1 << d)) ? count : out_n) *= dims[d];
    std::vector<double> sum(static_cast<std::size_t>(out_n), 0.0), prod(sum.size(), 1.0),
        max(sum.size(), -std::numeric_limits<double>::infinity());
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 4; ++j) {
        for (int k = 0; k < 5; ++k) {
          const double e = v[(i * 4 + j) * 5 + k];
          const auto o = static_cast<std::size_t>(out_index(i, j, k));
          sum[o] += e;
          prod[o] *= e;
          max[o] = std::max(max[o], e);
        }
      }
    }
    const auto expect_near = [&](const Output& op, const std::vector<double>& expected,
                                 double scale) {
      Tensor got = run(op);
      ASSERT_EQ(got.num_elements(), out_n) << op.name();
      for (int o = 0; o < out_n; ++o) {
        EXPECT_NEAR(got.data<double>()[o], expected[static_cast<std::size_t>(o)] * scale,
                    1e-12 * std::abs(expected[static_cast<std::size_t>(o)]) + 1e-12)
            << op.name() << " axes mask " << mask << " element " << o;
      }
    };
    expect_near(reduce_sum(x, axes), sum, 1.0);
    expect_near(reduce_mean(x, axes), sum, 1.0 / count);
    expect_near(reduce_prod(x, axes), prod, 1.0);
    expect_near(reduce_max(x, axes), max, 1.0);
    EXPECT_EQ(reduce_max(x, axes, true).shape().rank(), 3);
  }
}

// Large column reductions: the per-worker partial rows (one outer block) and the parallel outer
// blocks, against a naive float64 reference.
TEST_F(MathOps, LargeColumnReductions) {
  for (const Shape& shape : {Shape{1, 6000, 24}, Shape{3, 4096, 8}}) {
    const Tensor value = testing::random_tensor(shape, 11, 0.999, 1.001);
    const double* v = value.data<double>();
    const std::int64_t outer = shape.dim(0), rows = shape.dim(1), cols = shape.dim(2);
    Output x = constant(value, "x");
    std::vector<double> sum(static_cast<std::size_t>(outer * cols), 0.0), prod(sum.size(), 1.0),
        max(sum.size(), 0.0);
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < cols; ++c) {
          const double e = v[(o * rows + r) * cols + c];
          const auto i = static_cast<std::size_t>(o * cols + c);
          sum[i] += e;
          prod[i] *= e;
          max[i] = std::max(max[i], e);
        }
      }
    }
    const std::vector<double> got_sum = run(reduce_sum(x, {1})).to_vector<double>();
    const std::vector<double> got_mean = run(reduce_mean(x, {1})).to_vector<double>();
    const std::vector<double> got_prod = run(reduce_prod(x, {1})).to_vector<double>();
    const std::vector<double> got_max = run(reduce_max(x, {1})).to_vector<double>();
    for (std::size_t i = 0; i < sum.size(); ++i) {
      EXPECT_NEAR(got_sum[i], sum[i], 1e-9) << shape.to_string() << " " << i;
      EXPECT_NEAR(got_mean[i], sum[i] / static_cast<double>(rows), 1e-12)
          << shape.to_string() << " " << i;
      EXPECT_NEAR(got_prod[i], prod[i], 1e-9) << shape.to_string() << " " << i;
      EXPECT_EQ(got_max[i], max[i]) << shape.to_string() << " " << i;
    }
  }
  // Integers: exact sums, truncating means.
  std::vector<std::int32_t> ints_in(3000 * 7);
  std::iota(ints_in.begin(), ints_in.end(), -5000);
  Output i = constant(Tensor::from_vector(ints_in, Shape{3000, 7}), "i");
  std::vector<std::int64_t> expected_sum(7, 0);
  for (std::size_t k = 0; k < ints_in.size(); ++k) expected_sum[k % 7] += ints_in[k];
  EXPECT_EQ(ints(reduce_sum(i, {0})), expected_sum);
  std::vector<std::int64_t> expected_mean;
  for (std::int64_t e : expected_sum) expected_mean.push_back(e / 3000);
  EXPECT_EQ(ints(reduce_mean(i, {0})), expected_mean);
}

TEST_F(MathOps, ReductionEdgeCases) {
  Output x = iota({2, 3}, "x");  // [[0, 1, 2], [3, 4, 5]]
  Output m = reduce_max(x);
  EXPECT_EQ(m.name(), "Max:0");
  EXPECT_EQ(m.node->inputs()[1].name(), "Const:0");
  EXPECT_EQ(floats(m), (std::vector<float>{5}));
  Output m1 = reduce_max(x, std::vector<std::int64_t>{-1}, true);
  EXPECT_EQ(m1.node->inputs()[1].name(), "Max_1/reduction_indices:0");
  EXPECT_EQ(m1.shape(), (Shape{2, 1}));
  EXPECT_EQ(floats(m1), (std::vector<float>{2, 5}));
  EXPECT_EQ(floats(reduce_prod(x + 1.0, std::vector<std::int64_t>{0})),
            (std::vector<float>{4, 10, 18}));
  // Size-1 reduced dimensions: nothing to fold.
  EXPECT_EQ(floats(reduce_sum(iota({2, 1, 3}, "y"), std::vector<std::int64_t>{1})),
            (std::vector<float>{0, 1, 2, 3, 4, 5}));
  // Empty reductions: 0, 1, the lowest value, NaN.
  Output empty = constant(Tensor(float32, Shape{2, 0}), "empty");
  EXPECT_EQ(floats(reduce_sum(empty, std::vector<std::int64_t>{1})), (std::vector<float>{0, 0}));
  EXPECT_EQ(floats(reduce_prod(empty, std::vector<std::int64_t>{1})), (std::vector<float>{1, 1}));
  EXPECT_EQ(floats(reduce_max(empty, std::vector<std::int64_t>{1}))[0],
            -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(floats(reduce_mean(empty, std::vector<std::int64_t>{1}))[0]));
  // Integers: Mean truncates; Max starts from the lowest int.
  Output i = constant(Tensor::from_vector<std::int32_t>({1, 2, -7, -8}, Shape{2, 2}), "i");
  EXPECT_EQ(ints(reduce_mean(i, std::vector<std::int64_t>{1})), (std::vector<std::int64_t>{1, -7}));
  EXPECT_EQ(ints(reduce_max(i, std::vector<std::int64_t>{0})), (std::vector<std::int64_t>{1, 2}));
  // 16-bit floats take the generic path, accumulating in double.
  Output h = cast(iota({4, 3}, "h"), float16);
  EXPECT_EQ(run(reduce_sum(h, std::vector<std::int64_t>{0})).to_vector<float>(),
            (std::vector<float>{18, 22, 26}));
  EXPECT_EQ(run(reduce_max(h, std::vector<std::int64_t>{1})).to_vector<float>(),
            (std::vector<float>{2, 5, 8, 11}));
  // A scalar: the axes come from Range(0, Rank) as in TF.
  Output s = reduce_sum(constant(3.0, float32, "three"));
  EXPECT_EQ(s.node->inputs()[1].node->op(), "Range");
  EXPECT_EQ(s.node->inputs()[1].node->inputs()[1].name(), "Rank:0");
  EXPECT_EQ(floats(s), (std::vector<float>{3}));
}

TEST_F(MathOps, NoOpCastUsesUpNoName) {
  // As tf.cast: casting to the same dtype returns the tensor before opening the "Cast" scope.
  Output x = iota({2}, "x");
  EXPECT_EQ(cast(x, float32).name(), "x:0");
  EXPECT_EQ(cast(x, int32).name(), "Cast:0");
}

TEST_F(MathOps, ComputedAxesAndShapes) {
  Output x = iota({2, 3}, "x");
  Output axis = placeholder(int32, Shape{1}, "axis");
  Output sum = reduce_sum(x, axis);
  EXPECT_EQ(sum.name(), "Sum:0");
  EXPECT_EQ(sum.shape(), Shape::unknown());
  EXPECT_EQ(reduce_sum(x, axis, true, "kept").shape(), (Shape{-1, -1}));
  Output u = placeholder(float32, Shape{-1, 3}, "u");
  Output r = reshape(x, shape(u));  // the target's static shape comes from the Shape op
  EXPECT_EQ(r.name(), "Reshape:0");
  EXPECT_EQ(r.shape(), (Shape{-1, 3}));
  Session session{g};
  EXPECT_EQ(session.run(sum, {{axis, Tensor::from_vector<std::int32_t>({1})}}).to_vector<float>(),
            (std::vector<float>{3, 12}));
  EXPECT_EQ(session.run(sum, {{axis, Tensor::from_vector<std::int32_t>({0})}}).to_vector<float>(),
            (std::vector<float>{3, 5, 7}));
  Tensor reshaped = session.run(r, {{u, Tensor(float32, Shape{2, 3})}});
  EXPECT_EQ(reshaped.shape(), (Shape{2, 3}));
}

TEST_F(MathOps, ArgMax) {
  Output x = floats_const({1, 7, 7, 4, 9, 0, -1, -5, 2}, {3, 3}, "x");
  Output rows = argmax(x, 1);
  EXPECT_EQ(rows.name(), "ArgMax:0");
  EXPECT_EQ(rows.node->inputs()[1].name(), "ArgMax/dimension:0");
  EXPECT_EQ(rows.dtype(), DType::kInt64);
  EXPECT_EQ(rows.shape(), (Shape{3}));
  EXPECT_EQ(ints(rows), (std::vector<std::int64_t>{1, 1, 2}));  // the first of tied maxima
  EXPECT_EQ(ints(argmax(x, 0)), (std::vector<std::int64_t>{1, 1, 0}));
  EXPECT_EQ(ints(argmax(x, -1)), (std::vector<std::int64_t>{1, 1, 2}));
  Output cube = iota({2, 3, 4}, "cube");
  EXPECT_EQ(ints(argmax(cube, 1)), (std::vector<std::int64_t>{2, 2, 2, 2, 2, 2, 2, 2}));
  EXPECT_EQ(ints(argmax(-cube, 2)), (std::vector<std::int64_t>{0, 0, 0, 0, 0, 0}));
  // output_type int32, as tf.argmax(..., output_type=tf.int32) builds it.
  NodeSpec spec;
  spec.op = "ArgMax";
  spec.inputs = {x, constant(Tensor::scalar(0), "zero")};
  spec.attrs = {{"T", float32}, {"Tidx", int32}, {"output_type", int32}};
  Output narrow = g.create_node(spec).output(0);
  EXPECT_EQ(narrow.dtype(), DType::kInt32);
  EXPECT_EQ(run(narrow).to_vector<std::int32_t>(), (std::vector<std::int32_t>{1, 1, 0}));
  VS_EXPECT_ERROR(argmax(x, 2), InvalidArgumentError,
                  "[ArgMax] node 'ArgMax_6': dimension 2 is out of range for input shape (3, 3)");
  Output empty = placeholder(float32, Shape{2, -1}, "empty");
  Session session{g};
  VS_EXPECT_ERROR(session.run(argmax(empty, 1, "am"), {{empty, Tensor(float32, Shape{2, 0})}}),
                  InvalidArgumentError,
                  "[ArgMax] node 'am': dimension 1 of input shape (2, 0) is empty");
}

TEST_F(MathOps, L2LossFastPath) {
  EXPECT_EQ(floats(l2_loss(floats_const({1, 2, 3, 4}, {2, 2}, "x"))), (std::vector<float>{15}));
  EXPECT_EQ(run(l2_loss(constant(Tensor::from_vector<double>({3, 4}), "d"))).to_vector<double>(),
            (std::vector<double>{12.5}));
}

}  // namespace
}  // namespace varscope
