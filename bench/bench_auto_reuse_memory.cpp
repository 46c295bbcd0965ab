// AUTO_REUSE must be visible in the memory numbers: N towers of the reference CNN
// (support/fashion_cnn.h) built under one variable_scope("cnn", reuse=AUTO_REUSE) hold the
// variables of exactly one tower, while N towers in separate scopes ("cnn_0", "cnn_1", ...) hold N
// sets.
//
//   build/bench/bench_auto_reuse_memory    # on the GPU when there is one, else on the CPU
//
// The timed part is building the graph of N towers. Counters, for a session over that graph after
// initializing the variables and running one inference step of every tower (batch 8), all on the
// device the session places the towers on (the label names it):
//   variables       variables in GLOBAL_VARIABLES
//   variable_MB     Variable bytes on the device
//   sets            variable_MB / the bytes of one tower's variables (exactly 1 when shared)
//   reserved_MB     bytes the device allocator holds from the system
//   activation_MB   the peak of Activation bytes during one step (the second: the first plans)
// A shared run whose variables are not exactly one set fails with an error, so running this
// benchmark (ctest does, on the CPU) checks the sharing.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "../examples/support/fashion_cnn.h"
#include "core/backend.h"            // cuda_available(), cuda_backend()
#include "core/caching_allocator.h"  // the GPU's allocator counts requests rounded up
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

constexpr std::int64_t kBatch = 8;

// The logits of `towers` towers; shared: all under "cnn" (AUTO_REUSE), else "cnn_<i>".
std::vector<vs::Output> build_towers(const vs::Output& images, std::int64_t towers, bool shared) {
  std::vector<vs::Output> logits;
  for (std::int64_t i = 0; i < towers; ++i) {
    vs::NameScope tower{"tower_" + std::to_string(i)};
    logits.push_back(vs::examples::fashion_cnn(images, false, std::nullopt,
                                               shared ? "cnn" : "cnn_" + std::to_string(i)));
  }
  return logits;
}

// The bytes `variables` hold as the device's allocator counts them: the CPU's counts what was
// requested, the GPU's caching allocator each request rounded up to 512 bytes.
std::int64_t variable_bytes(const std::vector<vs::Variable>& variables, bool on_gpu) {
  std::int64_t bytes = 0;
  for (const vs::Variable& v : variables) {
    const auto requested = static_cast<std::size_t>(v.shape().num_elements()) * vs::dtype_size(v.dtype());
    bytes += static_cast<std::int64_t>(on_gpu ? vs::CachingAllocator::round_size(requested) : requested);
  }
  return bytes;
}

// The bytes of one tower's variables, from the graph alone (not from the allocator under test).
std::int64_t one_set_bytes() {
  static const std::int64_t bytes = [] {
    vs::Graph graph;
    vs::DefaultGraph use{graph};
    build_towers(vs::placeholder(vs::DType::kFloat32, vs::Shape{-1, 28, 28, 1}, "images"), 1, true);
    return variable_bytes(vs::global_variables(), vs::cuda_available());
  }();
  return bytes;
}

void BM_Towers(benchmark::State& state, bool shared) {
  const std::int64_t towers = state.range(0);
  std::unique_ptr<vs::Graph> graph;
  std::vector<vs::Output> logits;
  vs::Output images;
  for (auto _ : state) {
    graph = std::make_unique<vs::Graph>();
    vs::DefaultGraph use{*graph};
    images = vs::placeholder(vs::DType::kFloat32, vs::Shape{-1, 28, 28, 1}, "images");
    logits = build_towers(images, towers, shared);
  }

  vs::DefaultGraph use{*graph};
  const std::string device = vs::cuda_available() ? "/gpu:0" : "/cpu:0";
  state.SetLabel(vs::cuda_available() ? vs::cuda_backend()->name() : "CPU");
  vs::Session sess{*graph, {.device = device, .allow_soft_placement = false}};
  const vs::MemoryStats before = sess.memory_stats(device);
  sess.run_targets({vs::global_variables_initializer()});
  const vs::FeedDict feeds{
      {images, vs::Tensor::filled(vs::DType::kFloat32, vs::Shape{kBatch, 28, 28, 1}, 0.5)}};
  sess.run(logits, feeds);  // plans the arena
  sess.reset_peak_memory_stats(device);
  const vs::MemoryStats before_step = sess.memory_stats(device);
  sess.run(logits, feeds);
  const vs::MemoryStats after = sess.memory_stats(device);

  const auto variable_held = after.current_bytes(vs::MemoryCategory::kVariable) -
                             before.current_bytes(vs::MemoryCategory::kVariable);
  const double sets = static_cast<double>(variable_held) / static_cast<double>(one_set_bytes());
  state.counters["variables"] = static_cast<double>(vs::global_variables().size());
  state.counters["variable_MB"] = static_cast<double>(variable_held) / 1e6;
  state.counters["sets"] = sets;
  state.counters["reserved_MB"] = static_cast<double>(after.reserved) / 1e6;
  state.counters["activation_MB"] =
      static_cast<double>(after.peak_bytes(vs::MemoryCategory::kActivation) -
                          before_step.current_bytes(vs::MemoryCategory::kActivation)) /
      1e6;
  if (shared && variable_held != one_set_bytes()) {
    state.SkipWithError(("AUTO_REUSE towers hold " + std::to_string(variable_held) +
                         " bytes of variables, not the " + std::to_string(one_set_bytes()) +
                         " of one set")
                            .c_str());
  }
  if (!shared && variable_held != towers * one_set_bytes()) {
    state.SkipWithError(("separate towers hold " + std::to_string(variable_held) +
                         " bytes of variables, not " + std::to_string(towers) + " sets")
                            .c_str());
  }
}

void tower_counts(benchmark::internal::Benchmark* b) {
  for (const int n : {1, 2, 4, 8, 16, 32}) b->Arg(n);
  b->ArgName("towers")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
}
BENCHMARK_CAPTURE(BM_Towers, shared_auto_reuse, true)->Apply(tower_counts);
BENCHMARK_CAPTURE(BM_Towers, separate_scopes, false)->Apply(tower_counts);

}  // namespace

BENCHMARK_MAIN();
