// CPU kernels and the op builders behind them: graphs built with ops.h, run through Session, and
// checked against hand-computed values; TF1 node names; shape-inference error texts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "core/op_def.h"
#include "cpu/kernels/philox.h"
#include "expect_error.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

class CpuKernels : public ::testing::Test {
 protected:
  Graph g;
  DefaultGraph use{g};

  Tensor run(const Output& fetch, const FeedDict& feeds = {}) {
    Session session{g};
    return session.run(fetch, feeds);
  }
  std::vector<float> run_floats(const Output& fetch) { return run(fetch).to_vector<float>(); }
};

Output iota_const(const Shape& shape, const char* name = "Const", float start = 0.0f) {
  std::vector<float> values(static_cast<std::size_t>(shape.num_elements()));
  std::iota(values.begin(), values.end(), start);
  return constant(Tensor::from_vector(values, shape), name);
}

std::vector<std::string> node_names(const Graph& g) {
  std::vector<std::string> names;
  for (Node* n : g.nodes()) names.push_back(n->name());
  return names;
}

// ---- Element-wise and broadcasting --------------------------------------------------------------

TEST_F(CpuKernels, AddBroadcastsRowVector) {
  Output a = iota_const({2, 3}, "a", 1.0f);  // [[1, 2, 3], [4, 5, 6]]
  Output b = constant(Tensor::from_vector<float>({10, 20, 30}), "b");
  Output sum = add(a, b);
  EXPECT_EQ(sum.shape(), (Shape{2, 3}));
  Tensor result = run(sum);
  EXPECT_EQ(result.shape(), (Shape{2, 3}));
  EXPECT_EQ(result.to_vector<float>(), (std::vector<float>{11, 22, 33, 14, 25, 36}));
}

TEST_F(CpuKernels, MulBroadcastsColumnAgainstRow) {
  Output col = constant(Tensor::from_vector<float>({1, 2}, Shape{2, 1}), "col");
  Output row = constant(Tensor::from_vector<float>({10, 20, 30}, Shape{1, 3}), "row");
  Output product = multiply(col, row);
  EXPECT_EQ(product.shape(), (Shape{2, 3}));
  EXPECT_EQ(run_floats(product), (std::vector<float>{10, 20, 30, 20, 40, 60}));
}

TEST_F(CpuKernels, BroadcastAcrossRanks) {
  Output a = iota_const({2, 1, 3}, "a");  // a[i][0][k] = 3i + k
  Output b = iota_const({4, 1}, "b");     // b[j][0] = j
  Output sum = add(a, b);
  ASSERT_EQ(sum.shape(), (Shape{2, 4, 3}));
  std::vector<float> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k) expected.push_back(static_cast<float>(3 * i + k + j));
  EXPECT_EQ(run_floats(sum), expected);
}

TEST_F(CpuKernels, SubMaximumAndScalarOperands) {
  Output a = constant(Tensor::from_vector<float>({1, -2, 3, -4}), "a");
  Output b = constant(Tensor::from_vector<float>({0, 0, 5, -5}), "b");
  EXPECT_EQ(run_floats(subtract(a, b)), (std::vector<float>{1, -2, -2, 1}));
  EXPECT_EQ(run_floats(maximum(a, b)), (std::vector<float>{1, 0, 5, -4}));
  EXPECT_EQ(run_floats(a * 2.0), (std::vector<float>{2, -4, 6, -8}));
  EXPECT_EQ(run_floats(a - 1.0), (std::vector<float>{0, -3, 2, -5}));
  EXPECT_EQ(run_floats(10.0 + a), (std::vector<float>{11, 8, 13, 6}));
  EXPECT_EQ(run_floats(0.5 * a), (std::vector<float>{0.5f, -1, 1.5f, -2}));
}

TEST_F(CpuKernels, IntegerAndDoubleArithmetic) {
  Output a = constant(Tensor::from_vector<std::int32_t>({1, 2, 3}), "a");
  Output b = constant(Tensor::from_vector<std::int32_t>({4, 5, 6}), "b");
  EXPECT_EQ(run(a * b + a).to_vector<std::int32_t>(), (std::vector<std::int32_t>{5, 12, 21}));
  Output c = constant(Tensor::from_vector<double>({0.25, 0.5}), "c");
  EXPECT_EQ(run(c * c).to_vector<double>(), (std::vector<double>{0.0625, 0.25}));
}

