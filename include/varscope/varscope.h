// varscope: TensorFlow 1's scoped variables (variable_scope, get_variable, name_scope, reuse,
// AUTO_REUSE) on a C++20 graph runtime with Eigen (CPU) and CUDA backends.
//
// Worked example: two towers sharing one set of variables.
//
//   #include <varscope/varscope.h>
//   namespace vs = varscope;
//
//   vs::Graph g;
//   vs::DefaultGraph use{g};
//   auto x = vs::placeholder(vs::float32, {-1, 4}, "x");
//   auto tower = [&](const vs::Output& in) {
//     vs::VariableScope model{"model", {.reuse = vs::AUTO_REUSE}};
//     auto w = vs::get_variable("w", {4, 2});                        // "model/w:0"
//     auto b = vs::get_variable("b", {2}, {.initializer = vs::zeros()});
//     return vs::reduce_sum(vs::multiply(in, vs::reduce_sum(w))) + b;  // ops "model/...", "model_1/..."
//   };
//   auto y1 = tower(x), y2 = tower(x);                               // one set of variables
//   vs::Session sess{g};
//   sess.run_targets({vs::global_variables_initializer()});
//   vs::Tensor w = sess.run(g.tensor_by_name("model/w:0"));
#pragma once

#include "varscope/checkpoint_reader.h"
#include "varscope/collections.h"
#include "varscope/constraints.h"
#include "varscope/device.h"
#include "varscope/device_setter.h"
#include "varscope/dtype.h"
#include "varscope/error.h"
#include "varscope/gradients.h"
#include "varscope/graph.h"
#include "varscope/initializers.h"
#include "varscope/layers.h"
#include "varscope/math_mode.h"
#include "varscope/memory.h"
#include "varscope/name_scope.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/partitioners.h"
#include "varscope/regularizers.h"
#include "varscope/saver.h"
#include "varscope/session.h"
#include "varscope/shape.h"
#include "varscope/summary.h"
#include "varscope/tensor.h"
#include "varscope/train.h"
#include "varscope/variable.h"
#include "varscope/variable_scope.h"
#include "varscope/variable_store.h"
