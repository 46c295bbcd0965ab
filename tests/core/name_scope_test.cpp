// Acceptance tests for graph names and name scopes: shared/spec/variable_scope.md §1.2 and §2 F
// (cases 56-64). Expected names were checked against TensorFlow (tf.compat.v1, graph mode).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

// `const(1, name=...)`: a scalar Const; returns its tensor name ("c:0").
std::string const_name(std::string_view name) { return vs::constant(vs::Tensor::scalar(1.0f), name).name(); }

// `with tf.name_scope(name) as sc: return sc`.
std::string ns_name(std::string_view name) {
  vs::NameScope n{name};
  return n.name();
}

// `with tf.name_scope(name): pass` (for error checks).
void open_name_scope(std::string_view name) { vs::NameScope n{name}; }

// `with tf.variable_scope(name): pass`.
void open_variable_scope(std::string_view name) { vs::VariableScope s{name}; }

}  // namespace

// ---------------------------------------------------------------------------------------------
// §1.2 Graph.unique_name
// ---------------------------------------------------------------------------------------------

// §1.2 rule 3: first use is bare, then _1, _2, ...
TEST(UniqueName, FirstUseIsBareThenNumbered) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(g.unique_name("foo"), "foo");
  EXPECT_EQ(g.unique_name("foo"), "foo_1");
  EXPECT_EQ(g.unique_name("foo"), "foo_2");
  EXPECT_EQ(g.unique_name("bar"), "bar");
}

// §1.2: names are compared case-insensitively; the caller's capitalisation is kept.
TEST(UniqueName, CaseInsensitiveKeepsCallerCapitalisation) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(g.unique_name("Foo"), "Foo");
  EXPECT_EQ(g.unique_name("foo"), "foo_1");
  EXPECT_EQ(g.unique_name("FOO"), "FOO_2");
}

// §1.2: an explicitly taken "foo_1" is skipped; asking for a taken "foo_1" gives "foo_1_1".
TEST(UniqueName, SkipsExplicitlyTakenSuffixes) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(g.unique_name("foo"), "foo");
  EXPECT_EQ(g.unique_name("foo_1"), "foo_1");
  EXPECT_EQ(g.unique_name("foo"), "foo_2");
  EXPECT_EQ(g.unique_name("foo_1"), "foo_1_1");
}

// §1.10 OpAndScopeNameCollision (same outcomes as Python's unique_name; checked with TF).
TEST(UniqueName, OpAndScopeNameCollisionSequence) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(g.unique_name("foo"), "foo");
  EXPECT_EQ(g.unique_name("foo"), "foo_1");
  EXPECT_EQ(g.unique_name("foo_1"), "foo_1_1");
  EXPECT_EQ(g.unique_name("foo_2"), "foo_2");
  EXPECT_EQ(g.unique_name("foo"), "foo_3");
  EXPECT_EQ(g.unique_name("foo_2"), "foo_2_1");
}

// §1.2: mark_as_used=false reports the next name without reserving it.
TEST(UniqueName, MarkAsUsedFalseDoesNotReserve) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(g.unique_name("bar", /*mark_as_used=*/false), "bar");
  EXPECT_EQ(g.unique_name("bar", /*mark_as_used=*/false), "bar");
  EXPECT_EQ(g.unique_name("bar"), "bar");
  EXPECT_EQ(g.unique_name("bar", /*mark_as_used=*/false), "bar_1");
  EXPECT_EQ(g.unique_name("bar"), "bar_1");
  EXPECT_EQ(g.unique_name("bar"), "bar_2");
}

// §1.2 rule 1: the current name scope is prefixed.
TEST(UniqueName, PrefixesCurrentNameScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::NameScope a{"a"};
  vs::NameScope x{"x"};
  EXPECT_EQ(g.get_name_scope(), "a/x");
  EXPECT_EQ(vs::get_name_scope(), "a/x");
  EXPECT_EQ(g.unique_name("q"), "a/x/q");
  EXPECT_EQ(g.unique_name("q", /*mark_as_used=*/false), "a/x/q_1");
}

