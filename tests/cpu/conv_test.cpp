// Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter on the CPU against a naive reference
// convolution written out here (direct sums over the window, float64), for SAME/VALID, strides,
// dilations, non-square shapes, batches that span several im2col chunks and 1x1 filters; plus
// static shapes, TF attrs and names, and the error texts of bad shapes and attrs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

using Ints = std::vector<std::int64_t>;

struct ConvCase {
  const char* label = "";
  std::int64_t n = 1, h = 1, w = 1, c = 1;      // input (N, H, W, C)
  std::int64_t kh = 1, kw = 1, oc = 1;          // filter (KH, KW, C, OC)
  std::int64_t sh = 1, sw = 1, dh = 1, dw = 1;  // strides and dilations (H, W)
  const char* padding = "SAME";
};

// Output size and leading padding of one dimension, as TF documents them.
struct RefDim {
  std::int64_t out = 0, pad = 0;
};
RefDim ref_dim(std::int64_t in, std::int64_t k, std::int64_t stride, std::int64_t dilation,
               bool same) {
  const std::int64_t eff = (k - 1) * dilation + 1;
  if (!same) return {(in - eff) / stride + 1, 0};
  const std::int64_t out = (in + stride - 1) / stride;
  return {out, std::max<std::int64_t>(0, (out - 1) * stride + eff - in) / 2};
}

struct RefConv {
  ConvCase k;
  RefDim h, w;
  explicit RefConv(const ConvCase& c)
      : k(c),
        h(ref_dim(c.h, c.kh, c.sh, c.dh, std::string(c.padding) == "SAME")),
        w(ref_dim(c.w, c.kw, c.sw, c.dw, std::string(c.padding) == "SAME")) {}
  Shape input_shape() const { return Shape{k.n, k.h, k.w, k.c}; }
  Shape filter_shape() const { return Shape{k.kh, k.kw, k.c, k.oc}; }
  Shape output_shape() const { return Shape{k.n, h.out, w.out, k.oc}; }
  std::int64_t xi(std::int64_t n, std::int64_t y, std::int64_t x, std::int64_t c) const {
    return ((n * k.h + y) * k.w + x) * k.c + c;
  }
  std::int64_t fi(std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t o) const {
    return ((a * k.kw + b) * k.c + c) * k.oc + o;
  }
  std::int64_t yi(std::int64_t n, std::int64_t y, std::int64_t x, std::int64_t o) const {
    return ((n * h.out + y) * w.out + x) * k.oc + o;
  }
  // Calls f(x index, filter index, y index) for every product term of the convolution.
  template <class F>
  void for_each_term(F f) const {
    for (std::int64_t n = 0; n < k.n; ++n)
      for (std::int64_t oy = 0; oy < h.out; ++oy)
        for (std::int64_t ox = 0; ox < w.out; ++ox)
          for (std::int64_t a = 0; a < k.kh; ++a)
            for (std::int64_t b = 0; b < k.kw; ++b) {
              const std::int64_t iy = oy * k.sh - h.pad + a * k.dh;
              const std::int64_t ix = ox * k.sw - w.pad + b * k.dw;
              if (iy < 0 || iy >= k.h || ix < 0 || ix >= k.w) continue;
              for (std::int64_t c = 0; c < k.c; ++c)
                for (std::int64_t o = 0; o < k.oc; ++o)
                  f(xi(n, iy, ix, c), fi(a, b, c, o), yi(n, oy, ox, o));
            }
  }
  std::vector<double> forward(const std::vector<double>& x, const std::vector<double>& f) const {
    std::vector<double> y(static_cast<std::size_t>(output_shape().num_elements()), 0.0);
    for_each_term([&](std::int64_t i, std::int64_t j, std::int64_t o) { y[o] += x[i] * f[j]; });
    return y;
  }
  std::vector<double> backprop_input(const std::vector<double>& f,
                                     const std::vector<double>& dy) const {
    std::vector<double> dx(static_cast<std::size_t>(input_shape().num_elements()), 0.0);
    for_each_term([&](std::int64_t i, std::int64_t j, std::int64_t o) { dx[i] += f[j] * dy[o]; });
    return dx;
  }
  std::vector<double> backprop_filter(const std::vector<double>& x,
                                      const std::vector<double>& dy) const {
    std::vector<double> df(static_cast<std::size_t>(filter_shape().num_elements()), 0.0);
    for_each_term([&](std::int64_t i, std::int64_t j, std::int64_t o) { df[j] += x[i] * dy[o]; });
    return df;
  }
};

