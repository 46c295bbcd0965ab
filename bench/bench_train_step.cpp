// One training step of the reference CNN (support/fashion_cnn.h): forward, backward and Adam (or
// SGD) update, through Session::run, eagerly or replayed as a CUDA graph (graph:1), on random data, on the best device (the GPU when there is one:
// each step ends with the loss copied to the host, so wall time is step time). Reports images/s and
// the model GFLOP/s (3x the forward multiply-adds: forward, input gradient, weight gradient).
//
//   build/bench/bench_train_step --benchmark_min_time=5s
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "../examples/support/fashion_cnn.h"
#include "core/backend.h"  // cuda_available()
#include "varscope/session.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

// Multiply-add FLOPs of one image through the forward pass.
constexpr double kForwardFlops = 2.0 * (28 * 28 * 32 * 25      // conv1
                                        + 14 * 14 * 64 * 800   // conv2
                                        + 3136.0 * 1024        // dense
                                        + 1024 * 10);          // logits

vs::Tensor random_tensor(vs::Shape shape, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  vs::Tensor t(vs::DType::kFloat32, shape);
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.num_elements(); ++i) p[i] = dist(gen);
  return t;
}

// range(1): 1 lets float32 matmuls and convolutions use TF32 tensor cores (GPU only).
// range(2): 1 captures the step as a CUDA graph once warm (SessionOptions::capture_cuda_graphs).
void BM_TrainStep(benchmark::State& state, const std::string& optimizer) {
  const std::int64_t batch = state.range(0);
  vs::set_allow_tf32(state.range(1) != 0);
  vs::Graph graph;
  vs::DefaultGraph use{graph};
  graph.set_random_seed(1);
  const auto g = vs::examples::build_fashion_cnn_graph(optimizer, 1e-3, std::nullopt);
  vs::Session sess{graph, {.capture_cuda_graphs = state.range(2) != 0}};
  sess.run_targets({vs::global_variables_initializer()});
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 10);
  const vs::FeedDict feeds{{g.images, random_tensor(vs::Shape{batch, 28, 28, 1}, 7)},
                           {g.labels, vs::Tensor::from_vector(labels)}};
  for (int i = 0; i < 2; ++i) sess.run({g.loss}, feeds, {g.train_op});  // plan, arena, warm caches
  for (auto _ : state) {
    benchmark::DoNotOptimize(sess.run({g.loss}, feeds, {g.train_op}));
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["GFLOP/s"] = benchmark::Counter(3 * kForwardFlops * static_cast<double>(batch) * 1e-9 *
                                                     static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
  state.counters["replays"] = static_cast<double>(sess.capture_stats().replays);
  state.counters["activation_MiB"] =
      static_cast<double>(sess.memory_stats(vs::cuda_available() ? "/gpu:0" : "/cpu:0")
                              .peak_bytes(vs::MemoryCategory::kActivation)) /
      (1 << 20);
  vs::set_allow_tf32(false);  // process-wide: back to the default for the next benchmark
}
BENCHMARK_CAPTURE(BM_TrainStep, adam, std::string("adam"))
    ->ArgsProduct({{64, 400}, {0}, {0, 1}})
    ->ArgNames({"batch", "tf32", "graph"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// Plain SGD, fp32 and TF32: the steps bench/compare_pytorch.py times PyTorch on.
BENCHMARK_CAPTURE(BM_TrainStep, sgd, std::string("sgd"))
    ->ArgsProduct({{64, 400}, {0, 1}, {0, 1}})
    ->ArgNames({"batch", "tf32", "graph"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Inference(benchmark::State& state) {
  const std::int64_t batch = state.range(0);
  vs::Graph graph;
  vs::DefaultGraph use{graph};
  const vs::Output images = vs::placeholder(vs::DType::kFloat32, vs::Shape{-1, 28, 28, 1}, "images");
  const vs::Output logits = vs::examples::fashion_cnn(images, false);
  vs::Session sess{graph, {.capture_cuda_graphs = state.range(1) != 0}};
  sess.run_targets({vs::global_variables_initializer()});
  const vs::FeedDict feeds{{images, random_tensor(vs::Shape{batch, 28, 28, 1}, 7)}};
  for (int i = 0; i < 2; ++i) sess.run(logits, feeds);
  for (auto _ : state) benchmark::DoNotOptimize(sess.run(logits, feeds));
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["GFLOP/s"] = benchmark::Counter(
      kForwardFlops * static_cast<double>(batch) * 1e-9 * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Inference)
    ->ArgsProduct({{400}, {0, 1}})
    ->ArgNames({"batch", "graph"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// MatMul through a session at the reference CNN's dense shapes and a square one.
void BM_MatMul(benchmark::State& state) {
  const std::int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  vs::Graph graph;
  vs::DefaultGraph use{graph};
  const vs::Output a = vs::placeholder(vs::DType::kFloat32, vs::Shape{m, k}, "a");
  const vs::Output b = vs::placeholder(vs::DType::kFloat32, vs::Shape{k, n}, "b");
  const vs::Output c = vs::matmul(a, b);
  const vs::Output checksum = vs::reduce_sum(c);  // fetch a scalar: time the product, not the copy-out
  vs::Session sess{graph};
  const vs::FeedDict feeds{{a, random_tensor(vs::Shape{m, k}, 1)}, {b, random_tensor(vs::Shape{k, n}, 2)}};
  for (int i = 0; i < 2; ++i) sess.run(checksum, feeds);
  for (auto _ : state) benchmark::DoNotOptimize(sess.run(checksum, feeds));
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(m * k * n) * 1e-9 *
                                                     static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MatMul)
    ->Args({64, 3136, 1024})
    ->Args({400, 3136, 1024})
    ->Args({1024, 1024, 1024})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
BENCHMARK_MAIN();