// §1.2: only the full name is keyed ("s/x" and "x" are different keys; "s" twice gives "s_1").
TEST(UniqueName, OnlyFullNamesAreKeyed) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::NameScope s{"s"};
    EXPECT_EQ(const_name("x"), "s/x:0");
  }
  {
    vs::NameScope s{"s"};
    EXPECT_EQ(s.name(), "s_1/");
    EXPECT_EQ(const_name("x"), "s_1/x:0");
  }
  EXPECT_EQ(const_name("x"), "x:0");
}

// ---------------------------------------------------------------------------------------------
// §1.2 name_scope
// ---------------------------------------------------------------------------------------------

// §1.2: relative scopes nest, are uniquified, and the previous stack is restored on exit.
TEST(NameScope, NestsUniquifiesAndRestores) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(vs::get_name_scope(), "");
  {
    vs::NameScope a{"a"};
    EXPECT_EQ(a.name(), "a/");
    {
      vs::NameScope b{"b"};
      EXPECT_EQ(b.name(), "a/b/");
      EXPECT_EQ(vs::get_name_scope(), "a/b");
    }
    EXPECT_EQ(vs::get_name_scope(), "a");
    EXPECT_EQ(ns_name("b"), "a/b_1/");
  }
  EXPECT_EQ(vs::get_name_scope(), "");
  EXPECT_EQ(ns_name("a"), "a_1/");
  // Case-insensitive like every graph name (checked with TF: "A" after "a", "a_1" is "A_2/").
  EXPECT_EQ(ns_name("A"), "A_2/");
}

// §1.2: a name ending in "/" re-enters absolutely: no uniquification, nothing marked.
TEST(NameScope, TrailingSlashReentersAbsolutelyWithoutMarking) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::NameScope outer{"outer"};
    vs::NameScope zz{"zz/"};
    EXPECT_EQ(zz.name(), "zz/");
    EXPECT_EQ(vs::get_name_scope(), "zz");
    EXPECT_EQ(const_name("c"), "zz/c:0");
  }
  // Nothing was marked for "zz" (TF: unique_name("zz") is still "zz").
  EXPECT_EQ(g.unique_name("zz", /*mark_as_used=*/false), "zz");
  {
    vs::NameScope ab{"a/b/"};
    EXPECT_EQ(ab.name(), "a/b/");
    EXPECT_EQ(const_name("c"), "a/b/c:0");
  }
  {
    vs::NameScope ab{"a/b/"};  // again: still no uniquification
    EXPECT_EQ(ab.name(), "a/b/");
  }
  // "a/b" was never marked by the absolute entries, so a relative "a/b" gets it (TF).
  EXPECT_EQ(ns_name("a/b"), "a/b/");
  EXPECT_EQ(ns_name("a/b"), "a/b_1/");
}

// §1.2: "" resets to the root for the block; the previous stack comes back on exit.
TEST(NameScope, EmptyNameResetsToRoot) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::NameScope a{"a"};
  {
    vs::NameScope root{""};
    EXPECT_EQ(root.name(), "");
    EXPECT_EQ(vs::get_name_scope(), "");
    EXPECT_EQ(const_name("e"), "e:0");
  }
  EXPECT_EQ(vs::get_name_scope(), "a");
  EXPECT_EQ(const_name("e"), "a/e:0");
}

// §1.2 v1 API: name_scope(None, default_name) uses the default name, uniquified; a name wins.
TEST(NameScope, DefaultNameUsedWhenNameIsNone) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::NameScope a{"a"};
    vs::NameScope d{std::nullopt, "default"};
    EXPECT_EQ(d.name(), "a/default/");
  }
  {
    vs::NameScope d{std::nullopt, "default"};
    EXPECT_EQ(d.name(), "default/");
  }
  {
    vs::NameScope d{std::nullopt, "default"};
    EXPECT_EQ(d.name(), "default_1/");
  }
  {
    vs::NameScope x{"x", "default"};
    EXPECT_EQ(x.name(), "x/");
  }
}

