// random_uniform with a computed shape (varscope/ops.h), as TF1's random_ops.random_uniform builds
// it when `shape` is a tensor: no "shape" Const, then the same "min", "max", "RandomUniform",
// "sub", "mul" and the Add named after the scope as the static-shape overload in core/ops.cpp.
#include "core/op_builder.h"
#include "varscope/name_scope.h"
#include "varscope/ops.h"

namespace varscope {

Output random_uniform(const Output& shape, DType dtype, double minval, double maxval,
                      std::optional<std::int64_t> seed, std::string_view name) {
  using namespace builder;
  expect_floating_dtype("RandomUniform", dtype);
  Graph& graph = graph_of("RandomUniform", {shape});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "random_uniform"};
  Output min = make_const(graph, Tensor::filled(dtype, Shape{}, minval), "min");
  Output max = make_const(graph, Tensor::filled(dtype, Shape{}, maxval), "max");
  auto [seed1, seed2] = graph.get_seed(seed);
  Output rnd =
      make_node(graph, "RandomUniform", "RandomUniform", {shape},
                {{"dtype", dtype}, {"seed", seed1}, {"seed2", seed2}, {"T", shape.dtype()}});
  Output range = max - min;  // Python evaluates `maxval - minval` before the product
  return add(rnd * range, min, ns.name());
}

}  // namespace varscope
