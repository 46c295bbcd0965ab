// MaxPool, AvgPool, MaxPoolGrad and AvgPoolGrad on the CPU against naive reference pools written
// out here (float64), for SAME/VALID, strides, non-square windows and inputs; hand-computed values
// for padding (AvgPool divides by the real pixels) and ties (MaxPoolGrad picks the first maximum
// in row-major order, as TF); names, static shapes and error texts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>
#include <vector>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

using Ints = std::vector<std::int64_t>;

struct PoolCase {
  const char* label = "";
  std::int64_t n = 1, h = 1, w = 1, c = 1;
  std::int64_t kh = 1, kw = 1, sh = 1, sw = 1;
  const char* padding = "VALID";
};

struct RefPool {
  PoolCase k;
  std::int64_t oh = 0, ow = 0, pt = 0, pl = 0;
  explicit RefPool(const PoolCase& c) : k(c) {
    const bool same = std::string(c.padding) == "SAME";
    oh = same ? (c.h + c.sh - 1) / c.sh : (c.h - c.kh) / c.sh + 1;
    ow = same ? (c.w + c.sw - 1) / c.sw : (c.w - c.kw) / c.sw + 1;
    if (same) {
      pt = std::max<std::int64_t>(0, (oh - 1) * c.sh + c.kh - c.h) / 2;
      pl = std::max<std::int64_t>(0, (ow - 1) * c.sw + c.kw - c.w) / 2;
    }
  }
  Shape input_shape() const { return Shape{k.n, k.h, k.w, k.c}; }
  Shape output_shape() const { return Shape{k.n, oh, ow, k.c}; }
  // Calls f(output index, input indices of the window in row-major order) per output element.
  template <class F>
  void for_each_window(F f) const {
    for (std::int64_t n = 0; n < k.n; ++n)
      for (std::int64_t y = 0; y < oh; ++y)
        for (std::int64_t x = 0; x < ow; ++x)
          for (std::int64_t c = 0; c < k.c; ++c) {
            std::vector<std::int64_t> window;
            for (std::int64_t a = 0; a < k.kh; ++a)
              for (std::int64_t b = 0; b < k.kw; ++b) {
                const std::int64_t iy = y * k.sh - pt + a, ix = x * k.sw - pl + b;
                if (iy >= 0 && iy < k.h && ix >= 0 && ix < k.w)
                  window.push_back(((n * k.h + iy) * k.w + ix) * k.c + c);
              }
            f(((n * oh + y) * ow + x) * k.c + c, window);
          }
  }
  std::vector<double> max_pool(const std::vector<double>& in) const {
    std::vector<double> out(static_cast<std::size_t>(output_shape().num_elements()));
    for_each_window([&](std::int64_t o, const std::vector<std::int64_t>& win) {
      double m = in[win[0]];
      for (std::int64_t i : win) m = std::max(m, in[i]);
      out[o] = m;
    });
    return out;
  }
  std::vector<double> avg_pool(const std::vector<double>& in) const {
    std::vector<double> out(static_cast<std::size_t>(output_shape().num_elements()));
    for_each_window([&](std::int64_t o, const std::vector<std::int64_t>& win) {
      double s = 0;
      for (std::int64_t i : win) s += in[i];
      out[o] = s / static_cast<double>(win.size());
    });
    return out;
  }
  std::vector<double> max_pool_grad(const std::vector<double>& in,
                                    const std::vector<double>& g) const {
    std::vector<double> dx(in.size(), 0.0);
    for_each_window([&](std::int64_t o, const std::vector<std::int64_t>& win) {
      std::int64_t arg = win[0];
      for (std::int64_t i : win) {
        if (in[i] > in[arg]) arg = i;
      }
      dx[arg] += g[o];
    });
    return dx;
  }
  std::vector<double> avg_pool_grad(const std::vector<double>& g) const {
    std::vector<double> dx(static_cast<std::size_t>(input_shape().num_elements()), 0.0);
    for_each_window([&](std::int64_t o, const std::vector<std::int64_t>& win) {
      for (std::int64_t i : win) dx[i] += g[o] / static_cast<double>(win.size());
    });
    return dx;
  }
};

std::vector<double> random_values(const Shape& shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(static_cast<std::size_t>(shape.num_elements()));
  for (double& x : v) x = dist(gen);
  return v;
}