std::vector<double> random_values(const Shape& shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(static_cast<std::size_t>(shape.num_elements()));
  for (double& x : v) x = dist(gen);
  return v;
}

Tensor as_tensor(const std::vector<double>& values, const Shape& shape, DType dtype) {
  return Tensor::from_vector(values, shape).cast(dtype);
}

// Max |actual - expected| must stay within tol * (1 + |expected|).
void expect_close(const Tensor& actual, const std::vector<double>& expected, double tol,
                  const std::string& what) {
  const std::vector<double> got = actual.to_vector<double>();
  ASSERT_EQ(got.size(), expected.size()) << what;
  std::size_t bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (std::abs(got[i] - expected[i]) > tol * (1 + std::abs(expected[i]))) {
      if (++bad <= 3)
        ADD_FAILURE() << what << " element " << i << ": got " << got[i] << ", expected "
                      << expected[i];
    }
  }
  EXPECT_EQ(bad, 0u) << what;
}

Ints strides_of(const ConvCase& k) { return {1, k.sh, k.sw, 1}; }
Ints dilations_of(const ConvCase& k) { return {1, k.dh, k.dw, 1}; }

const ConvCase kCases[] = {
    {.label = "reference CNN conv1 5x5 SAME",
     .n = 2,
     .h = 28,
     .w = 28,
     .c = 1,
     .kh = 5,
     .kw = 5,
     .oc = 4},
    {.label = "reference CNN conv2 5x5 SAME",
     .n = 2,
     .h = 14,
     .w = 14,
     .c = 8,
     .kh = 5,
     .kw = 5,
     .oc = 6},
    {.label = "VALID 3x3",
     .n = 3,
     .h = 7,
     .w = 6,
     .c = 2,
     .kh = 3,
     .kw = 3,
     .oc = 3,
     .padding = "VALID"},
    {.label = "stride 2 SAME",
     .n = 2,
     .h = 9,
     .w = 8,
     .c = 3,
     .kh = 3,
     .kw = 3,
     .oc = 2,
     .sh = 2,
     .sw = 2},
    {.label = "stride 2 VALID non-square",
     .n = 2,
     .h = 11,
     .w = 7,
     .c = 2,
     .kh = 3,
     .kw = 2,
     .oc = 3,
     .sh = 2,
     .sw = 3,
     .padding = "VALID"},
    {.label = "dilation 2 SAME",
     .n = 2,
     .h = 8,
     .w = 9,
     .c = 2,
     .kh = 3,
     .kw = 3,
     .oc = 2,
     .dh = 2,
     .dw = 2},
    {.label = "dilation 2x1 VALID",
     .n = 1,
     .h = 9,
     .w = 7,
     .c = 3,
     .kh = 3,
     .kw = 2,
     .oc = 2,
     .dh = 2,
     .dw = 1,
     .padding = "VALID"},
    {.label = "stride larger than the filter",
     .n = 2,
     .h = 7,
     .w = 7,
     .c = 2,
     .kh = 2,
     .kw = 2,
     .oc = 2,
     .sh = 3,
     .sw = 3,
     .padding = "VALID"},
    {.label = "filter larger than the input, SAME",
     .n = 1,
     .h = 3,
     .w = 2,
     .c = 2,
     .kh = 5,
     .kw = 4,
     .oc = 3},
    {.label = "1x1 pointwise", .n = 3, .h = 5, .w = 4, .c = 6, .kh = 1, .kw = 1, .oc = 5},
    {.label = "1x1 stride 2",
     .n = 2,
     .h = 5,
     .w = 5,
     .c = 3,
     .kh = 1,
     .kw = 1,
     .oc = 2,
     .sh = 2,
     .sw = 2},
    // 28x28x32 images with a 5x5 filter need 627,200 patch values each, so a batch of 8 spans two
    // im2col chunks of at most 2^22 values: the chunk boundary is exercised.
    {.label = "several im2col chunks",
     .n = 8,
     .h = 28,
     .w = 28,
     .c = 32,
     .kh = 5,
     .kw = 5,
     .oc = 3},
};

