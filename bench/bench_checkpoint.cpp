// Saving and restoring the reference CNN with its Adam slots (support/fashion_cnn.h): 27 tensors,
// 9.8 M floats, 39 MB. Save includes the fsync of the file and the rename that make it atomic, so
// its time depends on the disk; restore includes checking the header and reading the file.
//
//   build/bench/bench_checkpoint --benchmark_min_time=3
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "../examples/support/fashion_cnn.h"
#include "varscope/saver.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

struct Model {
  vs::Graph graph;
  std::unique_ptr<vs::Session> sess;
  std::unique_ptr<vs::train::Saver> saver;
  std::int64_t bytes = 0;
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("varscope_bench_checkpoint_" + std::to_string(::getpid()));

  Model() {
    vs::DefaultGraph use{graph};
    graph.set_random_seed(1);
    vs::examples::build_fashion_cnn_graph("adam", 1e-3, std::nullopt);
    sess = std::make_unique<vs::Session>(graph);
    sess->run_targets({vs::global_variables_initializer()});
    saver = std::make_unique<vs::train::Saver>(vs::train::SaverOptions{}, graph);
    for (const vs::Variable& v : vs::global_variables("", graph)) {
      bytes += static_cast<std::int64_t>(v.shape().num_elements() * vs::dtype_size(v.dtype()));
    }
    std::filesystem::create_directories(dir);
  }
  ~Model() { std::filesystem::remove_all(dir); }
};

void BM_Save(benchmark::State& state) {
  Model model;
  for (auto _ : state) model.saver->save(*model.sess, (model.dir / "model").string());
  state.SetBytesProcessed(state.iterations() * model.bytes);
  state.counters["MB"] = static_cast<double>(model.bytes) / 1e6;
}
BENCHMARK(BM_Save)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Restore(benchmark::State& state) {
  Model model;
  const std::string path = model.saver->save(*model.sess, (model.dir / "model").string());
  for (auto _ : state) model.saver->restore(*model.sess, path);
  state.SetBytesProcessed(state.iterations() * model.bytes);
}
BENCHMARK(BM_Restore)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