// §1.2 v1 API: name=None and default_name=None without `values` resets to the root (C++ has no
// `values`, so the ValueError "At least one of name (None) and default_name (None) must be
// provided." cannot arise). Checked with TF: name_scope(None, None) and name_scope(None, "")
// both yield "" (root); only name_scope(None, None, []) raises.
TEST(NameScope, NoNameAndNoDefaultNameResetsToRoot) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::NameScope a{"a"};
  {
    vs::NameScope root{std::nullopt, ""};
    EXPECT_EQ(root.name(), "");
    EXPECT_EQ(vs::get_name_scope(), "");
    EXPECT_EQ(const_name("c"), "c:0");
  }
  EXPECT_EQ(vs::get_name_scope(), "a");
}

// ---------------------------------------------------------------------------------------------
// §2 F. Graph unique names and name scopes
// ---------------------------------------------------------------------------------------------

// Spec case 56: two consts named "c" are "c:0" and "c_1:0".
TEST(NameScope, Case56_RepeatedOpNameIsUniquified) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(const_name("c"), "c:0");
  EXPECT_EQ(const_name("c"), "c_1:0");
}

// Spec case 57: ops under nested scopes; re-entering a captured scope string; "" is the root.
TEST(NameScope, Case57_NestedScopesReentryAndRoot) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::NameScope nested{"nested"};
  const std::string sc = nested.name();
  EXPECT_EQ(sc, "nested/");
  EXPECT_EQ(const_name("c"), "nested/c:0");
  {
    vs::NameScope inner{"inner"};
    EXPECT_EQ(const_name("c"), "nested/inner/c:0");
  }
  {
    vs::NameScope inner{"inner"};
    EXPECT_EQ(const_name("c"), "nested/inner_1/c:0");
    {
      vs::NameScope again{sc};
      EXPECT_EQ(const_name("d"), "nested/d:0");
      {
        vs::NameScope root{""};
        EXPECT_EQ(const_name("e"), "e:0");
      }
    }
  }
}

// Spec case 58: op names are compared case-insensitively.
TEST(NameScope, Case58_OpNamesCaseInsensitive) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(const_name("Foo"), "Foo:0");
  EXPECT_EQ(const_name("foo"), "foo_1:0");
  EXPECT_EQ(const_name("FOO"), "FOO_2:0");
}

// Spec case 59: an op and a name scope share one namespace (both directions).
TEST(NameScope, Case59_OpsAndScopesShareOneNamespace) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(const_name("child"), "child:0");
  EXPECT_EQ(ns_name("child"), "child_1/");

  EXPECT_EQ(ns_name("parent"), "parent/");
  EXPECT_EQ(const_name("parent"), "parent_1:0");
}

// Spec case 60: default op names ("add" for a + b, the op type otherwise), uniquified.
// ops.h has no matmul; Identity and Add stand in for an op named after its type.
TEST(NameScope, Case60_DefaultOpNames) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Output x = vs::constant(vs::Tensor::scalar(1.0f));
  vs::Output y = vs::constant(vs::Tensor::scalar(2.0f));
  EXPECT_EQ(x.name(), "Const:0");
  EXPECT_EQ(y.name(), "Const_1:0");
  EXPECT_EQ((x + y).name(), "add:0");
  EXPECT_EQ((x + y).name(), "add_1:0");
  // Checked with TF: tf.add after two `x + y` is "Add_2:0" (case-insensitive key "add").
  EXPECT_EQ(vs::add(x, y).name(), "Add_2:0");
  EXPECT_EQ(vs::identity(x).name(), "Identity:0");
  EXPECT_EQ(vs::identity(x).name(), "Identity_1:0");
}

// §1.2 Ops and tensors: tensor 0 of op N is "N:0"; an explicit name ending in "/" is verbatim.
TEST(NameScope, OutputNamesAndVerbatimOpNames) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Output x = vs::placeholder(vs::float32, vs::Shape::unknown(), "x");
  EXPECT_EQ(x.name(), "x:0");
  ASSERT_NE(x.node, nullptr);
  EXPECT_EQ(x.node->name(), "x");
  EXPECT_EQ(g.tensor_by_name("x:0"), x);
  vs::NameScope a{"a"};
  // Checked with TF: constant(name="b/c/") inside scope "a" is "b/c:0".
  EXPECT_EQ(const_name("b/c/"), "b/c:0");
  EXPECT_EQ(const_name("d"), "a/d:0");
}