TEST_F(CpuKernels, HalfPrecisionAdd) {
  Output a = constant(Tensor::from_vector<float>({1.5f, 2.0f}).cast(float16), "a");
  Output sum = a + a;
  EXPECT_EQ(sum.dtype(), float16);
  EXPECT_EQ(run(sum).to_vector<float>(), (std::vector<float>{3.0f, 4.0f}));
}

TEST_F(CpuKernels, AddNAbsSquare) {
  Output a = constant(Tensor::from_vector<float>({1, -2}), "a");
  Output b = constant(Tensor::from_vector<float>({3, 4}), "b");
  Output c = constant(Tensor::from_vector<float>({-10, 10}), "c");
  EXPECT_EQ(run_floats(add_n({a, b, c})), (std::vector<float>{-6, 12}));
  EXPECT_EQ(run_floats(abs(a)), (std::vector<float>{1, 2}));
  EXPECT_EQ(run_floats(square(a)), (std::vector<float>{1, 4}));
}

TEST_F(CpuKernels, BroadcastErrorAtRunTimeWhenShapesAreOnlyKnownThen) {
  Output x = placeholder(float32, Shape{-1, -1}, "x");
  Output b = constant(Tensor::from_vector<float>({1, 2, 3, 4}), "b");
  Output sum = add(x, b);
  EXPECT_EQ(sum.shape(), (Shape{-1, 4}));
  Session session{g};
  VS_EXPECT_ERROR(session.run(sum, {{x, Tensor::zeros(float32, Shape{2, 3})}}), InvalidArgumentError,
                  "[Add] node 'Add': incompatible shapes (2, 3) and (4,)");
}

// ---- Reductions ---------------------------------------------------------------------------------

TEST_F(CpuKernels, SumOverMiddleAxisKeepDims) {
  Output x = iota_const({2, 3, 4}, "x");  // x[i][j][k] = 12i + 4j + k
  Output s = reduce_sum(x, std::vector<std::int64_t>{1}, /*keepdims=*/true);
  ASSERT_EQ(s.shape(), (Shape{2, 1, 4}));
  std::vector<float> expected;
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 4; ++k) expected.push_back(static_cast<float>(3 * 12 * i + (0 + 4 + 8) + 3 * k));
  Tensor result = run(s);
  EXPECT_EQ(result.shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(result.to_vector<float>(), expected);
}

TEST_F(CpuKernels, MeanOverNegativeAndSeveralAxes) {
  Output x = iota_const({2, 3, 4}, "x");
  Output last = reduce_mean(x, std::vector<std::int64_t>{-1});
  ASSERT_EQ(last.shape(), (Shape{2, 3}));
  EXPECT_EQ(run_floats(last), (std::vector<float>{1.5f, 5.5f, 9.5f, 13.5f, 17.5f, 21.5f}));

  Output outer = reduce_mean(x, std::vector<std::int64_t>{0, 2});
  ASSERT_EQ(outer.shape(), (Shape{3}));
  // mean over i, k of 12i + 4j + k = 6 + 4j + 1.5
  EXPECT_EQ(run_floats(outer), (std::vector<float>{7.5f, 11.5f, 15.5f}));
}

TEST_F(CpuKernels, ReduceAllAxes) {
  Output x = iota_const({2, 3, 4}, "x");
  Output total = reduce_sum(x);
  EXPECT_EQ(total.shape(), Shape{});
  EXPECT_EQ(run(total).item<float>(), 276.0f);
  Output kept = reduce_mean(x, std::nullopt, /*keepdims=*/true);
  EXPECT_EQ(kept.shape(), (Shape{1, 1, 1}));
  EXPECT_EQ(run(kept).item<float>(), 11.5f);
  Output ints = constant(Tensor::from_vector<std::int32_t>({1, 2, 4}), "ints");
  EXPECT_EQ(run(reduce_mean(ints)).item<std::int32_t>(), 2);  // integer mean truncates, as in TF
}

TEST_F(CpuKernels, L2Loss) {
  Output x = constant(Tensor::from_vector<float>({1, 2, 3}), "x");
  Output loss = l2_loss(x);
  EXPECT_EQ(loss.shape(), Shape{});
  EXPECT_EQ(run(loss).item<float>(), 7.0f);
}

