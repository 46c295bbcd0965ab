// Sharing variables by reuse, the three ways TF1 offers, and the errors when reuse is wrong. The
// TF1 program it mirrors, and whose output it prints, is tests/examples/sharing_reuse.py:
//
//   with tf.variable_scope("dense"): y1 = dense(x, 2)                # creates dense/weights,
//   biases with tf.variable_scope("dense", reuse=True): y2 = dense(x, 2)    # 1. reuses them with
//   tf.variable_scope("dense") as scope:
//     y1 = dense(x, 2); scope.reuse_variables(); y2 = dense(x, 2)    # 2.
//   with tf.variable_scope(scope, reuse=True): y2 = dense(x, 2)      # 3. the captured scope object
//
// Each way builds two outputs from one set of variables; running them shows one assignment to the
// weights changes both.
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

// A layer whose variables are named by the caller's variable scope.
vs::Output dense(const vs::Output& x, std::int64_t units) {
  vs::Variable w =
      vs::get_variable("weights", {3, units}, {.initializer = vs::constant_initializer(0.5)});
  vs::Variable b = vs::get_variable("biases", {units}, {.initializer = vs::zeros()});
  return vs::matmul(x, w) + b;
}

std::string first_line(const std::exception& error) {
  const std::string text = error.what();
  return text.substr(0, text.find('\n'));
}

std::string values(const std::vector<vs::Output>& outputs, const std::vector<vs::Tensor>& ys) {
  std::string s;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    std::vector<float> row = ys[i].to_vector<float>();
    char text[64];
    std::snprintf(text, sizeof text, "[%g, %g]", row[0], row[1]);
    s += (i > 0 ? ", " : "") + outputs[i].node->name() + " = " + text;
  }
  return s;
}

// Prints the variables and outputs of `g`, runs the outputs, then adds 1 to the weights and runs
// them again.
void report(vs::Graph& g, const std::vector<vs::Output>& outputs, const vs::Output& x) {
  const std::vector<vs::Variable> variables = vs::global_variables("", g);
  for (const vs::Variable& v : variables) {
    std::printf("  variable %-16s %s\n", v.name().c_str(), v.shape().to_string().c_str());
  }
  for (const vs::Output& y : outputs) std::printf("  output   %s\n", y.name().c_str());
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  const vs::FeedDict feed = {{x, vs::Tensor::from_vector<float>({1, 2, 3}, {1, 3})}};
  std::printf("  run, x = [1, 2, 3]:  %s\n", values(outputs, sess.run(outputs, feed)).c_str());
  sess.run(vs::assign_add(variables[0], vs::ones({3, 2})));
  std::printf("  after weights += 1: %s\n", values(outputs, sess.run(outputs, feed)).c_str());
}

// Builds into a fresh graph: `build(x)` returns the outputs to report.
void in_new_graph(const std::function<std::vector<vs::Output>(const vs::Output&)>& build) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Output x = vs::placeholder(vs::float32, {-1, 3}, "x");
  report(g, build(x), x);
}

}  // namespace

int main() {
  std::printf("1. reuse=True when re-opening the scope\n");
  in_new_graph([](const vs::Output& x) {
    vs::Output y1, y2;
    {
      vs::VariableScope scope{"dense"};
      y1 = dense(x, 2);
    }
    {
      vs::VariableScope scope{"dense", {.reuse = true}};
      y2 = dense(x, 2);
    }
    return std::vector<vs::Output>{y1, y2};
  });

  std::printf("\n2. scope.reuse_variables() inside the scope\n");
  in_new_graph([](const vs::Output& x) {
    vs::VariableScope scope{"dense"};
    vs::Output y1 = dense(x, 2);
    scope.reuse_variables();
    vs::Output y2 = dense(x, 2);
    return std::vector<vs::Output>{y1, y2};
  });

  std::printf("\n3. re-entering the captured scope object with reuse=True\n");
  in_new_graph([](const vs::Output& x) {
    vs::VariableScopeRef captured;
    vs::Output y1, y2;
    {
      vs::VariableScope scope{"dense"};
      captured = scope.scope();
      y1 = dense(x, 2);
    }
    {
      vs::VariableScope scope{captured, {.reuse = true}};
      y2 = dense(x, 2);
    }
    return std::vector<vs::Output>{y1, y2};
  });

  std::printf("\n4. reuse used wrongly\n");
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Output x = vs::placeholder(vs::float32, {-1, 3}, "x");
  {
    vs::VariableScope scope{"dense"};
    dense(x, 2);
  }
  try {
    vs::VariableScope scope{"dense"};  // no reuse: the second call would create again
    dense(x, 2);
  } catch (const vs::ValueError& e) {
    std::printf("  without reuse:       ValueError: %s\n", first_line(e).c_str());
  }
  try {
    vs::VariableScope scope{"other", {.reuse = true}};  // reuse, but nothing to reuse
    dense(x, 2);
  } catch (const vs::ValueError& e) {
    std::printf("  reuse, no variable:  ValueError: %s\n", first_line(e).c_str());
  }
  try {
    vs::VariableScope scope{"dense", {.reuse = true}};  // reuse with another shape
    dense(x, 4);
  } catch (const vs::ValueError& e) {
    std::printf("  reuse, other shape:  ValueError: %s\n", first_line(e).c_str());
  }
  std::string names;
  for (const vs::Variable& v : vs::global_variables())
    names += (names.empty() ? "" : ", ") + v.name();
  std::printf("  variables after the errors: %s\n", names.c_str());
  return 0;
}
