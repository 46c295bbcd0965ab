// The layout a float32 convolution runs in on the GPU (cuda/conv_algorithm_cache.h): pinned to
// NHWC, pinned to NCHW, or the faster of the two by measurement, each of Conv2D and its two
// gradients gives the CPU's values, and the algorithm cache records the layout that was asked for.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cuda/conv_algorithm_cache.h"
#include "device_test.h"
#include "fake_gpu.h"
#include "varscope/gradients.h"
#include "varscope/math_mode.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/session.h"

namespace varscope {
namespace {

using cuda::ConvLayout;
using cuda::ConvLayoutChoice;

struct ConvProblem {
  std::string name;
  Shape input;
  Shape filter;
  std::vector<std::int64_t> strides;
  std::string padding;
};

// The reference CNN's two convolutions at a small batch, and an odd SAME stride-2 problem (explicit
// padding at the bottom/right, which each layout handles with its own copies).
std::vector<ConvProblem> problems() {
  return {{"conv1", Shape{4, 28, 28, 1}, Shape{5, 5, 1, 32}, {1, 1, 1, 1}, "SAME"},
          {"conv2", Shape{4, 14, 14, 32}, Shape{5, 5, 32, 64}, {1, 1, 1, 1}, "SAME"},
          {"odd_same_s2", Shape{3, 9, 11, 5}, Shape{4, 4, 5, 7}, {1, 2, 2, 1}, "SAME"}};
}

Tensor random_tensor(const Shape& shape, std::mt19937& gen) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Tensor t(DType::kFloat32, shape);
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.num_elements(); ++i) p[i] = dist(gen);
  return t;
}

// |actual - expected| <= 1e-4 * (sum length) * max |expected|: cuDNN may sum in another order or
// by FFT / Winograd, whose rounding grows with the length of each sum.
void expect_close(const Tensor& expected, const Tensor& actual, std::int64_t sum_length,
                  const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  const float* e = expected.data<float>();
  const float* a = actual.data<float>();
  float scale = 0;
  for (std::int64_t i = 0; i < expected.num_elements(); ++i)
    scale = std::max(scale, std::abs(e[i]));
  const float tolerance = 1e-6f * static_cast<float>(sum_length) * std::max(scale, 1.0f);
  std::int64_t bad = 0;
  float worst = 0;
  for (std::int64_t i = 0; i < expected.num_elements(); ++i) {
    const float difference = std::abs(a[i] - e[i]);
    worst = std::max(worst, difference);
    if (!(difference <= tolerance)) ++bad;
  }
  EXPECT_EQ(bad, 0) << what << ": worst difference " << worst << ", tolerance " << tolerance;
}

class CudaConvLayoutTest : public test::CudaTest,
                           public ::testing::WithParamInterface<ConvLayoutChoice> {
 protected:
  void TearDown() override { cuda::set_conv_layout_choice(ConvLayoutChoice::kFastest); }
};

TEST_P(CudaConvLayoutTest, ConvolutionAndItsGradientsMatchTheCpu) {
  const ConvLayoutChoice choice = GetParam();
  cuda::set_conv_layout_choice(choice);
  set_allow_tf32(false);
  std::mt19937 gen(7);
  for (const ConvProblem& p : problems()) {
    SCOPED_TRACE(p.name);
    Graph graph;
    DefaultGraph use{graph};
    const Output x = placeholder(DType::kFloat32, p.input, "x");
    const Output w = placeholder(DType::kFloat32, p.filter, "w");
    const Output y = nn::conv2d(x, w, p.strides, p.padding);
    const Output dy = placeholder(DType::kFloat32, y.shape(), "dy");
    const std::vector<Output> grads = gradients({y}, {x, w}, {dy});
    const FeedDict feeds{{x, random_tensor(p.input, gen)},
                         {w, random_tensor(p.filter, gen)},
                         {dy, random_tensor(y.shape(), gen)}};

    Session cpu(graph, {}, testing::cpu_only());
    Session gpu(graph, {.device = "/gpu:0", .allow_soft_placement = false});
    const std::vector<Tensor> expected = cpu.run({y, grads[0], grads[1]}, feeds);
    for (int run = 1; run <= 2; ++run) {  // the search's run, then the cached choice's
      SCOPED_TRACE("run " + std::to_string(run));
      const std::vector<Tensor> actual = gpu.run({y, grads[0], grads[1]}, feeds);
      const std::int64_t patch = p.filter.dim(0) * p.filter.dim(1) * p.filter.dim(2);
      const std::int64_t pixels = p.input.dim(0) * y.shape().dim(1) * y.shape().dim(2);
      expect_close(expected[0], actual[0], patch, "Conv2D");
      expect_close(expected[1], actual[1], p.filter.dim(0) * p.filter.dim(1) * p.filter.dim(3),
                   "Conv2DBackpropInput");
      expect_close(expected[2], actual[2], pixels, "Conv2DBackpropFilter");
    }
  }

  // The cache holds each problem's three passes under this choice, in the layout asked for (pinned
  // to NHWC, a pass may still fall back to NCHW where cuDNN has no NHWC algorithm); the
  // fastest-wins search timed the layout copies.
  int entries = 0, nhwc = 0;
  for (const auto& [key, algorithm] : cuda::ConvAlgorithmCache::global().entries()) {
    const bool ours = std::ranges::any_of(problems(), [&](const ConvProblem& p) {
      return key.input[0] == p.input.dim(0) && key.filter[0] == p.filter.dim(0) &&
             key.filter[2] == p.filter.dim(2) && key.filter[3] == p.filter.dim(3);
    });
    if (!ours || key.layout_choice != choice || key.data_type != CUDNN_DATA_FLOAT) continue;
    ++entries;
    if (algorithm.layout == ConvLayout::kNhwc) ++nhwc;
    if (choice == ConvLayoutChoice::kNchw) {
      EXPECT_EQ(algorithm.layout, ConvLayout::kNchw);
    }
    if (choice == ConvLayoutChoice::kFastest) {
      EXPECT_GT(algorithm.copies_ms, 0.0f);
    }
    EXPECT_GT(algorithm.algorithm_ms, 0.0f);
  }
  EXPECT_EQ(entries, 3 * static_cast<int>(problems().size()));
  if (choice == ConvLayoutChoice::kNhwc) {
    EXPECT_GT(nhwc, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, CudaConvLayoutTest,
                         ::testing::Values(ConvLayoutChoice::kNhwc, ConvLayoutChoice::kNchw,
                                           ConvLayoutChoice::kFastest),
                         [](const ::testing::TestParamInfo<ConvLayoutChoice>& info) {
                           switch (info.param) {
                             case ConvLayoutChoice::kNhwc:
                               return std::string("Nhwc");
                             case ConvLayoutChoice::kNchw:
                               return std::string("Nchw");
                             case ConvLayoutChoice::kFastest:
                               return std::string("Fastest");
                           }
                           return std::string("Unknown");
                         });

}  // namespace
}  // namespace varscope