class Conv : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv, ForwardAndBothBackpropsMatchTheReference) {
  const ConvCase& k = GetParam();
  const RefConv ref(k);
  const std::vector<double> x = random_values(ref.input_shape(), 1);
  const std::vector<double> f = random_values(ref.filter_shape(), 2);
  const std::vector<double> dy = random_values(ref.output_shape(), 3);
  const std::vector<double> y_ref = ref.forward(x, f);
  const std::vector<double> dx_ref = ref.backprop_input(f, dy);
  const std::vector<double> df_ref = ref.backprop_filter(x, dy);

  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    SCOPED_TRACE(std::string(k.label) + " " + std::string(dtype_name(dtype)));
    Graph g;
    DefaultGraph use{g};
    Output xin = placeholder(dtype, ref.input_shape(), "x");
    Output fin = placeholder(dtype, ref.filter_shape(), "f");
    Output dyin = placeholder(dtype, ref.output_shape(), "dy");
    Output y = nn::conv2d(xin, fin, strides_of(k), k.padding, dilations_of(k));
    Output dx =
        nn::conv2d_backprop_input(shape(xin), fin, dyin, strides_of(k), k.padding, dilations_of(k));
    Output df = nn::conv2d_backprop_filter(xin, shape(fin), dyin, strides_of(k), k.padding,
                                           dilations_of(k));
    EXPECT_EQ(y.shape(), ref.output_shape());
    EXPECT_EQ(dx.shape(), ref.input_shape());  // from the Shape op's static value
    EXPECT_EQ(df.shape(), ref.filter_shape());
    Session session{g};
    const std::vector<Tensor> out =
        session.run({y, dx, df}, {{xin, as_tensor(x, ref.input_shape(), dtype)},
                                  {fin, as_tensor(f, ref.filter_shape(), dtype)},
                                  {dyin, as_tensor(dy, ref.output_shape(), dtype)}});
    const double tol =
        dtype == DType::kFloat32 ? 2e-5 * std::sqrt(double(k.kh * k.kw * k.c * k.oc)) : 1e-12;
    ASSERT_EQ(out[0].shape(), ref.output_shape());
    expect_close(out[0], y_ref, tol, "Conv2D");
    expect_close(out[1], dx_ref, tol, "Conv2DBackpropInput");
    expect_close(out[2], df_ref, tol * 10, "Conv2DBackpropFilter");
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, Conv, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<ConvCase>& info) {
                           std::string name = info.param.label;
                           std::replace_if(
                               name.begin(), name.end(), [](char ch) { return !std::isalnum(ch); },
                               '_');
                           return name;
                         });

class ConvOps : public ::testing::Test {
 protected:
  Graph g;
  DefaultGraph use{g};
};

TEST_F(ConvOps, NamesAttrsAndDynamicBatch) {
  Output x = placeholder(float32, Shape{-1, 28, 28, 1}, "x");
  Output w = placeholder(float32, Shape{5, 5, 1, 32}, "w");
  Output y;
  {
    NameScope scope{"conv1"};
    y = nn::conv2d(x, w, {1, 1, 1, 1}, "SAME");
  }
  EXPECT_EQ(y.name(), "conv1/Conv2D:0");
  EXPECT_EQ(y.shape(), (Shape{-1, 28, 28, 32}));
  const Node& n = *y.node;
  EXPECT_EQ(n.op(), "Conv2D");
  EXPECT_EQ(n.attr_as<Ints>("strides"), (Ints{1, 1, 1, 1}));
  EXPECT_EQ(n.attr_as<Ints>("dilations"), (Ints{1, 1, 1, 1}));
  EXPECT_EQ(n.attr_as<std::string>("padding"), "SAME");
  EXPECT_EQ(n.attr_as<std::string>("data_format"), "NHWC");
  EXPECT_EQ(n.attr_as<DType>("T"), float32);
  EXPECT_TRUE(n.attr_as<bool>("use_cudnn_on_gpu"));
  EXPECT_EQ(nn::conv2d(x, w, {1, 2, 2, 1}, "VALID").name(), "Conv2D:0");
  EXPECT_EQ(nn::conv2d(x, w, {1, 2, 2, 1}, "VALID").shape(), (Shape{-1, 12, 12, 32}));

  // The batch is only known when run: 3 images of ones through a filter of ones, VALID, give the
  // window sums 25 everywhere.
  Output v = nn::conv2d(x, w, {1, 1, 1, 1}, "VALID", {1, 1, 1, 1}, "valid");
  Session session{g};
  Tensor out = session.run(v, {{x, Tensor::filled(float32, Shape{3, 28, 28, 1}, 1.0)},
                               {w, Tensor::filled(float32, Shape{5, 5, 1, 32}, 1.0)}});
  EXPECT_EQ(out.shape(), (Shape{3, 24, 24, 32}));
  for (float value : out.to_vector<float>()) ASSERT_EQ(value, 25.0f);
}