// ---- Array ops ----------------------------------------------------------------------------------

TEST_F(CpuKernels, ConcatAlongEachAxis) {
  Output a = iota_const({2, 2}, "a");         // [[0, 1], [2, 3]]
  Output b = iota_const({2, 2}, "b", 10.0f);  // [[10, 11], [12, 13]]
  Output rows = concat({a, b}, 0);
  ASSERT_EQ(rows.shape(), (Shape{4, 2}));
  EXPECT_EQ(run_floats(rows), (std::vector<float>{0, 1, 2, 3, 10, 11, 12, 13}));
  Output cols = concat({a, b}, -1);
  ASSERT_EQ(cols.shape(), (Shape{2, 4}));
  EXPECT_EQ(run_floats(cols), (std::vector<float>{0, 1, 10, 11, 2, 3, 12, 13}));
  Output c = iota_const({2, 1}, "c", 100.0f);
  Output three = concat({a, c, b}, 1);
  ASSERT_EQ(three.shape(), (Shape{2, 5}));
  EXPECT_EQ(run_floats(three), (std::vector<float>{0, 1, 100, 10, 11, 2, 3, 101, 12, 13}));
}

TEST_F(CpuKernels, SliceWithRestOfDimension) {
  Output x = iota_const({3, 4}, "x");
  Output s = slice(x, {1, 1}, {2, -1});
  ASSERT_EQ(s.shape(), (Shape{2, 3}));
  EXPECT_EQ(run_floats(s), (std::vector<float>{5, 6, 7, 9, 10, 11}));
  Output y = iota_const({2, 3, 4}, "y");
  Output t = slice(y, {1, 0, 2}, {1, 2, 2});
  EXPECT_EQ(run_floats(t), (std::vector<float>{14, 15, 18, 19}));
}

TEST_F(CpuKernels, ReshapeInfersMinusOne) {
  Output x = iota_const({2, 3}, "x");
  Output r = reshape(x, Shape{3, -1});
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  Tensor result = run(r);
  EXPECT_EQ(result.shape(), (Shape{3, 2}));
  EXPECT_EQ(result.to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  Output p = placeholder(float32, Shape{-1, 2, 3}, "p");
  EXPECT_EQ(reshape(p, Shape{-1, 6}).shape(), (Shape{-1, 6}));
}

TEST_F(CpuKernels, CastBetweenDtypes) {
  Output x = constant(Tensor::from_vector<float>({1.7f, -1.7f, 0.0f}), "x");
  Output i = cast(x, int32);
  EXPECT_EQ(i.dtype(), int32);
  EXPECT_EQ(run(i).to_vector<std::int32_t>(), (std::vector<std::int32_t>{1, -1, 0}));
  Tensor b = run(cast(x, bool_));
  EXPECT_EQ(b.dtype(), bool_);
  EXPECT_EQ(b.to_vector<std::int32_t>(), (std::vector<std::int32_t>{1, 1, 0}));
  EXPECT_EQ(run(cast(cast(x, bfloat16), float64)).to_vector<double>()[2], 0.0);
  EXPECT_EQ(cast(x, float32), x);  // same dtype: no node (TF returns the input)
}

TEST_F(CpuKernels, FillZerosOnes) {
  Output seven = constant(7.0, int64, "seven");
  Tensor filled = run(fill({2, 2}, seven));
  EXPECT_EQ(filled.dtype(), int64);
  EXPECT_EQ(filled.to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, 7, 7, 7}));
  EXPECT_EQ(run_floats(zeros({2, 3})), std::vector<float>(6, 0.0f));
  EXPECT_EQ(run(ones({3}, float64)).to_vector<double>(), std::vector<double>(3, 1.0));
  Output big = ones({40, 50});  // 2000 elements: a Fill, not a Const
  EXPECT_EQ(big.node->op(), "Fill");
  EXPECT_EQ(run_floats(big), std::vector<float>(2000, 1.0f));
}

