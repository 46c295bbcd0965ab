// Two towers that share one set of variables through AUTO_REUSE, the TF1 idiom
//
//   def tower(x):
//     with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
//       w = tf.get_variable("w", [4], initializer=tf.glorot_uniform_initializer(seed=1))
//       b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
//       return tf.reduce_sum(x * w, axis=1) + b
//
// It prints the variable table (one set), the ops of each tower (two name scopes), the values
// after initialization, and the Variable bytes the session holds (one set's worth). With the
// default options it prints exactly what TensorFlow prints for tests/examples/auto_reuse_towers.py
// (checked by ctest). w's initializer has an op seed: without one TF1 derives it from the graph's
// op count and TF 2's compat.v1 from a counter of random ops, so only an explicit seed gives both
// the same values.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>  // provides: CLI::App

#include "varscope/varscope.h"

namespace vs = varscope;

int main(int argc, char** argv) {
  CLI::App app{"Two towers sharing variables under AUTO_REUSE"};
  int towers = 2;
  std::int64_t seed = 42;
  app.add_option("--towers", towers, "number of towers")->check(CLI::Range(1, 64));
  app.add_option("--seed", seed, "graph-level random seed");
  CLI11_PARSE(app, argc, argv);

  vs::Graph g;
  vs::DefaultGraph use{g};
  g.set_random_seed(seed);
  auto x = vs::placeholder(vs::float32, {-1, 4}, "x");

  auto tower = [&](const vs::Output& in) {
    vs::VariableScope model{"model", {.reuse = vs::AUTO_REUSE}};
    vs::Variable w = vs::get_variable("w", {4}, {.initializer = vs::glorot_uniform(1)});
    vs::Variable b = vs::get_variable("b", {1}, {.initializer = vs::zeros()});
    return vs::reduce_sum(in * w, std::vector<std::int64_t>{1}) + b;
  };
  std::vector<vs::Output> outputs;
  for (int i = 0; i < towers; ++i) outputs.push_back(tower(x));

  std::printf("%d towers, %zu variables\n\n", towers, vs::global_variables().size());
  std::printf("%-12s %-8s %-8s %-9s %s\n", "variable", "shape", "dtype", "trainable",
              "initializer op");
  for (const vs::Variable& v : vs::global_variables()) {
    std::printf("%-12s %-8s %-8s %-9s %s\n", v.name().c_str(), v.shape().to_string().c_str(),
                std::string(vs::dtype_name(v.dtype())).c_str(), v.trainable() ? "yes" : "no",
                v.initial_value().name().c_str());
  }
  std::printf("\ntower outputs (ops live in one name scope per tower):\n");
  for (const vs::Output& y : outputs) std::printf("  %s\n", y.name().c_str());

  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  std::printf("\nvalues:\n");
  for (const vs::Variable& v : vs::global_variables()) {
    std::printf("  %-12s", v.name().c_str());
    for (float value : sess.run(v.value()).to_vector<float>()) std::printf(" % .6f", value);
    std::printf("\n");
  }
  auto feed = vs::Tensor::from_vector<float>({1, 2, 3, 4, 0.5f, 0.5f, 0.5f, 0.5f}, {2, 4});
  std::vector<vs::Tensor> ys = sess.run(outputs, {{x, feed}});
  std::printf("\nevery tower computes the same function of x:\n");
  for (std::size_t i = 0; i < ys.size(); ++i) {
    auto y = ys[i].to_vector<float>();
    std::printf("  tower %zu: [% .6f, % .6f]\n", i, y[0], y[1]);
  }
  vs::MemoryStats stats = sess.memory_stats("/cpu:0");
  std::printf("\nVariable bytes held: %lld (one set: 4 + 1 floats = 20 bytes)\n",
              static_cast<long long>(stats.current_bytes(vs::MemoryCategory::kVariable)));
  return 0;
}