TEST_F(ConvOps, HandComputedSamePadding) {
  // 3x3 input 1..9, 2x2 filter of ones, SAME: the window takes pixel (i, j) and the ones right and
  // below it (the padding goes after: pad_needed 1, pad_before 0).
  Output x =
      constant(Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, Shape{1, 3, 3, 1}), "x");
  Output w = constant(Tensor::filled(float32, Shape{2, 2, 1, 1}, 1.0), "w");
  Session session{g};
  EXPECT_EQ(session.run(nn::conv2d(x, w, {1, 1, 1, 1}, "SAME")).to_vector<float>(),
            (std::vector<float>{12, 16, 9, 24, 28, 15, 15, 17, 9}));
  EXPECT_EQ(session.run(nn::conv2d(x, w, {1, 2, 2, 1}, "SAME")).to_vector<float>(),
            (std::vector<float>{12, 9, 15, 9}));
}

TEST_F(ConvOps, BackpropShapesFromConstSizes) {
  Output w = placeholder(float32, Shape{3, 3, 2, 4}, "w");
  Output dy = placeholder(float32, Shape{-1, 4, 4, 4}, "dy");
  Output sizes = constant(Tensor::from_vector<std::int32_t>({5, 8, 8, 2}), "sizes");
  Output dx = nn::conv2d_backprop_input(sizes, w, dy, {1, 2, 2, 1}, "SAME");
  EXPECT_EQ(dx.name(), "Conv2DBackpropInput:0");
  EXPECT_EQ(dx.shape(), (Shape{5, 8, 8, 2}));
  Output x = placeholder(float32, Shape{-1, 8, 8, 2}, "x");
  Output fsizes = constant(Tensor::from_vector<std::int32_t>({3, 3, 2, 4}), "fsizes");
  Output dw = nn::conv2d_backprop_filter(x, fsizes, dy, {1, 2, 2, 1}, "SAME");
  EXPECT_EQ(dw.name(), "Conv2DBackpropFilter:0");
  EXPECT_EQ(dw.shape(), (Shape{3, 3, 2, 4}));
  // An unknown size vector still gives rank 4.
  Output unknown = placeholder(int32, Shape{4}, "unknown");
  EXPECT_EQ(nn::conv2d_backprop_input(unknown, w, dy, {1, 2, 2, 1}, "SAME").shape(),
            (Shape{-1, -1, -1, 2}));
}

