// How fast the scoping machinery is: get_variable lookups under AUTO_REUSE, scope enter/exit, and
// creating variables. Target (issue 2): a lookup of an existing variable under 1 us.
//
//   build/bench/bench_variable_scope --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

// The hot path of weight sharing: a tower asks for a variable that already exists.
void BM_GetVariableLookupAutoReuse(benchmark::State& state) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope model{"model", {.reuse = vs::AUTO_REUSE}};
  vs::VariableScope conv{"conv1"};
  vs::get_variable("weights", {5, 5, 1, 32});
  for (auto _ : state) {
    vs::GetVariableResult w = vs::get_variable("weights", {5, 5, 1, 32});
    benchmark::DoNotOptimize(w);
  }
  state.SetLabel("existing variable, shape given");
}
BENCHMARK(BM_GetVariableLookupAutoReuse);

// The same lookup among many variables (a larger store).
void BM_GetVariableLookupAmong(benchmark::State& state) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope model{"model", {.reuse = vs::AUTO_REUSE}};
  const auto count = state.range(0);
  for (std::int64_t i = 0; i < count; ++i) vs::get_variable("v" + std::to_string(i), {4});
  const std::string name = "v" + std::to_string(count / 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(vs::get_variable(name, {4}));
  }
}
BENCHMARK(BM_GetVariableLookupAmong)->Arg(10)->Arg(1000)->Arg(100000);

// Entering and leaving a variable scope without a name scope (nothing accumulates in the graph).
void BM_VariableScopeEnterExit(benchmark::State& state) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  for (auto _ : state) {
    vs::VariableScope s{"tower", {.auxiliary_name_scope = false}};
    benchmark::DoNotOptimize(s.name());
  }
}
BENCHMARK(BM_VariableScopeEnterExit);

// The usual form: each entry also opens a fresh name scope ("tower", "tower_1", ...), so the graph
// records one more name per iteration, as TensorFlow does.
void BM_VariableScopeEnterExitWithNameScope(benchmark::State& state) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  for (auto _ : state) {
    vs::VariableScope s{"tower"};
    benchmark::DoNotOptimize(s.original_name_scope());
  }
}
BENCHMARK(BM_VariableScopeEnterExitWithNameScope)->Iterations(200000);

// One tower's worth of sharing: enter an AUTO_REUSE scope and fetch four existing variables.
void BM_TowerReuse(benchmark::State& state) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto tower = [] {
    vs::VariableScope model{"model", {.reuse = vs::AUTO_REUSE, .auxiliary_name_scope = false}};
    benchmark::DoNotOptimize(vs::get_variable("conv1/w", {5, 5, 1, 32}));
    benchmark::DoNotOptimize(vs::get_variable("conv1/b", {32}));
    benchmark::DoNotOptimize(vs::get_variable("dense/w", {3136, 1024}));
    benchmark::DoNotOptimize(vs::get_variable("dense/b", {1024}));
  };
  tower();
  for (auto _ : state) tower();
  state.SetItemsProcessed(state.iterations() * 4);
}
BENCHMARK(BM_TowerReuse);

// Creating a variable: the VariableV2, Assign, read and initializer nodes.
void BM_GetVariableCreate(benchmark::State& state) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::int64_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(vs::get_variable("v" + std::to_string(i++), {16, 16}));
  }
}
BENCHMARK(BM_GetVariableCreate)->Iterations(20000);

}  // namespace

BENCHMARK_MAIN();
