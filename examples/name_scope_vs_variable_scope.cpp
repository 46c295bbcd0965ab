// tf.name_scope versus tf.variable_scope: get_variable ignores name scopes (its names follow the
// variable scope only), while ops and tf.Variable take every enclosing name scope. The TF1 program
// it mirrors, and whose output it prints, is tests/examples/name_scope_vs_variable_scope.py:
//
//   with tf.name_scope("my_scope"):
//     v1 = tf.get_variable("var1", [1])      # "var1:0"
//     v2 = tf.Variable(..., name="var2")     # "my_scope/var2:0"
//     a = tf.add(v1, v2)                     # "my_scope/Add:0"
//   with tf.variable_scope("my_scope"):
//     tf.get_variable("var1", [1])           # "my_scope/var1:0"
//     tf.Variable(..., name="var2")          # "my_scope_1/var2:0": the name scope is uniquified
#include <cstdio>
#include <string>
#include <vector>

#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

void show(const std::string& label, const std::string& name) {
  std::printf("  %-40s %s\n", label.c_str(), name.c_str());
}

vs::Output vector_constant(float value) {
  return vs::constant(vs::Tensor::from_vector<float>({value}));
}

}  // namespace

int main() {
  vs::Graph g;
  vs::DefaultGraph use{g};

  std::printf("1. Under tf.name_scope: get_variable ignores it, tf.Variable and ops take it\n");
  vs::Output a;
  {
    vs::NameScope scope{"my_scope"};
    vs::Variable v1 = vs::get_variable("var1", {1}, {.initializer = vs::constant_initializer(1.0)});
    vs::Variable v2{vector_constant(2.0f), {.name = "var2"}};
    a = vs::add(v1, v2);
    show("get_variable('var1')", v1.name());
    show("tf.Variable(name='var2')", v2.name());
    show("tf.add(var1, var2)", a.name());
  }

  std::printf("\n2. Under tf.variable_scope: all three take it (its name scope is uniquified)\n");
  vs::Output b;
  {
    vs::VariableScope scope{"my_scope"};
    vs::Variable v3 = vs::get_variable("var1", {1}, {.initializer = vs::constant_initializer(3.0)});
    vs::Variable v4{vector_constant(4.0f), {.name = "var2"}};
    b = vs::add(v3, v4);
    show("get_variable('var1')", v3.name());
    show("tf.Variable(name='var2')", v4.name());
    show("tf.add(var1, var2)", b.name());
  }

  std::printf("\n3. A name scope inside a variable scope: only ops see it\n");
  vs::Variable v;
  vs::Output x;
  {
    vs::VariableScope foo{"foo"};
    vs::NameScope bar{"bar"};
    v = vs::get_variable("v", {1}, {.initializer = vs::constant_initializer(0.5)});
    x = 1.0 + v.value();
  }
  show("get_variable('v')", v.name());
  show("1.0 + v", x.name());
  show("its constant 1.0", x.node->inputs()[0].name());

  std::printf(
      "\n4. A variable scope inside a name scope: ops get both, variables only the variable "
      "scope\n");
  vs::Variable w;
  vs::Output y;
  {
    vs::NameScope ns{"ns"};
    vs::VariableScope scope{"vs"};
    w = vs::get_variable("w", {}, {.initializer = vs::constant_initializer(3.0)});
    y = w.value() * 2.0;
  }
  show("get_variable('w')", w.name());
  show("w * 2.0", y.name());
  show("w's initializer", w.initializer()->name());

  std::printf("\n5. Sharing works through the variable scope, whatever the name scope\n");
  vs::Output z;
  {
    vs::NameScope ns{"another_name_scope"};
    vs::VariableScope foo{"foo", {.reuse = true}};
    vs::Variable v_again = vs::get_variable("v", {1});
    z = v_again.value() * 10.0;
    show("get_variable('v') again",
         v_again.name() + " (same variable: " + (v_again == v ? "yes" : "no") + ")");
  }
  show("v * 10.0", z.name());

  std::printf("\nvariables in the graph:\n");
  for (const vs::Variable& var : vs::global_variables()) std::printf("  %s\n", var.name().c_str());

  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  const std::vector<vs::Output> fetches = {a, b, x, y, z};
  const std::vector<std::string> formulas = {"1 + 2", "3 + 4", "1 + 0.5", "3 * 2", "0.5 * 10"};
  std::vector<vs::Tensor> values = sess.run(fetches);
  std::printf("\nrun:\n");
  for (std::size_t i = 0; i < fetches.size(); ++i) {
    char value[32];
    std::snprintf(value, sizeof value, "%g", values[i].to_vector<float>()[0]);
    show(fetches[i].node->name() + " = " + formulas[i], value);
  }
  return 0;
}
