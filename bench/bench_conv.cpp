// Conv2D forward and both backprops on the CPU at the reference CNN's shapes (5x5 SAME filters,
// stride 1): conv1 28x28x1 -> 32 and conv2 14x14x32 -> 64, batch 64 (and 400 with
// --benchmark_filter). Reported in GFLOP/s (2 * N * OH * OW * KH * KW * C_in * C_out per op) over
// wall time, since the kernels use the whole thread pool (VARSCOPE_NUM_THREADS).
//
//   build/bench/bench_conv --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

enum class Pass { kForward, kBackpropInput, kBackpropFilter };

struct Layer {
  std::int64_t hw, c_in, c_out;
};
constexpr Layer kConv1{28, 1, 32};
constexpr Layer kConv2{14, 32, 64};

vs::Tensor random_tensor(const vs::Shape& shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  vs::Tensor t(vs::float32, shape);
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.num_elements(); ++i) p[i] = dist(gen);
  return t;
}

void BM_Conv(benchmark::State& state, Layer layer, Pass pass) {
  const std::int64_t batch = state.range(0);
  const vs::Shape input_shape{batch, layer.hw, layer.hw, layer.c_in};
  const vs::Shape filter_shape{5, 5, layer.c_in, layer.c_out};
  const vs::Shape output_shape{batch, layer.hw, layer.hw, layer.c_out};
  vs::Graph g;
  vs::DefaultGraph use{g};
  const std::vector<std::int64_t> strides{1, 1, 1, 1};
  vs::Output x = vs::constant(random_tensor(input_shape, 1), "x");
  vs::Output w = vs::constant(random_tensor(filter_shape, 2), "w");
  vs::Output dy = vs::constant(random_tensor(output_shape, 3), "dy");
  vs::Output op;
  switch (pass) {
    case Pass::kForward:
      op = vs::nn::conv2d(x, w, strides, "SAME");
      break;
    case Pass::kBackpropInput:
      op = vs::nn::conv2d_backprop_input(vs::shape(x), w, dy, strides, "SAME");
      break;
    case Pass::kBackpropFilter:
      op = vs::nn::conv2d_backprop_filter(x, vs::shape(w), dy, strides, "SAME");
      break;
  }
  vs::Session session{g};
  session.run(op);  // warm up: plans, workspace, thread pool
  for (auto _ : state) benchmark::DoNotOptimize(session.run(op));
  const double flops =
      2.0 * static_cast<double>(batch * layer.hw * layer.hw * 25 * layer.c_in * layer.c_out);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::to_string(layer.hw) + "x" + std::to_string(layer.hw) + "x" +
                 std::to_string(layer.c_in) + " -> " + std::to_string(layer.c_out) + ", 5x5 SAME");
}

#define VS_CONV_BENCH(name, layer, pass)        \
  BENCHMARK_CAPTURE(BM_Conv, name, layer, pass) \
      ->Arg(64)                                 \
      ->Arg(400)                                \
      ->UseRealTime()                           \
      ->Unit(benchmark::kMillisecond)

VS_CONV_BENCH(conv1_forward, kConv1, Pass::kForward);
VS_CONV_BENCH(conv1_backprop_filter, kConv1, Pass::kBackpropFilter);
VS_CONV_BENCH(conv1_backprop_input, kConv1, Pass::kBackpropInput);
VS_CONV_BENCH(conv2_forward, kConv2, Pass::kForward);
VS_CONV_BENCH(conv2_backprop_input, kConv2, Pass::kBackpropInput);
VS_CONV_BENCH(conv2_backprop_filter, kConv2, Pass::kBackpropFilter);

}  // namespace

BENCHMARK_MAIN();
