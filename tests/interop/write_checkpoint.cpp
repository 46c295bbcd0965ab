// The safetensors interop check's program (check_safetensors.py runs it):
//
//   write_checkpoint save <dir>   builds variables of several dtypes and shapes (one partitioned),
//                                 saves them with Saver to <dir>/model-7.safetensors and prints the
//                                 values it saved as JSON: {"key": {"dtype", "shape", "values"}}
//   write_checkpoint load <file>  restores <file> (written by Python's safetensors) into the same
//                                 variables and prints their values the same way
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>

#include "varscope/saver.h"
#include "varscope/session.h"
#include "varscope/variable_scope.h"

namespace vs = varscope;

namespace {

struct Model {
  vs::Variable weights, bias, counts, step, mask, half, empty;
  vs::PartitionedVariable table;
};

Model build() {
  Model m;
  vs::VariableScope model{"model"};
  {
    vs::VariableScope conv{"conv1"};
    m.weights = vs::get_variable("weights", {2, 3, 1, 2});
    m.bias =
        vs::get_variable("bias", {2}, {.dtype = vs::DType::kFloat64, .initializer = vs::zeros()});
  }
  m.counts =
      vs::get_variable("counts", {4}, {.dtype = vs::DType::kInt32, .initializer = vs::zeros()});
  m.step = vs::get_variable("step", vs::Shape(std::vector<std::int64_t>{}),
                            {.dtype = vs::DType::kInt64, .initializer = vs::zeros()});
  m.mask = vs::get_variable("mask", {3}, {.dtype = vs::DType::kBool, .initializer = vs::zeros()});
  m.half =
      vs::get_variable("half", {2, 2}, {.dtype = vs::DType::kFloat16, .initializer = vs::zeros()});
  m.empty = vs::get_variable("empty", {0, 3}, {.initializer = vs::zeros()});
  m.table = vs::get_variable("table", {5, 2}, {.partitioner = vs::fixed_size_partitioner(2)})
                .partitioned();
  return m;
}

// The values the program saves: simple formulas, so a reader can tell elements apart.
vs::Tensor pattern(vs::DType dtype, const vs::Shape& shape, double scale, double offset) {
  vs::Tensor t(vs::DType::kFloat64, shape);
  for (std::int64_t i = 0; i < t.num_elements(); ++i)
    t.data<double>()[i] = offset + scale * static_cast<double>(i);
  return t.cast(dtype);
}

nlohmann::json describe(const vs::Tensor& t) {
  const vs::Tensor d = t.cast(vs::DType::kFloat64);
  return {{"dtype", std::string(vs::dtype_name(t.dtype()))},
          {"shape", t.shape().dims()},
          {"values", d.to_vector<double>()}};
}

vs::Tensor table_value(vs::Session& sess, const vs::PartitionedVariable& table) {
  vs::Tensor whole(vs::DType::kFloat32, table.shape());
  std::int64_t at = 0;
  for (const vs::Variable& shard : table) {
    const vs::Tensor v = sess.variable_value(shard);
    for (std::int64_t i = 0; i < v.num_elements(); ++i)
      whole.data<float>()[at + i] = v.data<float>()[i];
    at += v.num_elements();
  }
  return whole;
}

nlohmann::json dump(vs::Session& sess, const Model& m) {
  return {{"model/conv1/weights", describe(sess.variable_value(m.weights))},
          {"model/conv1/bias", describe(sess.variable_value(m.bias))},
          {"model/counts", describe(sess.variable_value(m.counts))},
          {"model/step", describe(sess.variable_value(m.step))},
          {"model/mask", describe(sess.variable_value(m.mask))},
          {"model/half", describe(sess.variable_value(m.half))},
          {"model/empty", describe(sess.variable_value(m.empty))},
          {"model/table", describe(table_value(sess, m.table))}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "save" && std::string(argv[1]) != "load")) {
    std::fprintf(stderr, "usage: write_checkpoint save <dir> | load <file>\n");
    return 2;
  }
  try {
    vs::Graph graph;
    vs::DefaultGraph use{graph};
    const Model m = build();
    vs::Session sess(graph);
    sess.run_targets({vs::global_variables_initializer()});
    vs::train::Saver saver;
    if (std::string(argv[1]) == "save") {
      sess.assign_variable(m.weights, pattern(vs::DType::kFloat32, m.weights.shape(), 0.25, -1.5));
      sess.assign_variable(m.bias, pattern(vs::DType::kFloat64, m.bias.shape(), 1e-3, 3.0));
      sess.assign_variable(m.counts, pattern(vs::DType::kInt32, m.counts.shape(), -7, 100));
      sess.assign_variable(m.step, pattern(vs::DType::kInt64, m.step.shape(), 0, 7));
      sess.assign_variable(m.mask, vs::Tensor::from_vector<bool>({true, false, true}));
      sess.assign_variable(m.half, pattern(vs::DType::kFloat16, m.half.shape(), 0.5, -1));
      std::int64_t row = 0;
      for (const vs::Variable& shard : m.table) {
        sess.assign_variable(
            shard, pattern(vs::DType::kFloat32, shard.shape(), 1, static_cast<double>(row * 2)));
        row += shard.shape().dims()[0];
      }
      saver.save(sess, std::string(argv[2]) + "/model", 7);
    } else {
      saver.restore(sess, argv[2]);
    }
    std::printf("%s\n", dump(sess, m).dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "write_checkpoint: %s\n", e.what());
    return 1;
  }
}