void expect_close(const Tensor& actual, const std::vector<double>& expected, double tol,
                  const std::string& what) {
  const std::vector<double> got = actual.to_vector<double>();
  ASSERT_EQ(got.size(), expected.size()) << what;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (std::abs(got[i] - expected[i]) > tol) {
      if (++bad <= 3)
        ADD_FAILURE() << what << " element " << i << ": got " << got[i] << ", expected "
                      << expected[i];
    }
  }
  EXPECT_EQ(bad, 0u) << what;
}

const PoolCase kCases[] = {
    {.label = "reference CNN 2x2 stride 2 VALID",
     .n = 3,
     .h = 28,
     .w = 28,
     .c = 32,
     .kh = 2,
     .kw = 2,
     .sh = 2,
     .sw = 2},
    {.label = "2x2 stride 2 SAME odd size",
     .n = 2,
     .h = 7,
     .w = 5,
     .c = 3,
     .kh = 2,
     .kw = 2,
     .sh = 2,
     .sw = 2,
     .padding = "SAME"},
    {.label = "3x3 stride 1 SAME",
     .n = 2,
     .h = 6,
     .w = 6,
     .c = 4,
     .kh = 3,
     .kw = 3,
     .padding = "SAME"},
    {.label = "3x3 stride 2 VALID non-square",
     .n = 2,
     .h = 9,
     .w = 6,
     .c = 2,
     .kh = 3,
     .kw = 3,
     .sh = 2,
     .sw = 2},
    {.label = "3x2 window stride 1x2 SAME",
     .n = 1,
     .h = 5,
     .w = 7,
     .c = 5,
     .kh = 3,
     .kw = 2,
     .sh = 1,
     .sw = 2,
     .padding = "SAME"},
    {.label = "window larger than stride SAME",
     .n = 2,
     .h = 5,
     .w = 5,
     .c = 2,
     .kh = 4,
     .kw = 4,
     .sh = 3,
     .sw = 3,
     .padding = "SAME"},
    {.label = "global", .n = 2, .h = 4, .w = 3, .c = 3, .kh = 4, .kw = 3},
};

class Pool : public ::testing::TestWithParam<PoolCase> {};

TEST_P(Pool, ForwardAndGradientsMatchTheReference) {
  const PoolCase& k = GetParam();
  const RefPool ref(k);
  const Ints ksize{1, k.kh, k.kw, 1}, strides{1, k.sh, k.sw, 1};
  const std::vector<double> x = random_values(ref.input_shape(), 4);
  const std::vector<double> dy = random_values(ref.output_shape(), 5);
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    SCOPED_TRACE(std::string(k.label) + " " + std::string(dtype_name(dtype)));
    Graph g;
    DefaultGraph use{g};
    Output xin = placeholder(dtype, ref.input_shape(), "x");
    Output dyin = placeholder(dtype, ref.output_shape(), "dy");
    Output mp = nn::max_pool(xin, ksize, strides, k.padding);
    Output ap = nn::avg_pool(xin, ksize, strides, k.padding);
    Output mg = nn::max_pool_grad(xin, mp, dyin, ksize, strides, k.padding);
    Output ag = nn::avg_pool_grad(shape(xin), dyin, ksize, strides, k.padding);
    EXPECT_EQ(mp.shape(), ref.output_shape());
    EXPECT_EQ(ap.shape(), ref.output_shape());
    EXPECT_EQ(mg.shape(), ref.input_shape());
    EXPECT_EQ(ag.shape(), ref.input_shape());
    Session session{g};
    const std::vector<Tensor> out = session.run(
        {mp, ap, mg, ag}, {{xin, Tensor::from_vector(x, ref.input_shape()).cast(dtype)},
                           {dyin, Tensor::from_vector(dy, ref.output_shape()).cast(dtype)}});
    // The references see the values the kernels see (rounded to the dtype).
    const std::vector<double> xr =
        Tensor::from_vector(x, ref.input_shape()).cast(dtype).to_vector<double>();
    const std::vector<double> dyr =
        Tensor::from_vector(dy, ref.output_shape()).cast(dtype).to_vector<double>();
    const double tol = dtype == DType::kFloat32 ? 1e-6 : 1e-14;
    expect_close(out[0], ref.max_pool(xr), tol, "MaxPool");
    expect_close(out[1], ref.avg_pool(xr), tol, "AvgPool");
    expect_close(out[2], ref.max_pool_grad(xr, dyr), tol, "MaxPoolGrad");
    expect_close(out[3], ref.avg_pool_grad(dyr), tol, "AvgPoolGrad");
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, Pool, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<PoolCase>& info) {
                           std::string name = info.param.label;
                           std::replace_if(
                               name.begin(), name.end(), [](char ch) { return !std::isalnum(ch); },
                               '_');
                           return name;
                         });

