// Nested variable scopes: names join, reuse is inherited (and cannot be switched off below a
// reusing scope), a captured scope object can be re-entered from anywhere, and scope initializers
// are inherited. The TF1 program it mirrors, and whose output it prints, is
// tests/examples/nested_scopes.py:
//
//   with tf.variable_scope("foo"):
//     with tf.variable_scope("bar"):
//       v = tf.get_variable("v", [1])              # "foo/bar/v:0"
//   with tf.variable_scope("model") as model_scope: ...
//   with tf.variable_scope("other"):
//     with tf.variable_scope(model_scope):         # scope name "model" again, not "other/model"
#include <cstdio>
#include <string>

#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

void show_scope(int depth, const std::string& label) {
  vs::VariableScopeRef s = vs::get_variable_scope();
  const std::string indented = std::string(2 * static_cast<std::size_t>(depth), ' ') + label;
  std::printf("  %-28s name %-18s reuse %s\n", indented.c_str(), ("'" + s.name() + "'").c_str(),
              vs::to_string(s.reuse()).c_str());
}

void show(const std::string& label, const std::string& text) {
  std::printf("  %-28s %s\n", label.c_str(), text.c_str());
}

std::string joined(const vs::Tensor& t) {
  std::string s;
  for (float value : t.to_vector<float>()) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    s += (s.empty() ? "" : ", ") + std::string(text);
  }
  return "[" + s + "]";
}

}  // namespace

int main() {
  vs::Graph g;
  vs::DefaultGraph use{g};

  std::printf("1. Nested variable scopes join their names\n");
  {
    vs::VariableScope foo{"foo"};
    vs::VariableScope bar{"bar"};
    vs::Variable v = vs::get_variable("v", {1});
    vs::Output x = v.value() * 2.0;
    show("get_variable('v')", v.name());
    show("v * 2.0", x.name());
  }

  std::printf("\n2. Reuse is inherited by inner scopes and cannot be switched off below\n");
  {
    vs::VariableScope root{"root"};
    show_scope(0, "root");
    {
      vs::VariableScope foo{"foo"};
      show_scope(1, "foo");
    }
    {
      vs::VariableScope foo{"foo", {.reuse = true}};
      show_scope(1, "foo, reuse=True");
      {
        vs::VariableScope bar{"bar"};
        show_scope(2, "bar");
      }
      {
        vs::VariableScope baz{"baz", {.reuse = false}};
        show_scope(2, "baz, reuse=False");
      }
    }
    {
      vs::VariableScope automatic{"auto", {.reuse = vs::AUTO_REUSE}};
      show_scope(1, "auto, reuse=AUTO_REUSE");
      vs::VariableScope inner{"inner"};
      show_scope(2, "inner");
    }
    show_scope(0, "root (after)");
  }

  std::printf(
      "\n3. get_variable_scope().reuse_variables() turns reuse on for the rest of the scope\n");
  {
    vs::VariableScope counter{"counter"};
    vs::Variable c = vs::get_variable("c", {}, {.initializer = vs::zeros()});
    vs::get_variable_scope().reuse_variables();
    vs::Variable c1 = vs::get_variable("c", {});
    show("get_variable('c') twice",
         c.name() + ", " + c1.name() + " (same: " + (c1 == c ? "yes" : "no") + ")");
  }
  {
    vs::VariableScope counter{"counter"};
    show_scope(0, "counter (opened again)");
  }

  std::printf("\n4. A captured scope object can be re-entered from anywhere\n");
  vs::VariableScopeRef model_scope;
  vs::Variable w, b;
  vs::Output y, z;
  {
    vs::VariableScope model{"model"};
    model_scope = model.scope();
    w = vs::get_variable("w", {2}, {.initializer = vs::constant_initializer(1.5)});
  }
  show("captured", "name '" + model_scope.name() + "', original name scope '" +
                       model_scope.original_name_scope() + "'");
  {
    vs::VariableScope other{"other"};
    vs::VariableScope deep{"deep"};
    show("other/deep", "name '" + deep.name() + "'");
    vs::VariableScope again{model_scope};
    b = vs::get_variable("b", {2}, {.initializer = vs::constant_initializer(0.25)});
    y = w.value() + b.value();
    show("re-entered inside it", "name '" + again.name() + "' (not other/deep/model)");
    show("new variable", b.name());
    show("w + b", y.name());
  }
  {
    vs::VariableScope again{model_scope, {.reuse = true}};
    vs::Variable w1 = vs::get_variable("w", {2});
    vs::Variable b1 = vs::get_variable("b", {2});
    z = w1.value() * b1.value();
    show("reused",
         w1.name() + ", " + b1.name() + " (same: " + (w1 == w && b1 == b ? "yes" : "no") + ")");
    show("w * b", z.name());
  }

  std::printf("\n5. Scope initializers are inherited by inner scopes\n");
  vs::Variable p, q, r, s;
  {
    vs::VariableScope init{"init", {.initializer = vs::constant_initializer(0.4)}};
    p = vs::get_variable("p", {1});
    {
      vs::VariableScope inner{"inner"};
      q = vs::get_variable("q", {1});
      r = vs::get_variable("r", {1}, {.initializer = vs::constant_initializer(0.3)});
    }
    vs::VariableScope override_scope{"override", {.initializer = vs::constant_initializer(0.2)}};
    s = vs::get_variable("s", {1});
  }

  std::printf("\nvariables:\n");
  for (const vs::Variable& var : vs::global_variables()) std::printf("  %s\n", var.name().c_str());

  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  std::printf("\nrun:\n");
  std::printf("  %-28s %-6s = %s\n", y.node->name().c_str(), "w + b", joined(sess.run(y)).c_str());
  std::printf("  %-28s %-6s = %s\n", z.node->name().c_str(), "w * b", joined(sess.run(z)).c_str());
  for (const vs::Variable& var : {p, q, r, s}) {
    std::printf("  %-28s %g\n", var.name().c_str(), sess.run(var.value()).to_vector<float>()[0]);
  }
  return 0;
}