TEST_F(ConvOps, ShapeErrorsNameTheNode) {
  Output x3 = placeholder(float32, Shape{8, 28, 28}, "x3");
  Output x = placeholder(float32, Shape{8, 28, 28, 3}, "x");
  Output w = placeholder(float32, Shape{5, 5, 3, 16}, "w");
  Output w4 = placeholder(float32, Shape{5, 5, 4, 16}, "w4");
  Output wd = placeholder(float64, Shape{5, 5, 3, 16}, "wd");
  NameScope scope{"tower_1"};
  VS_EXPECT_ERROR(
      nn::conv2d(x3, w, {1, 1, 1, 1}, "SAME"), InvalidArgumentError,
      "[Conv2D] node 'tower_1/Conv2D': input must be rank 4 (N, H, W, C), got shape (8, 28, 28)");
  VS_EXPECT_ERROR(
      nn::conv2d(x, x3, {1, 1, 1, 1}, "SAME"), InvalidArgumentError,
      "[Conv2D] node 'tower_1/Conv2D': filter must be rank 4 (KH, KW, C_in, C_out), got shape "
      "(8, 28, 28)");
  VS_EXPECT_ERROR(
      nn::conv2d(x, w4, {1, 1, 1, 1}, "SAME", {1, 1, 1, 1}, "conv"), InvalidArgumentError,
      "[Conv2D] node 'tower_1/conv': input depth 3 (input shape (8, 28, 28, 3)) does not match the "
      "filter's input depth 4 (filter shape (5, 5, 4, 16))");
  VS_EXPECT_ERROR(
      nn::conv2d(x, w, {1, 1, 1, 1}, "FULL", {1, 1, 1, 1}, "conv"), InvalidArgumentError,
      "[Conv2D] node 'tower_1/conv': padding must be \"SAME\" or \"VALID\", got \"FULL\"");
  VS_EXPECT_ERROR(
      nn::conv2d(x, w, {2, 1, 1, 1}, "SAME", {1, 1, 1, 1}, "conv"), InvalidArgumentError,
      "[Conv2D] node 'tower_1/conv': strides [2, 1, 1, 1] must be 1 in the batch and channel "
      "dimensions (only H and W are supported)");
  VS_EXPECT_ERROR(
      nn::conv2d(x, w, {1, 1}, "SAME", {1, 1, 1, 1}, "conv"), InvalidArgumentError,
      "[Conv2D] node 'tower_1/conv': strides must have 4 entries (N, H, W, C), got [1, 1]");
  VS_EXPECT_ERROR(nn::conv2d(x, w, {1, 0, 1, 1}, "SAME", {1, 1, 1, 1}, "conv"),
                  InvalidArgumentError,
                  "[Conv2D] node 'tower_1/conv': strides must be positive, got [1, 0, 1, 1]");
  VS_EXPECT_ERROR(
      nn::conv2d(x, w, {1, 1, 1, 1}, "SAME", {1, 1, 1, 2}, "conv"), InvalidArgumentError,
      "[Conv2D] node 'tower_1/conv': dilations [1, 1, 1, 2] must be 1 in the batch and channel "
      "dimensions (only H and W are supported)");
  VS_EXPECT_ERROR(nn::conv2d(x, wd, {1, 1, 1, 1}, "SAME", {1, 1, 1, 1}, "conv"),
                  InvalidArgumentError,
                  "[Conv2D] node 'tower_1/conv': dtypes float32 and float64 differ");
  Output small = placeholder(float32, Shape{1, 4, 4, 3}, "small");
  VS_EXPECT_ERROR(
      nn::conv2d(small, w, {1, 1, 1, 1}, "VALID", {1, 2, 2, 1}, "conv"), InvalidArgumentError,
      "[Conv2D] node 'tower_1/conv': Computed output size would be negative: -4 [input_size: 4, "
      "effective_filter_size: 9, stride: 1]");
  Output ints = placeholder(int32, Shape{1, 4, 4, 3}, "ints");
  VS_EXPECT_ERROR(nn::conv2d(ints, ints, {1, 1, 1, 1}, "SAME", {1, 1, 1, 1}, "conv"),
                  InvalidArgumentError,
                  "[Conv2D] node 'tower_1/conv': dtype int32 is not supported (needs float16, "
                  "bfloat16, float32 "
                  "or float64)");
  NodeSpec nchw{.op = "Conv2D",
                .name = "nchw",
                .inputs = {x, w},
                .attrs = {{"T", float32},
                          {"strides", Ints{1, 1, 1, 1}},
                          {"padding", std::string("SAME")},
                          {"data_format", std::string("NCHW")}}};
  VS_EXPECT_ERROR(
      g.create_node(nchw), InvalidArgumentError,
      "[Conv2D] node 'tower_1/nchw': data_format \"NCHW\" is not supported (only \"NHWC\")");
}

