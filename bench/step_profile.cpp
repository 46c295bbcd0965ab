// Where the reference CNN's training step spends its time: traced runs (RunOptions::kFullTrace)
// of the SGD step, summed per op type and listed per node, next to the untraced step (eager, and
// replayed as a CUDA graph on a GPU) and the step's floor from its FLOPs.
//
//   build/bench/step_profile [--batch 64] [--tf32] [--runs 20] [--top 15]
//
// Device time is what the device's queue took per step (CUDA events): for a step the device had to
// wait for, it includes the host's time to queue it, so "device" close to "host" marks a step bound
// by the host (what a CUDA graph removes).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "../examples/support/fashion_cnn.h"
#include "core/backend.h"  // cuda_available()
#include "varscope/session.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

// Multiply-add FLOPs of one image's training step: 3x the forward pass (forward, input and weight
// gradients), as bench_train_step counts them.
constexpr double kTrainFlopsPerImage =
    3 * 2.0 * (28 * 28 * 32 * 25 + 14 * 14 * 64 * 800 + 3136.0 * 1024 + 1024 * 10);

vs::Tensor random_images(std::int64_t batch, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(0.0f, 1.0f);
  vs::Tensor t(vs::DType::kFloat32, vs::Shape{batch, 28, 28, 1});
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.num_elements(); ++i) p[i] = dist(gen);
  return t;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Median wall milliseconds of `runs` calls of fn().
template <class Fn>
double median_ms(int runs, Fn&& fn) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  return median(std::move(ms));
}

struct Totals {
  int count = 0;
  double device_us = 0;
  double host_us = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Per-op profile of the reference CNN's SGD training step"};
  std::int64_t batch = 64;
  bool tf32 = false;
  int runs = 20;
  int top = 15;
  app.add_option("--batch", batch, "images per step")->check(CLI::PositiveNumber);
  app.add_flag("--tf32", tf32, "let float32 matmuls and convolutions use TF32 (GPU)");
  app.add_option("--runs", runs, "traced runs (medians are reported)")->check(CLI::PositiveNumber);
  app.add_option("--top", top, "nodes listed")->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  vs::set_allow_tf32(tf32);
  vs::Graph graph;
  vs::DefaultGraph use{graph};
  graph.set_random_seed(1);
  const auto model = vs::examples::build_fashion_cnn_graph("sgd", 1e-3, std::nullopt);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 10);
  const vs::FeedDict feeds{{model.images, random_images(batch, 7)},
                           {model.labels, vs::Tensor::from_vector(labels)}};
  const std::vector<vs::Output> fetches{model.loss};
  const std::vector<vs::Node*> targets{model.train_op};

  vs::Session eager{graph};
  vs::Session captured{graph, {.capture_cuda_graphs = true}};
  for (vs::Session* sess : {&eager, &captured}) {
    sess->run_targets({vs::global_variables_initializer()});
    for (int i = 0; i < 3; ++i)
      sess->run(fetches, feeds, targets);  // plan, arena, algorithm search
  }
  const double eager_ms = median_ms(50, [&] { eager.run(fetches, feeds, targets); });
  const double captured_ms = median_ms(50, [&] { captured.run(fetches, feeds, targets); });

  std::map<std::string, std::vector<double>> node_device, node_host;
  std::map<std::string, std::string> node_op;
  std::vector<std::string> order;
  for (int r = 0; r < runs; ++r) {
    vs::RunMetadata metadata;
    eager.run({.trace_level = vs::RunOptions::TraceLevel::kFullTrace}, fetches, feeds, targets,
              &metadata);
    for (const vs::NodeExecStats& s : metadata.step_stats) {
      if (r == 0) {
        order.push_back(s.node_name);
        node_op[s.node_name] = s.op;
      }
      node_device[s.node_name].push_back(s.device_micros);
      node_host[s.node_name].push_back(s.host_micros);
    }
  }
  std::map<std::string, Totals> per_op;
  Totals all;
  std::vector<std::pair<double, std::string>> by_device;
  for (const std::string& name : order) {
    const double device_us = median(node_device[name]), host_us = median(node_host[name]);
    Totals& t = per_op[node_op[name]];
    ++t.count;
    t.device_us += device_us;
    t.host_us += host_us;
    all.device_us += device_us;
    all.host_us += host_us;
    by_device.emplace_back(device_us, name);
  }

  const std::string device = vs::cuda_available() ? "GPU" : "CPU";
  const double floor_gflop = kTrainFlopsPerImage * static_cast<double>(batch) * 1e-9;
  std::printf("reference CNN, SGD step, batch %lld, %s%s, %zu steps in the plan\n",
              static_cast<long long>(batch), device.c_str(), tf32 ? " (TF32 allowed)" : "",
              order.size());
  const vs::CaptureStats capture = captured.capture_stats();
  std::printf(
      "untraced step: eager %.3f ms, captured%s %.3f ms (%lld replays of %lld graph nodes); %.2f "
      "GFLOP per step\n",
      eager_ms, capture.replays > 0 ? "" : " (not captured here)", captured_ms,
      static_cast<long long>(capture.replays),
      static_cast<long long>(capture.last_capture_operations), floor_gflop);
  std::printf("traced (median of %d): device %.3f ms, host %.3f ms summed over steps\n\n", runs,
              all.device_us * 1e-3, all.host_us * 1e-3);

  std::vector<std::pair<std::string, Totals>> ops(per_op.begin(), per_op.end());
  std::sort(ops.begin(), ops.end(),
            [](const auto& a, const auto& b) { return a.second.device_us > b.second.device_us; });
  std::printf("%-34s %5s %12s %12s %7s\n", "op", "count", "device us", "host us", "device%");
  for (const auto& [op, t] : ops) {
    std::printf("%-34s %5d %12.1f %12.1f %6.1f%%\n", op.c_str(), t.count, t.device_us, t.host_us,
                100 * t.device_us / std::max(all.device_us, 1e-9));
  }
  std::sort(by_device.rbegin(), by_device.rend());
  std::printf("\n%-80s %12s %12s\n", "node (slowest first)", "device us", "host us");
  for (int i = 0; i < top && i < static_cast<int>(by_device.size()); ++i) {
    const std::string& name = by_device[static_cast<std::size_t>(i)].second;
    std::printf("%-80s %12.1f %12.1f\n", (name + " (" + node_op[name] + ")").c_str(),
                median(node_device[name]), median(node_host[name]));
  }
  return 0;
}