class PoolOps : public ::testing::Test {
 protected:
  Graph g;
  DefaultGraph use{g};
};

TEST_F(PoolOps, AvgPoolSameDividesByTheRealPixels) {
  // 3x3 input 1..9, 2x2 windows, stride 2, SAME: the padding (one row and column) goes after.
  Output x =
      constant(Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, Shape{1, 3, 3, 1}), "x");
  Output p = nn::avg_pool(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
  Output ones = constant(Tensor::filled(float32, Shape{1, 2, 2, 1}, 1.0), "ones");
  Output dx = nn::avg_pool_grad(shape(x), ones, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
  Output m = nn::max_pool(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME");
  Session session{g};
  EXPECT_EQ(session.run(p).to_vector<float>(), (std::vector<float>{3, 4.5, 7.5, 9}));
  EXPECT_EQ(session.run(dx).to_vector<float>(),
            (std::vector<float>{0.25, 0.25, 0.5, 0.25, 0.25, 0.5, 0.5, 0.5, 1}));
  EXPECT_EQ(session.run(m).to_vector<float>(), (std::vector<float>{5, 6, 8, 9}));
}

TEST_F(PoolOps, MaxPoolGradRoutesTiesToTheFirstMaximum) {
  // Overlapping 2x2 windows, stride 1, over
  //   [[5, 5, 1],
  //    [5, 5, 5],
  //    [1, 5, 2]]
  // every window's maximum is 5; each window sends its gradient to its first 5 in row-major order:
  // windows (0,0) and (1,0) -> their top-left (0,0) and (1,0)... see the expected sums below.
  Output x =
      constant(Tensor::from_vector<double>({5, 5, 1, 5, 5, 5, 1, 5, 2}, Shape{1, 3, 3, 1}), "x");
  Output m = nn::max_pool(x, {1, 2, 2, 1}, {1, 1, 1, 1}, "VALID");
  Output grad =
      constant(Tensor::from_vector<double>({1, 10, 100, 1000}, Shape{1, 2, 2, 1}), "grad");
  Output dx = nn::max_pool_grad(x, m, grad, {1, 2, 2, 1}, {1, 1, 1, 1}, "VALID");
  Session session{g};
  EXPECT_EQ(session.run(m).to_vector<double>(), (std::vector<double>{5, 5, 5, 5}));
  // Window (0,0) covers pixels 0,1,3,4 -> pixel 0; (0,1) covers 1,2,4,5 -> pixel 1;
  // (1,0) covers 3,4,6,7 -> pixel 3; (1,1) covers 4,5,7,8 -> pixel 4.
  EXPECT_EQ(session.run(dx).to_vector<double>(),
            (std::vector<double>{1, 10, 0, 100, 1000, 0, 0, 0, 0}));
}

TEST_F(PoolOps, NamesAndDynamicBatch) {
  Output x = placeholder(float32, Shape{-1, 28, 28, 32}, "x");
  Output p;
  {
    NameScope scope{"pool1"};
    p = nn::max_pool(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
  }
  EXPECT_EQ(p.name(), "pool1/MaxPool:0");
  EXPECT_EQ(p.shape(), (Shape{-1, 14, 14, 32}));
  EXPECT_EQ(p.node->attr_as<Ints>("ksize"), (Ints{1, 2, 2, 1}));
  EXPECT_EQ(p.node->attr_as<Ints>("strides"), (Ints{1, 2, 2, 1}));
  EXPECT_EQ(p.node->attr_as<std::string>("padding"), "VALID");
  EXPECT_EQ(p.node->attr_as<std::string>("data_format"), "NHWC");
  EXPECT_EQ(nn::max_pool(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID").name(), "MaxPool:0");
  EXPECT_EQ(nn::max_pool(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID").name(), "MaxPool_1:0");
  EXPECT_EQ(nn::avg_pool(x, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME", "pool").name(), "pool:0");
  EXPECT_EQ(nn::avg_pool(x, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME").shape(), (Shape{-1, 14, 14, 32}));
  Output dy = placeholder(float32, Shape{-1, 14, 14, 32}, "dy");
  EXPECT_EQ(nn::avg_pool_grad(shape(x), dy, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID").shape(),
            (Shape{-1, 28, 28, 32}));
  EXPECT_EQ(nn::max_pool_grad(x, p, dy, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID").name(),
            "MaxPoolGrad:0");
}

TEST_F(PoolOps, ShapeErrorsNameTheNode) {
  Output x3 = placeholder(float32, Shape{8, 28, 28}, "x3");
  Output x = placeholder(float32, Shape{8, 28, 28, 3}, "x");
  VS_EXPECT_ERROR(
      nn::max_pool(x3, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID"), InvalidArgumentError,
      "[MaxPool] node 'MaxPool': input must be rank 4 (N, H, W, C), got shape (8, 28, 28)");
  VS_EXPECT_ERROR(nn::max_pool(x, {2, 2, 2, 1}, {1, 2, 2, 1}, "VALID"), InvalidArgumentError,
                  "[MaxPool] node 'MaxPool': ksize [2, 2, 2, 1] must be 1 in the batch and "
                  "channel dimensions "
                  "(only H and W are supported)");
  VS_EXPECT_ERROR(
      nn::avg_pool(x, {1, 2, 2}, {1, 2, 2, 1}, "VALID"), InvalidArgumentError,
      "[AvgPool] node 'AvgPool': ksize must have 4 entries (N, H, W, C), got [1, 2, 2]");
  VS_EXPECT_ERROR(
      nn::avg_pool(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "same"), InvalidArgumentError,
      "[AvgPool] node 'AvgPool': padding must be \"SAME\" or \"VALID\", got \"same\"");
  VS_EXPECT_ERROR(
      nn::max_pool(x, {1, 30, 2, 1}, {1, 1, 1, 1}, "VALID"), InvalidArgumentError,
      "[MaxPool] node 'MaxPool': Computed output size would be negative: -1 [input_size: 28, "
      "effective_filter_size: 30, stride: 1]");
  Output wrong = placeholder(float32, Shape{8, 14, 13, 3}, "wrong");
  VS_EXPECT_ERROR(
      nn::max_pool_grad(x, wrong, wrong, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID"), InvalidArgumentError,
      "[MaxPoolGrad] node 'MaxPoolGrad': orig_output shape (8, 14, 13, 3) does not match "
      "(8, 14, 14, 3), the MaxPool output for orig_input (8, 28, 28, 3)");
  Output sizes = constant(Tensor::from_vector<std::int32_t>({8, 28, 28, 3}), "sizes");
  VS_EXPECT_ERROR(
      nn::avg_pool_grad(sizes, wrong, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID"), InvalidArgumentError,
      "[AvgPoolGrad] node 'AvgPoolGrad': grad shape (8, 14, 13, 3) does not match (8, 14, 14, 3), "
      "the AvgPool output for orig_input_shape (8, 28, 28, 3)");
}

TEST_F(PoolOps, RunTimeShapeErrors) {
  Output x = placeholder(float32, Shape::unknown(), "x");
  Output dy = placeholder(float32, Shape::unknown(), "dy");
  Output p = nn::max_pool(x, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
  Output dx = nn::max_pool_grad(x, p, dy, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
  Session session{g};
  VS_EXPECT_ERROR(session.run(p, {{x, Tensor::zeros(float32, Shape{4, 4})}}), InvalidArgumentError,
                  "[MaxPool] node 'MaxPool': input must be rank 4 (N, H, W, C), got shape (4, 4)");
  VS_EXPECT_ERROR(
      session.run(dx, {{x, Tensor::zeros(float32, Shape{1, 4, 4, 1})},
                       {dy, Tensor::zeros(float32, Shape{1, 2, 3, 1})}}),
      InvalidArgumentError,
      "[MaxPoolGrad] node 'MaxPoolGrad': grad shape (1, 2, 3, 1) does not match the pooled shape "
      "(1, 2, 2, 1) of input (1, 4, 4, 1)");
}

}  // namespace
}  // namespace varscope