TEST_F(ConvOps, BackpropShapeErrors) {
  Output w = placeholder(float32, Shape{3, 3, 2, 4}, "w");
  Output dy = placeholder(float32, Shape{5, 3, 3, 4}, "dy");
  Output sizes = constant(Tensor::from_vector<std::int32_t>({5, 8, 8, 2}), "sizes");
  VS_EXPECT_ERROR(
      nn::conv2d_backprop_input(sizes, w, dy, {1, 2, 2, 1}, "SAME"), InvalidArgumentError,
      "[Conv2DBackpropInput] node 'Conv2DBackpropInput': out_backprop shape (5, 3, 3, 4) does not "
      "match (5, 4, 4, 4), the Conv2D output for input_sizes (5, 8, 8, 2) and filter (3, 3, 2, 4)");
  Output three = constant(Tensor::from_vector<std::int32_t>({5, 8, 8}), "three");
  VS_EXPECT_ERROR(nn::conv2d_backprop_input(three, w, dy, {1, 2, 2, 1}, "SAME"),
                  InvalidArgumentError,
                  "[Conv2DBackpropInput] node 'Conv2DBackpropInput': input_sizes must have 4 "
                  "entries, got shape "
                  "(5, 8, 8)");
  Output x = placeholder(float32, Shape{5, 8, 8, 2}, "x");
  Output fsizes = constant(Tensor::from_vector<std::int32_t>({3, 3, 2, 4}), "fsizes");
  VS_EXPECT_ERROR(
      nn::conv2d_backprop_filter(x, fsizes, dy, {1, 1, 1, 1}, "VALID"), InvalidArgumentError,
      "[Conv2DBackpropFilter] node 'Conv2DBackpropFilter': out_backprop shape (5, 3, 3, 4) does "
      "not "
      "match (5, 6, 6, 4), the Conv2D output for input (5, 8, 8, 2) and filter_sizes (3, 3, 2, 4)");
}

TEST_F(ConvOps, RunTimeShapeErrors) {
  // Shapes only known when run: the kernel repeats shape inference's checks.
  Output x = placeholder(float32, Shape::unknown(), "x");
  Output w = placeholder(float32, Shape::unknown(), "w");
  Output y = nn::conv2d(x, w, {1, 1, 1, 1}, "VALID");
  Session session{g};
  VS_EXPECT_ERROR(session.run(y, {{x, Tensor::zeros(float32, Shape{2, 5, 5})},
                                  {w, Tensor::zeros(float32, Shape{3, 3, 1, 1})}}),
                  InvalidArgumentError,
                  "[Conv2D] node 'Conv2D': input must be rank 4 (N, H, W, C), got shape (2, 5, 5)");
  VS_EXPECT_ERROR(session.run(y, {{x, Tensor::zeros(float32, Shape{2, 5, 5, 2})},
                                  {w, Tensor::zeros(float32, Shape{3, 3, 1, 1})}}),
                  InvalidArgumentError,
                  "[Conv2D] node 'Conv2D': input depth 2 (input shape (2, 5, 5, 2)) does not match "
                  "the filter's "
                  "input depth 1 (filter shape (3, 3, 1, 1))");
  VS_EXPECT_ERROR(
      session.run(y, {{x, Tensor::zeros(float32, Shape{2, 1, 5, 1})},
                      {w, Tensor::zeros(float32, Shape{3, 3, 1, 1})}}),
      InvalidArgumentError,
      "[Conv2D] node 'Conv2D': Computed output size would be negative: -1 [input_size: 1, "
      "effective_filter_size: 3, stride: 1]");
  Output sizes = placeholder(int32, Shape{4}, "sizes");
  Output dy = placeholder(float32, Shape::unknown(), "dy");
  Output dx = nn::conv2d_backprop_input(sizes, w, dy, {1, 1, 1, 1}, "VALID");
  VS_EXPECT_ERROR(
      session.run(dx, {{sizes, Tensor::from_vector<std::int32_t>({2, 5, 5, 1})},
                       {w, Tensor::zeros(float32, Shape{3, 3, 1, 1})},
                       {dy, Tensor::zeros(float32, Shape{2, 3, 4, 1})}}),
      InvalidArgumentError,
      "[Conv2DBackpropInput] node 'Conv2DBackpropInput': out_backprop shape (2, 3, 4, 1) does not "
      "match "
      "the Conv2D output shape (2, 3, 3, 1) of input (2, 5, 5, 1) and filter (3, 3, 1, 1)");
}

}  // namespace
}  // namespace varscope