// Spec case 61: "_foo" is not a valid root scope name (TF1 text), but is legal below the root.
TEST(NameScope, Case61_UnderscoreInvalidAtRootLegalBelow) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  VS_EXPECT_ERROR(open_name_scope("_foo"), vs::ValueError, "'_foo' is not a valid scope name");
  EXPECT_EQ(vs::get_name_scope(), "");
  {
    vs::NameScope a{"a"};
    vs::NameScope n{"_foo"};
    EXPECT_EQ(n.name(), "a/_foo/");
  }
}

// §1.2 validation (TF1 regexes): "-" and "/" may not start a root name but may below the root;
// "." may start a root name; a space or "!" is never legal. Checked with TF.
TEST(NameScope, NameValidationRootAndBelow) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  VS_EXPECT_ERROR(open_name_scope("-x"), vs::ValueError, "'-x' is not a valid scope name");
  VS_EXPECT_ERROR(open_name_scope("/x"), vs::ValueError, "'/x' is not a valid scope name");
  VS_EXPECT_ERROR(open_name_scope("a b"), vs::ValueError, "'a b' is not a valid scope name");
  EXPECT_EQ(ns_name(".dot"), ".dot/");
  vs::NameScope a{"a"};
  EXPECT_EQ(ns_name("-x"), "a/-x/");
  VS_EXPECT_ERROR(open_name_scope("a!"), vs::ValueError, "'a!' is not a valid scope name");
  EXPECT_EQ(vs::get_name_scope(), "a");
}

// Spec case 62 (TF testTwoGraphs): variable_scope("_") at the root of the inner default graph
// fails with the invalid scope name error.
TEST(NameScope, Case62_testTwoGraphs) {
  vs::Graph g1;
  vs::Graph g2;
  vs::DefaultGraph use1{g1};
  vs::DefaultGraph use2{g2};
  EXPECT_EQ(&vs::get_default_graph(), &g2);
  VS_EXPECT_ERROR(open_variable_scope("_"), vs::ValueError, "'_' is not a valid scope name");
  EXPECT_EQ(vs::get_variable_scope().name(), "");
}

// Spec case 63 (an op with two outputs, "split:0"/"split:1") is not tested: ops.h has no
// multi-output op.

// Spec case 64: tf.Variable at the root is "Variable", then "Variable_1".
TEST(NameScope, Case64_UnnamedVariablesAtRoot) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable a{vs::Tensor::scalar(1.0f)};
  vs::Variable b{vs::Tensor::scalar(1.0f)};
  EXPECT_EQ(a.name(), "Variable:0");
  EXPECT_EQ(b.name(), "Variable_1:0");
  EXPECT_EQ(a.op_name(), "Variable");
  EXPECT_EQ(b.op_name(), "Variable_1");
}

// §1.2 tf.Variable naming: under the current name scope, uniquified against ops too (checked
// with TF: Variable(name="v") after Const "v" is "v_1:0"; in "ns": "ns/c:0", "ns/Variable:0").
TEST(NameScope, VariableFollowsNameScopeAndIsUniquified) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(const_name("v"), "v:0");
  vs::Variable v{vs::Tensor::scalar(1.0f), {.name = "v"}};
  EXPECT_EQ(v.name(), "v_1:0");
  vs::NameScope ns{"ns"};
  vs::Variable c{vs::Tensor::scalar(1.0f), {.name = "c"}};
  vs::Variable d{vs::Tensor::scalar(1.0f)};
  EXPECT_EQ(c.name(), "ns/c:0");
  EXPECT_EQ(d.name(), "ns/Variable:0");
  // tf.Variable is never entered in the variable store.
  EXPECT_FALSE(g.variable_store().find("ns/c").has_value());
  EXPECT_EQ(g.variable_store().size(), 0u);
}
