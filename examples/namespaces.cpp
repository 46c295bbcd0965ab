// How things are named: ops after their type, made unique per graph; tf.name_scope prefixing ops;
// tf.variable_scope naming variables (and opening a name scope for its ops). The TF1 program it
// mirrors, and whose output it prints, is tests/examples/namespaces.py:
//
//   a = tf.constant(1.0)                     # "Const:0"
//   with tf.name_scope("block"):
//     tf.add(a, b)                           # "block/Add:0"
//   with tf.variable_scope("layer"):
//     w = tf.get_variable("w", [2, 3])       # "layer/w:0"
//   with tf.variable_scope("layer", reuse=True):
//     tf.matmul(x, tf.get_variable("w"))     # variable "layer/w:0", op "layer_1/MatMul:0"
#include <cstdio>
#include <string>

#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

void show(const std::string& label, const vs::Output& tensor) {
  std::printf("  %-44s %s\n", label.c_str(), tensor.name().c_str());
}

void show_variable(const vs::Variable& v) {
  std::printf("  %-16s shape %-8s ops %s, %s, %s\n", v.name().c_str(),
              v.shape().to_string().c_str(), v.op_name().c_str(), v.initializer()->name().c_str(),
              v.value().node->name().c_str());
}

}  // namespace

int main() {
  vs::Graph g;
  vs::DefaultGraph use{g};

  std::printf("1. Ops are named after their type, made unique in the graph:\n");
  vs::Output a = vs::constant(1.0, vs::float32);
  vs::Output b = vs::constant(2.0, vs::float32);
  show("tf.constant(1.0)", a);
  show("tf.constant(2.0)", b);
  show("tf.add(a, b)", vs::add(a, b));
  show("a + b", a + b);  // "add" is taken: "Add" was, and names compare case-insensitively
  show("a + b", a + b);
  show("tf.add(a, b, name='sum')", vs::add(a, b, "sum"));
  show("tf.add(a, b, name='Sum')  (case-insensitive)", vs::add(a, b, "Sum"));

  std::printf("\n2. tf.name_scope prefixes op names; opening a name again makes a new scope:\n");
  {
    vs::NameScope scope{"block"};
    std::printf("  %-44s %s\n", "scope", scope.name().c_str());
    show("tf.add(a, b)", vs::add(a, b));
    vs::NameScope inner{"inner"};
    show("tf.multiply(a, b)", vs::multiply(a, b));
  }
  {
    vs::NameScope scope{"block"};
    std::printf("  %-44s %s\n", "scope (again)", scope.name().c_str());
    show("tf.add(a, b)", vs::add(a, b));
  }
  {
    vs::NameScope scope{"block/"};  // a trailing "/" re-enters the scope as it is
    show("tf.add(a, b) in 'block/' (re-entered)", vs::add(a, b));
  }

  std::printf("\n3. tf.variable_scope names variables (and opens a name scope for ops):\n");
  vs::Output x, y;
  vs::Variable w;
  {
    vs::VariableScope layer{"layer"};
    w = vs::get_variable("w", {2, 3});
    vs::Variable bias = vs::get_variable("b", {3}, {.initializer = vs::zeros()});
    x = vs::placeholder(vs::float32, {-1, 2}, "x");
    y = vs::matmul(x, w) + bias;
    show_variable(w);
    show_variable(bias);
    show("x (placeholder)", x);
    show("tf.matmul(x, w) + b", y);
    std::printf("  %-44s %s\n", "w initializer", w.initial_value().name().c_str());
  }

  std::printf(
      "\n4. Re-entering a variable scope by name: variables keep the name, ops get a new scope:\n");
  {
    vs::VariableScope layer{"layer", {.reuse = true}};
    vs::Variable w_again = vs::get_variable("w", {2, 3});
    std::printf("  %-44s %s (same variable: %s)\n", "get_variable('w')", w_again.name().c_str(),
                w_again == w ? "yes" : "no");
    show("tf.matmul(x, w)", vs::matmul(x, w_again));
  }

  std::printf("\n5. tf.Variable follows the name scope, like any op:\n");
  {
    vs::NameScope scope{"block"};
    vs::Variable v{vs::zeros({2}), {.name = "v"}};
    show_variable(v);
  }

  std::printf("\nglobal variables:\n");
  for (const vs::Variable& v : vs::global_variables()) std::printf("  %s\n", v.name().c_str());

  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  auto identity = vs::Tensor::from_vector<float>({1, 0, 0, 1}, {2, 2});
  vs::Tensor out = sess.run(y, {{x, identity}});
  vs::Tensor w_value = sess.run(w.value());
  std::printf("\nrun: x = identity rows, so matmul(x, w) + b gives back the rows of w: %s\n",
              out.to_vector<float>() == w_value.to_vector<float>() ? "yes" : "no");
  return 0;
}