TEST_F(CpuKernels, AssignWritesTheVariable) {
  Variable v{Tensor::from_vector<float>({1, 2}), VariableOptions{.name = "v"}};
  Output write = assign(v, constant(Tensor::from_vector<float>({5, 6}), "new_value"));
  EXPECT_EQ(write.node->name(), "Assign");
  Session session{g};
  session.run_targets({v.initializer()});
  EXPECT_EQ(session.run(v.value()).to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(session.run(write).to_vector<float>(), (std::vector<float>{5, 6}));
  EXPECT_EQ(session.run(v.value()).to_vector<float>(), (std::vector<float>{5, 6}));
}

TEST_F(CpuKernels, GroupRunsItsDependencies) {
  Variable v{Tensor::from_vector<float>({1}), VariableOptions{.name = "v"}};
  Output write = assign(v, constant(Tensor::from_vector<float>({3}), "three"));
  Node* both = group({v.initializer(), write.node});
  EXPECT_EQ(both->name(), "group_deps");
  EXPECT_EQ(both->op(), "NoOp");
  EXPECT_EQ(both->control_inputs().size(), 2u);
}

// ---- Random ops ---------------------------------------------------------------------------------

TEST(Philox, MatchesRandom123KnownAnswers) {
  struct Case {
    std::uint32_t counter[4], key[2], expected[4];
  };
  const Case cases[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Case& c : cases) {
    philox::Philox4x32 gen(c.counter, c.key);
    philox::Block b = gen();
    for (int i = 0; i < 4; ++i) EXPECT_EQ(b.v[i], c.expected[i]) << "word " << i;
  }
}

TEST(Philox, SkipCarriesAcrossWords) {
  const std::uint32_t counter[4] = {0xffffffff, 0xffffffff, 0, 0};
  const std::uint32_t key[2] = {1, 2};
  philox::Philox4x32 a(counter, key);
  a.skip(1);
  const std::uint32_t carried[4] = {0, 0, 1, 0};
  philox::Philox4x32 b(carried, key);
  EXPECT_EQ(a().v[0], b().v[0]);
}

TEST_F(CpuKernels, SameSeedsGiveSameValuesDifferentSeedsDiffer) {
  g.set_random_seed(42);
  Output a = random_uniform({1000}, float32, 0.0, 1.0, 7);
  Output b = random_uniform({1000}, float32, 0.0, 1.0, 7);
  Output c = random_uniform({1000}, float32, 0.0, 1.0, 8);
  Session session{g};
  std::vector<Tensor> values = session.run({a, b, c});
  EXPECT_EQ(values[0].to_vector<float>(), values[1].to_vector<float>());
  EXPECT_NE(values[0].to_vector<float>(), values[2].to_vector<float>());
  // Like a TF kernel, one op draws new values on every run of a session; a new session restarts.
  std::vector<float> again = session.run(a).to_vector<float>();
  EXPECT_NE(again, values[0].to_vector<float>());
  Session fresh{g};
  EXPECT_EQ(fresh.run(a).to_vector<float>(), values[0].to_vector<float>());
}

TEST_F(CpuKernels, UnseededOpsDiffer) {
  Output a = random_normal({64});
  Output b = random_normal({64});
  Node* rnd = g.find_node("random_normal/RandomStandardNormal");
  ASSERT_NE(rnd, nullptr);
  EXPECT_EQ(rnd->attr_as<std::int64_t>("seed"), 0);
  EXPECT_EQ(rnd->attr_as<std::int64_t>("seed2"), 0);
  Session session{g};
  std::vector<Tensor> values = session.run({a, b});
  EXPECT_NE(values[0].to_vector<float>(), values[1].to_vector<float>());
}

TEST_F(CpuKernels, RandomUniformRangeAndMoments) {
  Output x = random_uniform({100000}, float32, -2.0, 3.0, 1);
  std::vector<float> v = run_floats(x);
  ASSERT_EQ(v.size(), 100000u);
  for (float f : v) {
    ASSERT_GE(f, -2.0f);
    ASSERT_LT(f, 3.0f);
  }
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  EXPECT_NEAR(mean, 0.5, 0.03);  // stddev of the mean: 5 / sqrt(12e5) = 0.0046
}

double sample_stddev(const std::vector<double>& v, double mean) {
  double ss = 0.0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

TEST_F(CpuKernels, RandomNormalMoments) {
  for (DType dtype : {float32, float64}) {
    Output x = random_normal({100000}, dtype, 1.5, 2.0, 3);
    std::vector<double> v = run(x).to_vector<double>();
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    EXPECT_NEAR(mean, 1.5, 0.03) << dtype;  // stddev of the mean: 2 / sqrt(1e5) = 0.0063
    EXPECT_NEAR(sample_stddev(v, mean), 2.0, 0.03) << dtype;
  }
}

TEST_F(CpuKernels, TruncatedNormalStaysWithinTwoStddev) {
  for (DType dtype : {float32, float64, float16}) {
    Output x = truncated_normal({100000}, dtype, -1.0, 0.5, 5);
    std::vector<double> v = run(x).to_vector<double>();
    for (double d : v) {
      ASSERT_GT(d, -1.0 - 1.0 - 1e-3) << dtype;
      ASSERT_LT(d, -1.0 + 1.0 + 1e-3) << dtype;
    }
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    EXPECT_NEAR(mean, -1.0, 0.02) << dtype;
    // A standard normal truncated to (-2, 2) has stddev 0.8796.
    EXPECT_NEAR(sample_stddev(v, mean), 0.5 * 0.87962566, 0.02) << dtype;
  }
}

TEST_F(CpuKernels, RandomOddSizesAndHalfUniform) {
  Tensor t = run(random_uniform({3, 3}, float16, 0.0, 1.0, 11));
  EXPECT_EQ(t.dtype(), float16);
  std::vector<float> v = t.to_vector<float>();
  EXPECT_EQ(v.size(), 9u);
  for (float f : v) {
    EXPECT_GE(f, 0.0f);
    EXPECT_LT(f, 1.0f);
  }
  EXPECT_EQ(std::set<float>(v.begin(), v.end()).size() > 1, true);
  EXPECT_EQ(run(random_normal({5}, float64, 0.0, 1.0, 2)).num_elements(), 5);
}

// ---- Node names, as TF1 gives them -------------------------------------------------------------

TEST_F(CpuKernels, OperatorNames) {
  Output a = constant(Tensor::from_vector<float>({1, 2}), "a");
  Output b = constant(Tensor::from_vector<float>({3, 4}), "b");
  EXPECT_EQ((a + b).name(), "add:0");
  EXPECT_EQ((a + b).name(), "add_1:0");
  Output m = a * 2.0;
  EXPECT_EQ(m.name(), "mul:0");
  Node* y = g.find_node("mul/y");
  ASSERT_NE(y, nullptr);
  EXPECT_EQ(y->op(), "Const");
  EXPECT_EQ(y->output_dtype(0), float32);
  EXPECT_EQ(m.node->inputs()[1].node, y);
  Output left = 2.0 * a;
  EXPECT_EQ(left.name(), "mul_1:0");
  EXPECT_NE(g.find_node("mul_1/x"), nullptr);
  EXPECT_EQ((a - b).name(), "sub:0");
  {
    NameScope tower{"tower"};
    EXPECT_EQ((a + 1.0).name(), "tower/add:0");
    EXPECT_NE(g.find_node("tower/add/y"), nullptr);
    // Names are unique case-insensitively (TF1), so "Add" after "add" in one scope is "Add_1".
    EXPECT_EQ(add(a, b).name(), "tower/Add_1:0");
  }
}

TEST_F(CpuKernels, RandomUniformNames) {
  Output r = random_uniform({2, 3}, float32, -1.0, 1.0, 3);
  EXPECT_EQ(r.name(), "random_uniform:0");
  EXPECT_EQ(node_names(g), (std::vector<std::string>{"random_uniform/shape", "random_uniform/min",
                                                     "random_uniform/max", "random_uniform/RandomUniform",
                                                     "random_uniform/sub", "random_uniform/mul",
                                                     "random_uniform"}));
  Node* rnd = g.find_node("random_uniform/RandomUniform");
  EXPECT_EQ(rnd->attr_as<DType>("dtype"), float32);
  EXPECT_EQ(rnd->attr_as<DType>("T"), int32);
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(random_uniform({2}).name(), "random_uniform_1:0");
}

TEST_F(CpuKernels, RandomNormalAndTruncatedNormalNames) {
  random_normal({2});
  truncated_normal({2});
  EXPECT_EQ(node_names(g),
            (std::vector<std::string>{"random_normal/shape", "random_normal/mean", "random_normal/stddev",
                                      "random_normal/RandomStandardNormal", "random_normal/mul", "random_normal",
                                      "truncated_normal/shape", "truncated_normal/mean", "truncated_normal/stddev",
                                      "truncated_normal/TruncatedNormal", "truncated_normal/mul",
                                      "truncated_normal"}));
}

TEST_F(CpuKernels, ZerosNames) {
  Output small = zeros({2, 3});
  EXPECT_EQ(small.name(), "zeros:0");
  EXPECT_EQ(small.node->op(), "Const");  // TF1's _constant_if_small: under 1000 elements
  Output large = zeros({10, 100});
  EXPECT_EQ(large.name(), "zeros_1:0");
  EXPECT_EQ(large.node->op(), "Fill");
  EXPECT_EQ(large.node->inputs()[0].node->name(), "zeros_1/shape_as_tensor");
  EXPECT_EQ(large.node->inputs()[1].node->name(), "zeros_1/Const");
  EXPECT_EQ(ones({1000}).name(), "ones:0");
  EXPECT_NE(g.find_node("ones/shape_as_tensor"), nullptr);
}

TEST_F(CpuKernels, HelperConstNames) {
  Output x = iota_const({2, 3}, "x");
  Output all = reduce_sum(x);
  EXPECT_EQ(all.name(), "Sum:0");
  EXPECT_EQ(all.node->inputs()[1].node->name(), "Const");
  Output some = reduce_sum(x, std::vector<std::int64_t>{1});
  EXPECT_EQ(some.name(), "Sum_1:0");
  EXPECT_EQ(some.node->inputs()[1].node->name(), "Sum_1/reduction_indices");
  Output c = concat({x, x}, 0);
  EXPECT_EQ(c.name(), "concat:0");
  EXPECT_EQ(c.node->inputs()[2].node->name(), "concat/axis");
  EXPECT_EQ(fill({2}, constant(1.0, float32, "one")).node->inputs()[0].node->name(), "Fill/dims");
  EXPECT_EQ(reshape(x, {6}).node->inputs()[1].node->name(), "Reshape/shape");
  Output s = slice(x, {0, 0}, {1, 1});
  EXPECT_EQ(s.node->inputs()[1].node->name(), "Slice/begin");
  EXPECT_EQ(s.node->inputs()[2].node->name(), "Slice/size");
  EXPECT_EQ(cast(x, int32).name(), "Cast:0");
}

// ---- Shape inference errors ---------------------------------------------------------------------

TEST_F(CpuKernels, IncompatibleShapesError) {
  Output a = iota_const({2, 3}, "a");
  Output b = iota_const({4}, "b");
  NameScope tower{"tower"};
  VS_EXPECT_ERROR(add(a, b), InvalidArgumentError, "[Add] node 'tower/Add': incompatible shapes (2, 3) and (4,)");
}

TEST_F(CpuKernels, DtypeMismatchError) {
  Output a = iota_const({2}, "a");
  Output b = constant(Tensor::from_vector<std::int32_t>({1, 2}), "b");
  VS_EXPECT_ERROR(add(a, b, "x"), InvalidArgumentError, "[Add] node 'x': dtypes float32 and int32 differ");
  VS_EXPECT_ERROR(b * 2.5, TypeError, "Expected int32, got 2.5 of type 'float' instead.");
}

TEST_F(CpuKernels, AssignShapeError) {
  NameScope scope{"v"};
  NodeSpec variable;
  variable.op = "VariableV2";
  variable.name = scope.name();
  variable.attrs = {{"shape", Shape{2}}, {"dtype", float32}, {"container", std::string()},
                    {"shared_name", std::string()}};
  Node& v = g.create_node(variable);
  EXPECT_EQ(v.name(), "v");
  Output value = constant(Tensor::from_vector<float>({1, 2, 3}), "value");
  NodeSpec write;
  write.op = "Assign";
  write.name = "Assign";
  write.inputs = {v.output(0), value};
  write.attrs = {{"T", float32}, {"validate_shape", true}, {"use_locking", true}};
  VS_EXPECT_ERROR(g.create_node(write), InvalidArgumentError,
                  "[Assign] node 'v/Assign': shapes (2,) and (3,) are incompatible");
  write.name = "Assign_unchecked";
  write.attrs["validate_shape"] = false;
  EXPECT_EQ(g.create_node(write).output_shape(0), Shape{3});
}

TEST_F(CpuKernels, ArrayOpErrors) {
  Output x = iota_const({2, 3}, "x");
  VS_EXPECT_ERROR(reshape(x, {4, 2}), InvalidArgumentError,
                  "[Reshape] node 'Reshape': cannot reshape a tensor of shape (2, 3) (6 elements) into shape "
                  "[4, 2] (8 elements)");
  VS_EXPECT_ERROR(reshape(x, {-1, -1}), InvalidArgumentError,
                  "[Reshape] node 'Reshape': shape [-1, -1] has more than one -1");
  Output y = iota_const({3, 3}, "y");
  VS_EXPECT_ERROR(concat({x, y}, 1), InvalidArgumentError,
                  "[ConcatV2] node 'concat': shapes (2, 3) and (3, 3) differ in dimension 0 (concatenating along "
                  "axis 1)");
  VS_EXPECT_ERROR(concat({x, y}, 2), InvalidArgumentError,
                  "[ConcatV2] node 'concat': axis 2 is out of range for inputs of rank 2");
  VS_EXPECT_ERROR(slice(x, {1, 1}, {2, 1}), InvalidArgumentError,
                  "[Slice] node 'Slice': slice of begin [1, 1] and size [2, 1] exceeds the input shape (2, 3) in "
                  "dimension 0");
  VS_EXPECT_ERROR(reduce_sum(x, std::vector<std::int64_t>{2}), InvalidArgumentError,
                  "[Sum] node 'Sum': reduction axis 2 is out of range for input shape (2, 3)");
  VS_EXPECT_ERROR(random_uniform({2}, int32), InvalidArgumentError,
                  "[RandomUniform] dtype int32 is not supported (needs float16, bfloat16, float32 or float64)");
  Output i = constant(Tensor::from_vector<std::int32_t>({1}), "i");
  VS_EXPECT_ERROR(l2_loss(i), InvalidArgumentError,
                  "[L2Loss] node 'L2Loss': dtype int32 is not supported (needs float16, bfloat16, float32 or "
                  "float64)");
}

TEST_F(CpuKernels, PartialShapesFromNonConstantArguments) {
  Output x = placeholder(float32, Shape{-1, 3}, "x");
  Output dims = placeholder(int32, Shape{2}, "dims");
  NodeSpec spec;
  spec.op = "Fill";
  spec.inputs = {dims, constant(1.0, float32, "one")};
  EXPECT_EQ(g.create_node(spec).output_shape(0), (Shape{-1, -1}));
  Output axes = placeholder(int32, Shape{1}, "axes");
  NodeSpec sum;
  sum.op = "Sum";
  sum.inputs = {x, axes};
  sum.attrs = {{"keep_dims", true}};
  EXPECT_EQ(g.create_node(sum).output_shape(0), (Shape{-1, -1}));
  sum.attrs = {{"keep_dims", false}};
  EXPECT_EQ(g.create_node(sum).output_shape(0), Shape::unknown());
  EXPECT_EQ(reduce_sum(x, std::vector<std::int64_t>{0}).shape(), (Shape{3}));
  EXPECT_EQ(concat({x, x}, 0).shape(), (Shape{-1, 3}));
  EXPECT_EQ(concat({x, x}, 1).shape(), (Shape{-1, 6}));
}

TEST(OpRegistry, ListsEveryOpOnce) {
  const OpRegistry& registry = OpRegistry::global();
  for (const char* op : {"Const", "Placeholder", "Identity", "NoOp", "Fill", "ConcatV2", "Slice", "Reshape", "Cast",
                         "Add", "Sub", "Mul", "Maximum", "AddN", "Abs", "Square", "Sum", "Mean", "L2Loss",
                         "RandomUniform", "RandomStandardNormal", "TruncatedNormal", "VariableV2", "Assign"}) {
    EXPECT_NE(registry.find(op), nullptr) << op;
  }
  EXPECT_EQ(registry.find("MatMulX"), nullptr);
  OpRegistry local;
  local.add({.name = "Foo", .infer = [](InferenceContext&) {}});
  VS_EXPECT_ERROR(local.add({.name = "Foo", .infer = [](InferenceContext&) {}}), InternalError,
                  "OpRegistry::add: op 'Foo' is registered twice");
}

}  // namespace
}  // namespace varscope
