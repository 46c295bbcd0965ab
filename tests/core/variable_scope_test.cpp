// Acceptance tests for variable_scope / get_variable: shared/spec/variable_scope.md §2 A-E
// (cases 1-55), §1.9 decisions 3, 4, 9 and 12, and the matching tests of TensorFlow's
// variable_scope_test.py (§3, VariableScopeTest). Names and messages were checked against
// TensorFlow (tf.compat.v1, graph mode, ref variables); dtypes print as "float32" (decision 11).
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

// E1 without the " Originally defined at:..." suffix (decision 12).
std::string already_exists(std::string_view full_name) {
  return "Variable " + std::string(full_name) +
         " already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?";
}

// E2.
std::string does_not_exist(std::string_view full_name) {
  return "Variable " + std::string(full_name) +
         " does not exist, or was not created with tf.get_variable(). Did you mean to set "
         "reuse=tf.AUTO_REUSE in VarScope?";
}

std::vector<std::string> names(const std::vector<vs::Variable>& variables) {
  std::vector<std::string> out;
  for (const vs::Variable& v : variables) out.push_back(v.name());
  return out;
}

// TF's assertIs for variables.
::testing::AssertionResult Same(const vs::Variable& a, const vs::Variable& b) {
  if (a == b) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "different variables: " << (a ? a.name() : "<null>") << " and "
                                       << (b ? b.name() : "<null>");
}

// `gv(name, [])`: the name of a scalar variable got in the current scope.
std::string gv_name(std::string_view name) { return vs::get_variable(name, {}).name(); }

// `const(1, name=...)`: a scalar Const; returns its tensor name.
std::string const_name(std::string_view name) { return vs::constant(vs::Tensor::scalar(1.0f), name).name(); }

// `with tf.name_scope(name) as sc: return sc`.
std::string ns_name(std::string_view name) {
  vs::NameScope n{name};
  return n.name();
}

// `with tf.variable_scope(name_or_none, ...): pass`.
void enter_scope(std::optional<std::string_view> name, vs::VariableScopeOptions options = {}) {
  vs::VariableScope s{name, std::move(options)};
}

// The text of the varscope error `fn` throws ("<no error>" when it does not throw).
template <class Fn>
std::string error_text(Fn&& fn) {
  try {
    fn();
  } catch (const vs::Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Cases C++'s types make impossible (decision 14): compile-time checks instead of tests.
// ---------------------------------------------------------------------------------------------

// Spec case 23: `variable_scope("a", reuse=1)` — only true, false and AUTO_REUSE are reuse values.
static_assert(std::is_constructible_v<vs::Reuse, bool>);
static_assert(!std::is_constructible_v<vs::Reuse, int>);
static_assert(!std::is_constructible_v<vs::Reuse, const char*>);
static_assert(!std::is_convertible_v<int, vs::Reuse>);

// Spec case 26: `variable_scope(3)` — name_or_scope is a string, nullopt or a captured scope.
static_assert(std::is_constructible_v<vs::VariableScope, const char*>);
static_assert(std::is_constructible_v<vs::VariableScope, const vs::VariableScopeRef&>);
static_assert(std::is_constructible_v<vs::VariableScope, std::nullopt_t, vs::VariableScopeOptions>);
static_assert(!std::is_constructible_v<vs::VariableScope, int>);
static_assert(!std::is_constructible_v<vs::VariableScope, double>);

// Spec case 45 (TF testAuxiliaryNameScopeIsInvalid): auxiliary_name_scope is a bool; "invalid",
// a std::string or an int cannot be given (narrowing is ill-formed in designated initializers).
template <class T>
concept AuxiliaryNameScopeAccepts = requires(T value) { vs::VariableScopeOptions{.auxiliary_name_scope = value}; };
static_assert(AuxiliaryNameScopeAccepts<bool>);
static_assert(!AuxiliaryNameScopeAccepts<const char*>);
static_assert(!AuxiliaryNameScopeAccepts<std::string>);
static_assert(!AuxiliaryNameScopeAccepts<int>);

// ---------------------------------------------------------------------------------------------
// A. Nesting and basic naming
// ---------------------------------------------------------------------------------------------

// Spec case 1: nested scopes prefix the variable; shape (1,), float32, in GLOBAL and TRAINABLE.
TEST(VariableScope, Case01_NestedScopesPrefixVariableName) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope foo{"foo"};
  vs::VariableScope bar{"bar"};
  auto v = vs::get_variable("v", {1});
  ASSERT_TRUE(v.is_variable());
  EXPECT_EQ(v.name(), "foo/bar/v:0");
  EXPECT_EQ(v.shape(), (vs::Shape{1}));
  EXPECT_EQ(v.dtype(), vs::float32);
  EXPECT_EQ(names(vs::global_variables()), (std::vector<std::string>{"foo/bar/v:0"}));
  EXPECT_EQ(names(vs::trainable_variables()), (std::vector<std::string>{"foo/bar/v:0"}));
  EXPECT_TRUE(Same(vs::global_variables().at(0), v));
  auto items = vs::get_collection(vs::GraphKeys::GLOBAL_VARIABLES);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(Same(items[0].variable(), v));
}

// Spec case 2: root-level variables are "v1:0", "v2:0"; the store holds exactly these two.
TEST(VariableScope, Case02_RootLevelNames) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto v1 = vs::get_variable("v1", {2});
  auto v2 = vs::get_variable("v2", {2});
  EXPECT_EQ(v1.name(), "v1:0");
  EXPECT_EQ(v2.name(), "v2:0");
  EXPECT_EQ(g.variable_store().size(), 2u);
  EXPECT_EQ(names(g.variable_store().variables()), (std::vector<std::string>{"v1:0", "v2:0"}));
}

// Spec cases 3, 4, 34 (TF testVarScope): scope names and the name scopes nested in them;
// re-entering a captured scope inside another nests its name scope.
TEST(VariableScopeTF, testVarScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef tower;
  {
    vs::VariableScope t{"tower4"};
    tower = t.scope();
    EXPECT_EQ(t.name(), "tower4");
    EXPECT_EQ(ns_name("scope"), "tower4/scope/");
  }
  {
    vs::VariableScope t5{"tower5"};
    vs::VariableScope bar{"bar"};
    EXPECT_EQ(bar.name(), "tower5/bar");
    EXPECT_EQ(ns_name("scope"), "tower5/bar/scope/");
  }
  {
    vs::VariableScope t6{"tower6"};
    vs::VariableScope shared{tower, {.reuse = true}};
    EXPECT_EQ(shared.name(), "tower4");
    EXPECT_EQ(ns_name("scope"), "tower6/tower4/scope/");
  }
}

// Spec case 5: get_variable ignores name scopes; ops nest name scopes.
TEST(VariableScope, Case05_NameScopeDoesNotPrefixGetVariable) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::NameScope ns{"ns"};
  vs::VariableScope s{"vs"};
  EXPECT_EQ(vs::get_variable("w", {}).name(), "vs/w:0");
  EXPECT_EQ(ns_name("x"), "ns/vs/x/");
}

// Spec case 6: in a name scope, get_variable is at the root, ops and tf.Variable are prefixed.
TEST(VariableScope, Case06_NameScopePrefixesOpsAndVariableNotGetVariable) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::NameScope scope{"scope"};
  EXPECT_EQ(vs::get_variable("a", {}).name(), "a:0");
  EXPECT_EQ(const_name("b"), "scope/b:0");
  vs::Variable c{vs::Tensor::scalar(0.0f), {.name = "c"}};
  EXPECT_EQ(c.name(), "scope/c:0");
}

// Spec case 7: tf.Variable in a variable scope: "foo/Variable:0", "foo/Variable_1:0".
TEST(VariableScope, Case07_UnnamedVariablesInScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope foo{"foo"};
  vs::Variable x{vs::Tensor::scalar(1.0f)};
  vs::Variable y{vs::Tensor::scalar(1.0f)};
  EXPECT_EQ(x.name(), "foo/Variable:0");
  EXPECT_EQ(y.name(), "foo/Variable_1:0");
}

// Spec case 8: `w + 1` twice in scope "foo": ops "foo/add", "foo/add_1" (constant "foo/add/y").
TEST(VariableScope, Case08_OpsInScopeAreUniquified) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope foo{"foo"};
  auto w = vs::get_variable("w", {1});
  vs::Output a = w + 1.0;
  vs::Output b = w + 1.0;
  EXPECT_EQ(w.name(), "foo/w:0");
  EXPECT_EQ(a.name(), "foo/add:0");
  EXPECT_EQ(b.name(), "foo/add_1:0");
  // Checked with TF: the inputs of foo/add are foo/w/read:0 and foo/add/y:0.
  ASSERT_NE(a.node, nullptr);
  ASSERT_EQ(a.node->inputs().size(), 2u);
  EXPECT_EQ(a.node->inputs()[0].name(), "foo/w/read:0");
  EXPECT_EQ(a.node->inputs()[1].name(), "foo/add/y:0");
}

// Spec case 9: the root scope: name "", reuse false, float32, no initializer, name scope "".
TEST(VariableScope, Case09_RootScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef root = vs::get_variable_scope();
  ASSERT_TRUE(static_cast<bool>(root));
  EXPECT_EQ(root.name(), "");
  EXPECT_EQ(root.reuse(), vs::Reuse(false));
  EXPECT_EQ(root.dtype(), vs::float32);
  EXPECT_TRUE(root.initializer().empty());
  EXPECT_EQ(root.original_name_scope(), "");
}

// ---------------------------------------------------------------------------------------------
// B. Reuse: True, AUTO_REUSE, None, inheritance
// ---------------------------------------------------------------------------------------------

// Spec case 10: creating a name twice without reuse fails with E1.
TEST(VariableScope, Case10_CreateTwiceFailsWithAlreadyExists) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope foo{"foo"};
  (void)vs::get_variable("v", {1});
  VS_EXPECT_ERROR_PREFIX(vs::get_variable("v", {1}), vs::ValueError, already_exists("foo/v"));
}

// Spec case 11: reuse=true for a name never created fails with E2.
TEST(VariableScope, Case11_ReuseOfMissingVariableFails) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope foo{"foo", {.reuse = true}};
  VS_EXPECT_ERROR(vs::get_variable("v", {1}), vs::ValueError, does_not_exist("foo/v"));
  EXPECT_EQ(g.variable_store().size(), 0u);
}

// Spec case 12: re-opening by name with reuse=true returns the same variable.
TEST(VariableScope, Case12_ReuseByNameReturnsSameVariable) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable v;
  {
    vs::VariableScope foo{"foo"};
    v = vs::get_variable("v", {1});
  }
  {
    vs::VariableScope foo{"foo", {.reuse = true}};
    auto v1 = vs::get_variable("v", {1});
    EXPECT_TRUE(Same(v1, v));
  }
  EXPECT_EQ(names(vs::global_variables()), (std::vector<std::string>{"foo/v:0"}));
}

// Spec case 13: reuse_variables() inside the scope makes the next get_variable reuse.
TEST(VariableScope, Case13_ReuseVariablesInsideScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope s{"foo"};
  auto v = vs::get_variable("v", {1});
  EXPECT_EQ(s.reuse(), vs::Reuse(false));
  s.reuse_variables();
  EXPECT_EQ(s.reuse(), vs::Reuse(true));
  EXPECT_EQ(vs::get_variable_scope().reuse(), vs::Reuse(true));
  auto v1 = vs::get_variable("v", {1});
  EXPECT_TRUE(Same(v1, v));
}

// Spec case 14: AUTO_REUSE creates once, then returns the same variable.
TEST(VariableScope, Case14_AutoReuseCreatesOnce) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto f = [] {
    vs::VariableScope foo{"foo", {.reuse = vs::AUTO_REUSE}};
    return vs::get_variable("v", {1});
  };
  vs::Variable a = f();
  vs::Variable b = f();
  EXPECT_TRUE(Same(a, b));
  EXPECT_EQ(a.name(), "foo/v:0");
  EXPECT_EQ(names(vs::global_variables()), (std::vector<std::string>{"foo/v:0"}));
}

// Spec case 14 (TF testVarScopeGetOrCreateReuse): AUTO_REUSE scopes share one variable, which
// an assign writes.
TEST(VariableScopeTF, testVarScopeGetOrCreateReuse) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Session sess{g};
  std::optional<vs::Variable> first;
  for (float value : {42.0f, 13.0f, 17.0f}) {
    vs::Output x = vs::constant(vs::Tensor::scalar(value));
    vs::Output assigned;
    vs::Variable var;
    {
      vs::VariableScope s{"testVarScopeGetOrCreateReuse_bar", {.reuse = vs::AUTO_REUSE}};
      var = vs::get_variable("var", {});
      assigned = vs::assign(var, x);
    }
    {
      vs::VariableScope s{"testVarScopeGetOrCreateReuse_bar", {.reuse = vs::AUTO_REUSE}};
      EXPECT_TRUE(Same(vs::get_variable("var", {}), var));
    }
    if (!first) first = var;
    EXPECT_TRUE(Same(var, *first));
    EXPECT_EQ(sess.run(assigned).item<float>(), value);
    EXPECT_EQ(sess.run(var.value()).item<float>(), value);
  }
  EXPECT_EQ(names(vs::global_variables()), (std::vector<std::string>{"testVarScopeGetOrCreateReuse_bar/var:0"}));
}

// Spec case 15: a child of a reuse=true scope inherits reuse=true and cannot create.
TEST(VariableScope, Case15_ReuseTrueIsInherited) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope a{"a", {.reuse = true}};
  vs::VariableScope b{"b"};
  EXPECT_EQ(b.reuse(), vs::Reuse(true));
  VS_EXPECT_ERROR(vs::get_variable("v", {1}), vs::ValueError, does_not_exist("a/b/v"));
}

// Spec case 16: AUTO_REUSE below a reuse=true scope can create.
TEST(VariableScope, Case16_AutoReuseBelowReuseTrueCreates) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope a{"a", {.reuse = true}};
  vs::VariableScope b{"b", {.reuse = vs::AUTO_REUSE}};
  EXPECT_EQ(b.reuse(), vs::AUTO_REUSE);
  EXPECT_EQ(vs::get_variable("n", {1}).name(), "a/b/n:0");
  EXPECT_EQ(g.variable_store().size(), 1u);
}

// Spec case 17: reuse=true below an AUTO_REUSE scope is strict.
TEST(VariableScope, Case17_ReuseTrueBelowAutoReuseIsStrict) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope a{"a", {.reuse = vs::AUTO_REUSE}};
  vs::VariableScope b{"b", {.reuse = true}};
  EXPECT_EQ(b.reuse(), vs::Reuse(true));
  VS_EXPECT_ERROR(vs::get_variable("n", {1}), vs::ValueError, does_not_exist("a/b/n"));
}

// Spec case 18: AUTO_REUSE is inherited by a child opened without reuse.
TEST(VariableScope, Case18_AutoReuseIsInherited) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope a{"a", {.reuse = vs::AUTO_REUSE}};
  vs::VariableScope b{"b"};
  EXPECT_EQ(b.reuse(), vs::AUTO_REUSE);
}

// Spec cases 19, 20 (TF testVarScopeObjectReuse): a re-entered scope takes the argument when
// true, else its own recorded reuse; true cannot be undone, false can be raised.
TEST(VariableScopeTF, testVarScopeObjectReuse) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef jump_true;
  {
    vs::VariableScope s{"jump", {.reuse = true}};
    jump_true = s.scope();
  }
  {
    vs::VariableScope jump{jump_true};
    EXPECT_EQ(jump.reuse(), vs::Reuse(true));
  }
  {
    vs::VariableScope jump_reuse{jump_true, {.reuse = true}};
    EXPECT_EQ(jump_reuse.reuse(), vs::Reuse(true));
  }
  {
    vs::VariableScope jump_no_reuse{jump_true, {.reuse = false}};
    EXPECT_EQ(jump_no_reuse.reuse(), vs::Reuse(true));  // Inherited, cannot be undone.
  }

  vs::VariableScopeRef jump_false;
  {
    vs::VariableScope s{"jump", {.reuse = false}};
    jump_false = s.scope();
  }
  {
    vs::VariableScope jump{jump_false};
    EXPECT_EQ(jump.reuse(), vs::Reuse(false));
  }
  {
    vs::VariableScope jump_reuse{jump_false, {.reuse = true}};
    EXPECT_EQ(jump_reuse.reuse(), vs::Reuse(true));
  }
  {
    vs::VariableScope jump_no_reuse{jump_false, {.reuse = false}};
    EXPECT_EQ(jump_no_reuse.reuse(), vs::Reuse(false));
  }
}

// Decision 2 / §1.3 (b): a re-entered scope ignores the current parent's reuse.
TEST(VariableScope, ReenteredScopeIgnoresParentReuse) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef free;
  {
    vs::VariableScope s{"free"};
    free = s.scope();
  }
  vs::VariableScope parent{"parent", {.reuse = true}};
  vs::VariableScope again{free};
  EXPECT_EQ(again.reuse(), vs::Reuse(false));
  EXPECT_EQ(vs::get_variable("v", {1}).name(), "free/v:0");
}

// §1.3 (b): re-entering pushes a copy; mutating it leaves the captured scope alone (checked
// with TF: the `as` object is not the captured one, and its reuse_variables() does not leak).
TEST(VariableScope, ReenteredScopeIsACopy) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef outer;
  {
    vs::VariableScope s{"outer"};
    outer = s.scope();
  }
  {
    vs::VariableScope again{outer};
    EXPECT_FALSE(again.scope() == outer);
    EXPECT_TRUE(vs::get_variable_scope() == again.scope());
    EXPECT_EQ(again.name(), "outer");
    again.reuse_variables();
    EXPECT_EQ(vs::get_variable_scope().reuse(), vs::Reuse(true));
    EXPECT_EQ(outer.reuse(), vs::Reuse(false));
  }
  EXPECT_EQ(outer.reuse(), vs::Reuse(false));
  EXPECT_EQ(vs::get_variable_scope().reuse(), vs::Reuse(false));
}

// Spec case 21: reuse_variables() on the root scope makes creation fail at the root and in
// string-named scopes; only AUTO_REUSE scopes can still create (checked with TF).
TEST(VariableScope, Case21_RootReuseVariablesBlocksCreation) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::get_variable_scope().reuse_variables();
  EXPECT_EQ(vs::get_variable_scope().reuse(), vs::Reuse(true));
  {
    vs::VariableScope opt{"opt"};
    VS_EXPECT_ERROR(vs::get_variable("slot", {1}), vs::ValueError, does_not_exist("opt/slot"));
  }
  VS_EXPECT_ERROR(vs::get_variable("x", {1}), vs::ValueError, does_not_exist("x"));
  {
    vs::VariableScope a{"auto", {.reuse = vs::AUTO_REUSE}};
    EXPECT_EQ(vs::get_variable("x", {1}).name(), "auto/x:0");
  }
}

// Spec case 22 (TF testGetVariableScope): set_initializer on the current scope applies until it
// exits; reuse_variables() then makes a new name fail.
TEST(VariableScopeTF, testGetVariableScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable v;
  {
    vs::VariableScope bar{"bar"};
    EXPECT_TRUE(vs::get_variable_scope().initializer().empty());
    vs::get_variable_scope().set_initializer(vs::constant_initializer(0.3));
    EXPECT_FALSE(vs::get_variable_scope().initializer().empty());
    v = vs::get_variable("v", {});
    vs::Session sess{g};
    sess.run_targets({vs::variables_initializer({v})});
    EXPECT_FLOAT_EQ(sess.run(v.value()).item<float>(), 0.3f);
    vs::get_variable_scope().reuse_variables();
    VS_EXPECT_ERROR(vs::get_variable("w", {1}), vs::ValueError, does_not_exist("bar/w"));
  }
  EXPECT_TRUE(vs::get_variable_scope().initializer().empty());
  EXPECT_EQ(vs::get_variable_scope().reuse(), vs::Reuse(false));
}

// Spec case 24 (TF testVarOpScopeReuseError): a default-name scope rejects reuse=true.
TEST(VariableScopeTF, testVarOpScopeReuseError) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  VS_EXPECT_ERROR(enter_scope(std::nullopt, {.default_name = "default", .reuse = true}), vs::ValueError,
                  "reuse=True cannot be used without a name_or_scope");
  EXPECT_EQ(vs::get_variable_scope().name(), "");
  EXPECT_EQ(vs::get_name_scope(), "");
}

// Spec case 24 with AUTO_REUSE (decision 3): the same message, which mentions reuse=True.
TEST(VariableScope, Case24_DefaultNameWithAutoReuseFails) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  VS_EXPECT_ERROR(enter_scope(std::nullopt, {.default_name = "d", .reuse = vs::AUTO_REUSE}), vs::ValueError,
                  "reuse=True cannot be used without a name_or_scope");
}

// Spec case 25: no name and no default name is a TypeError.
TEST(VariableScope, Case25_NoNameNoDefaultNameFails) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  VS_EXPECT_ERROR(enter_scope(std::nullopt), vs::TypeError, "If default_name is None then name_or_scope is required");
  EXPECT_EQ(vs::get_variable_scope().name(), "");
}

// Spec case 27 (TF testGetVar): the store called directly with reuse None gets or creates.
TEST(VariableScopeTF, testGetVar) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableStore& store = g.variable_store();
  auto v = store.get_variable("v", {1});
  auto v1 = store.get_variable("v", {1});
  EXPECT_TRUE(Same(v, v1));
  EXPECT_EQ(v.name(), "v:0");
}

// Spec case 27 (TF testNameExists): reuse None gets or creates; false rejects an existing
// name; true rejects a missing one.
TEST(VariableScopeTF, testNameExists) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableStore& store = g.variable_store();
  auto v = store.get_variable("v", {1});
  auto v1 = store.get_variable("v", {1}, {}, std::nullopt);
  EXPECT_TRUE(Same(v, v1));

  EXPECT_EQ(store.get_variable("w", {1}, {}, vs::Reuse(false)).name(), "w:0");
  VS_EXPECT_ERROR_PREFIX(store.get_variable("v", {1}, {}, vs::Reuse(false)), vs::ValueError, already_exists("v"));
  EXPECT_TRUE(Same(store.get_variable("v", {1}, {}, vs::Reuse(true)), v));
  VS_EXPECT_ERROR(store.get_variable("u", {1}, {}, vs::Reuse(true)), vs::ValueError, does_not_exist("u"));
  EXPECT_EQ(store.size(), 2u);
}

// Spec case 2 (TF testNamelessStore): the store called directly names variables by full name.
TEST(VariableScopeTF, testNamelessStore) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableStore& store = g.variable_store();
  (void)store.get_variable("v1", {2});
  (void)store.get_variable("v2", {2});
  EXPECT_EQ(names(store.variables()), (std::vector<std::string>{"v1:0", "v2:0"}));
  ASSERT_TRUE(store.find("v1").has_value());
  EXPECT_EQ(store.find("v1")->name(), "v1:0");
}

// ---------------------------------------------------------------------------------------------
// C. Shape and dtype on reuse
// ---------------------------------------------------------------------------------------------

// Spec case 28: reuse with an incompatible shape fails with E3.
TEST(VariableScope, Case28_ReuseWithOtherShapeFails) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope root{"root"};
  vs::VariableScopeRef tower_a;
  {
    vs::VariableScope ta{"towerA"};
    tower_a = ta.scope();
    (void)vs::get_variable("v", {1});
  }
  vs::VariableScope again{tower_a, {.reuse = true}};
  VS_EXPECT_ERROR(vs::get_variable("v", {2}), vs::ValueError,
                  "Trying to share variable root/towerA/v, but specified shape (2,) and found shape (1,).");
  // Checked with TF: a rank mismatch is reported the same way.
  VS_EXPECT_ERROR(vs::get_variable("v", {1, 1}), vs::ValueError,
                  "Trying to share variable root/towerA/v, but specified shape (1, 1) and found shape (1,).");
}

// Spec case 29: reuse with another dtype fails with E4 ("float32", decision 11).
TEST(VariableScope, Case29_ReuseWithOtherDtypeFails) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope root{"root"};
  vs::VariableScopeRef tower_a;
  {
    vs::VariableScope ta{"towerA"};
    tower_a = ta.scope();
    (void)vs::get_variable("v", {1});
  }
  vs::VariableScope again{tower_a, {.reuse = true}};
  VS_EXPECT_ERROR(vs::get_variable("v", {1}, {.dtype = vs::int32}), vs::ValueError,
                  "Trying to share variable root/towerA/v, but specified dtype int32 and found dtype float32.");
}

// Spec case 30: an unknown dimension (or unknown shape) is compatible on reuse.
TEST(VariableScope, Case30_ReuseWithUnknownDimReturnsExisting) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope root{"root"};
  vs::VariableScopeRef tower_a;
  vs::Variable va;
  {
    vs::VariableScope ta{"towerA"};
    tower_a = ta.scope();
    va = vs::get_variable("v", {1});
  }
  vs::VariableScope again{tower_a, {.reuse = true}};
  EXPECT_TRUE(Same(vs::get_variable("v", {-1}), va));
  EXPECT_TRUE(Same(vs::get_variable("v"), va));  // TF: shape=None also returns it.
}

// Spec case 31: an int32 variable is reused when dtype=int32 is repeated.
TEST(VariableScope, Case31_ReuseInt32WithDtype) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable n;
  {
    vs::VariableScope i{"i"};
    n = vs::get_variable("n", {1}, {.dtype = vs::int32});
  }
  EXPECT_EQ(n.dtype(), vs::int32);
  vs::VariableScope i{"i", {.reuse = true}};
  EXPECT_TRUE(Same(vs::get_variable("n", {1}, {.dtype = vs::int32}), n));
}

// Decision 4: an omitted dtype on reuse means the scope dtype (float32), so reusing an int32
// variable without dtype fails (checked with TF; TF prints int32_ref, decision 11: int32).
TEST(VariableScope, Decision4_OmittedDtypeOnReuseIsScopeDtype) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::VariableScope i{"i"};
    (void)vs::get_variable("n", {1}, {.dtype = vs::int32});
  }
  vs::VariableScope i{"i", {.reuse = true}};
  VS_EXPECT_ERROR(vs::get_variable("n", {1}), vs::ValueError,
                  "Trying to share variable i/n, but specified dtype float32 and found dtype int32.");
}

// Spec case 32 (TF testGetVariableWithRefDtype): passing an existing variable's dtype works.
TEST(VariableScopeTF, testGetVariableWithRefDtype) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto v = vs::get_variable("v", {3, 4}, {.dtype = vs::float32});
  auto w = vs::get_variable("w", {5, 6}, {.dtype = v.dtype()});
  EXPECT_EQ(w.name(), "w:0");
  EXPECT_EQ(w.dtype(), vs::float32);
  EXPECT_EQ(w.shape(), (vs::Shape{5, 6}));
}

// ---------------------------------------------------------------------------------------------
// D. Re-entering captured scopes; name_scope vs variable_scope
// ---------------------------------------------------------------------------------------------

// Spec case 33 (TF testVarScopeGetVar): the create / reuse / error matrix.
TEST(VariableScopeTF, testVarScopeGetVar) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope root{"root"};
  vs::VariableScopeRef tower_a;
  vs::Variable va;
  {
    vs::VariableScope ta{"towerA"};
    tower_a = ta.scope();
    va = vs::get_variable("v", {1});
    EXPECT_EQ(va.name(), "root/towerA/v:0");
  }
  {
    vs::VariableScope s{tower_a, {.reuse = true}};
    EXPECT_TRUE(Same(vs::get_variable("v", {1}), va));
  }
  {
    vs::VariableScope s{"towerB"};
    EXPECT_EQ(vs::get_variable("v", {1}).name(), "root/towerB/v:0");
  }
  {
    vs::VariableScope s{"towerA"};
    VS_EXPECT_ERROR_PREFIX(vs::get_variable("v", {1}), vs::ValueError, already_exists("root/towerA/v"));
  }
  {
    vs::VariableScope s{"towerA", {.reuse = true}};
    EXPECT_TRUE(Same(vs::get_variable("v", {1}), va));
  }
  {
    vs::VariableScope foo{"foo"};
    vs::VariableScope bar{"bar"};
    EXPECT_EQ(vs::get_variable("v", {1}).name(), "root/foo/bar/v:0");
    vs::VariableScope s{tower_a, {.reuse = true}};
    EXPECT_TRUE(Same(vs::get_variable("v", {1}), va));
  }
  {
    vs::VariableScope s{tower_a, {.reuse = true}};
    vs::VariableScope baz{"baz"};
    VS_EXPECT_ERROR(vs::get_variable("v", {1}), vs::ValueError, does_not_exist("root/towerA/baz/v"));
  }
  {
    vs::VariableScope s{tower_a, {.reuse = true}};
    VS_EXPECT_ERROR(vs::get_variable("v", {2}), vs::ValueError,
                    "Trying to share variable root/towerA/v, but specified shape (2,) and found shape (1,).");
  }
  {
    vs::VariableScope s{tower_a, {.reuse = true}};
    VS_EXPECT_ERROR(vs::get_variable("v", {1}, {.dtype = vs::int32}), vs::ValueError,
                    "Trying to share variable root/towerA/v, but specified dtype int32 and found dtype float32.");
  }
}

// Spec cases 35, 36 (TF testVarScopeNameScope): re-entering by object or by name opens
// "tower_1", "tower_2" name scopes; re-entering the root scope opens none.
TEST(VariableScopeTF, testVarScopeNameScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef tower;
  {
    vs::NameScope n{"testVarScopeNameScope1"};
    {
      vs::VariableScope t{"tower"};
      tower = t.scope();
      EXPECT_EQ(ns_name("scope2"), "testVarScopeNameScope1/tower/scope2/");
    }
    {
      vs::VariableScope t{tower};  // Re-entering acts like another "tower".
      EXPECT_EQ(ns_name("scope2"), "testVarScopeNameScope1/tower_1/scope2/");
    }
    {
      vs::VariableScope t{"tower"};  // Re-entering by string acts the same.
      EXPECT_EQ(ns_name("scope2"), "testVarScopeNameScope1/tower_2/scope2/");
    }
  }
  {
    vs::NameScope n{"testVarScopeNameScope2"};
    {
      vs::VariableScope t{"tower"};
      EXPECT_EQ(ns_name("scope2"), "testVarScopeNameScope2/tower/scope2/");
    }
    {
      vs::VariableScope t{tower};
      EXPECT_EQ(ns_name("scope2"), "testVarScopeNameScope2/tower_1/scope2/");
    }
  }
  vs::VariableScopeRef root = vs::get_variable_scope();
  {
    vs::NameScope n{"testVarScopeNameScope3"};
    vs::VariableScope r{root};
    EXPECT_EQ(r.name(), "");
    EXPECT_EQ(ns_name("scope2"), "testVarScopeNameScope3/scope2/");
  }
}

// Spec case 37 (TF testVarScopeOuterScope): re-entering a closed scope keeps variable names;
// name scopes become outer_1, outer_2.
TEST(VariableScopeTF, testVarScopeOuterScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef outer;
  {
    vs::VariableScope o{"outer"};
    outer = o.scope();
  }
  {
    vs::VariableScope o{outer};
    EXPECT_EQ(gv_name("w"), "outer/w:0");
    EXPECT_EQ(ns_name("scope2"), "outer_1/scope2/");
    {
      vs::VariableScope d{"default"};
      EXPECT_EQ(gv_name("w"), "outer/default/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer_1/default/scope2/");
    }
  }
  {
    vs::VariableScope o{outer, {.reuse = true}};
    EXPECT_EQ(gv_name("w"), "outer/w:0");
    EXPECT_EQ(ns_name("scope2"), "outer_2/scope2/");
    {
      vs::VariableScope d{"default", {.reuse = true}};
      EXPECT_EQ(gv_name("w"), "outer/default/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer_2/default/scope2/");
    }
  }
  EXPECT_EQ(g.variable_store().size(), 2u);
}

// Spec case 38 (TF testVarScopeNestedOuterScope): re-entering a scope from inside itself nests
// the name scope: outer/outer/, outer/outer_1/.
TEST(VariableScopeTF, testVarScopeNestedOuterScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope outer{"outer"};
  {
    vs::VariableScope o{outer.scope()};
    EXPECT_EQ(gv_name("w"), "outer/w:0");
    EXPECT_EQ(ns_name("scope2"), "outer/outer/scope2/");
  }
  {
    vs::VariableScope d{"default"};
    EXPECT_EQ(gv_name("w"), "outer/default/w:0");
    EXPECT_EQ(ns_name("scope2"), "outer/default/scope2/");
  }
  {
    vs::VariableScope o{outer.scope(), {.reuse = true}};
    EXPECT_EQ(gv_name("w"), "outer/w:0");
    EXPECT_EQ(ns_name("scope2"), "outer/outer_1/scope2/");
  }
  {
    vs::VariableScope d{"default", {.reuse = true}};
    EXPECT_EQ(gv_name("w"), "outer/default/w:0");
    EXPECT_EQ(ns_name("scope2"), "outer/default_1/scope2/");
  }
}

// Spec case 39 (TF testVarScopeOriginalNameScope): original_name_scope survives re-entry and
// can be re-entered as an absolute name scope.
TEST(VariableScopeTF, testVarScopeOriginalNameScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef tower;
  {
    vs::NameScope s1{"scope1"};
    vs::VariableScope t{"tower"};
    tower = t.scope();
    EXPECT_EQ(t.original_name_scope(), "scope1/tower/");
    EXPECT_EQ(ns_name("scope2"), "scope1/tower/scope2/");
  }
  {
    vs::NameScope s2{"scope2"};
    {
      vs::VariableScope tower1{tower};
      EXPECT_EQ(tower1.original_name_scope(), "scope1/tower/");  // Re-entering preserves it.
      EXPECT_EQ(ns_name("foo"), "scope2/tower/foo/");
    }
    {
      vs::NameScope original{tower.original_name_scope()};
      EXPECT_EQ(ns_name("bar"), "scope1/tower/bar/");
    }
  }
  {
    vs::NameScope s2{"scope2"};
    vs::VariableScope t{tower};
    vs::NameScope original{tower.original_name_scope()};
    EXPECT_EQ(ns_name("bar"), "scope1/tower/bar_1/");
  }
}

// Spec case 40: re-entering with aux=false plus the original name scope puts ops back under
// "foo/" (checked with TF: "foo/v:0", "foo/c:0").
TEST(VariableScope, Case40_ReenterWithoutAuxiliaryNameScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef foo;
  {
    vs::VariableScope s{"foo"};
    foo = s.scope();
  }
  vs::VariableScope vs1{foo, {.auxiliary_name_scope = false}};
  vs::NameScope original{vs1.original_name_scope()};
  EXPECT_EQ(vs::get_variable("v", {1}).name(), "foo/v:0");
  EXPECT_EQ(const_name("c"), "foo/c:0");
}

// Spec cases 41, 42 (TF testBasicWhenAuxiliaryNameScopeIsFalse): aux=false opens no name scope;
// original_name_scope is the enclosing name scope.
TEST(VariableScopeTF, testBasicWhenAuxiliaryNameScopeIsFalse) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef scope;
  {
    vs::VariableScope s{"scope", {.auxiliary_name_scope = false}};
    scope = s.scope();
    EXPECT_EQ(s.original_name_scope(), "");
    EXPECT_EQ(gv_name("w"), "scope/w:0");
    EXPECT_EQ(const_name("c"), "c:0");
  }
  {
    vs::VariableScope s{scope, {.auxiliary_name_scope = false}};
    EXPECT_EQ(scope.original_name_scope(), "");
    EXPECT_EQ(s.original_name_scope(), "");
    EXPECT_EQ(gv_name("w1"), "scope/w1:0");
    EXPECT_EQ(const_name("c1"), "c1:0");
  }
  {
    // No name scope "scope" was created before.
    vs::NameScope n{"scope"};
    EXPECT_EQ(const_name("c"), "scope/c:0");
  }
  {
    vs::VariableScope outer{"outer"};
    vs::VariableScopeRef inner;
    {
      vs::VariableScope i{"inner", {.auxiliary_name_scope = false}};
      inner = i.scope();
      EXPECT_EQ(i.original_name_scope(), "outer/");
      EXPECT_EQ(gv_name("w"), "outer/inner/w:0");
      EXPECT_EQ(const_name("c"), "outer/c:0");
    }
    {
      vs::VariableScope inner1{inner, {.auxiliary_name_scope = false}};
      EXPECT_EQ(inner1.original_name_scope(), "outer/");
      EXPECT_EQ(gv_name("w1"), "outer/inner/w1:0");
      EXPECT_EQ(const_name("c1"), "outer/c1:0");
    }
    {
      vs::NameScope n{"inner"};
      EXPECT_EQ(const_name("c"), "outer/inner/c:0");
    }
  }
}

// Spec case 43 (TF testCreatedByDefaultNameWhenAuxiliaryNameScopeIsFalse).
TEST(VariableScopeTF, testCreatedByDefaultNameWhenAuxiliaryNameScopeIsFalse) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::VariableScope s{std::nullopt, {.default_name = "default", .auxiliary_name_scope = false}};
    EXPECT_EQ(s.name(), "default");
    EXPECT_EQ(s.original_name_scope(), "");
    EXPECT_EQ(gv_name("w"), "default/w:0");
    EXPECT_EQ(const_name("c"), "c:0");
  }
  {
    vs::NameScope n{"default"};  // No name scope "default" was created before.
    EXPECT_EQ(const_name("c"), "default/c:0");
  }
  {
    vs::VariableScope outer{"outer"};
    {
      vs::VariableScope inner{std::nullopt, {.default_name = "default", .auxiliary_name_scope = false}};
      EXPECT_EQ(inner.original_name_scope(), "outer/");
      EXPECT_EQ(gv_name("w"), "outer/default/w:0");
      EXPECT_EQ(const_name("c"), "outer/c:0");
    }
    {
      vs::NameScope n{"default"};
      EXPECT_EQ(const_name("c"), "outer/default/c:0");
    }
  }
}

// Spec case 44 (TF testReenterRootScopeWhenAuxiliaryNameScopeIsFalse).
TEST(VariableScopeTF, testReenterRootScopeWhenAuxiliaryNameScopeIsFalse) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef root = vs::get_variable_scope();
  {
    vs::VariableScope s{root, {.auxiliary_name_scope = false}};
    EXPECT_EQ(s.original_name_scope(), "");
    EXPECT_EQ(gv_name("w"), "w:0");
    EXPECT_EQ(const_name("c"), "c:0");
  }
  {
    vs::VariableScope outer{"outer"};
    vs::VariableScope inner{root, {.auxiliary_name_scope = false}};
    EXPECT_EQ(inner.original_name_scope(), "");
    EXPECT_EQ(gv_name("w1"), "w1:0");
    EXPECT_EQ(const_name("c1"), "outer/c1:0");
  }
}

// TF testReuseScopeWithoutNameScopeCollision (GitHub #13429): aux=false plus the original name
// scope puts ops back where the scope first put them.
TEST(VariableScopeTF, testReuseScopeWithoutNameScopeCollision) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef inner;
  {
    vs::VariableScope outer{"outer"};
    vs::VariableScope i{"inner"};
    inner = i.scope();
  }
  {
    vs::VariableScope scope{inner, {.auxiliary_name_scope = false}};
    {
      vs::NameScope n{scope.original_name_scope()};
      EXPECT_EQ(gv_name("w"), "outer/inner/w:0");
      EXPECT_EQ(const_name("c"), "outer/inner/c:0");
    }
    {
      vs::NameScope n{"inner"};
      EXPECT_EQ(const_name("c"), "inner/c:0");
    }
  }
  {
    vs::VariableScope another{"another"};
    vs::VariableScope scope1{inner, {.auxiliary_name_scope = false}};
    {
      vs::NameScope n{scope1.original_name_scope()};
      EXPECT_EQ(gv_name("w1"), "outer/inner/w1:0");
      EXPECT_EQ(const_name("c1"), "outer/inner/c1:0");
    }
    {
      vs::NameScope n{"inner"};
      EXPECT_EQ(const_name("c"), "another/inner/c:0");
    }
  }
}

// Spec case 46 (tensorflow#5512): re-entering the current scope keeps variable names but nests
// the name scope (checked with TF).
TEST(VariableScope, Case46_ReenterCurrentScopeNestsOpNames) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope alpha{"alpha"};
  vs::VariableScope beta{"beta"};
  vs::VariableScope again{vs::get_variable_scope()};
  EXPECT_EQ(vs::get_variable("my_var", {42}).name(), "alpha/beta/my_var:0");
  vs::Output s = vs::reduce_sum(vs::zeros({42}), std::nullopt, false, "my_op");
  EXPECT_EQ(s.name(), "alpha/beta/beta/my_op:0");
}

// Spec case 47 (tensorflow#19514): a tf.Variable is not in the store, so get_variable with
// reuse cannot find it.
TEST(VariableScope, Case47_TfVariableCannotBeReusedByGetVariable) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::VariableScope foo{"foo"};
    vs::Variable v{vs::Tensor::scalar(1.0f), {.name = "v"}};
    EXPECT_EQ(v.name(), "foo/v:0");
  }
  vs::VariableScope foo{"foo", {.reuse = true}};
  VS_EXPECT_ERROR(vs::get_variable("v", {}), vs::ValueError, does_not_exist("foo/v"));
}

// ---------------------------------------------------------------------------------------------
// E. default_name uniquification
// ---------------------------------------------------------------------------------------------

// Spec cases 48, 49 (TF testVarOpScope): a name wins over default_name; default-name scopes
// are "default", "default_1"; the name scopes they open.
TEST(VariableScopeTF, testVarOpScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::NameScope n{"testVarOpScope1"};
    {
      vs::VariableScope t{"tower", {.default_name = "default"}};
      EXPECT_EQ(t.name(), "tower");
      EXPECT_EQ(gv_name("w"), "tower/w:0");
      EXPECT_EQ(ns_name("testVarOpScope2"), "testVarOpScope1/tower/testVarOpScope2/");
    }
    {
      vs::VariableScope t{"tower", {.default_name = "default"}};
      VS_EXPECT_ERROR_PREFIX(vs::get_variable("w", {}), vs::ValueError, already_exists("tower/w"));
      EXPECT_EQ(ns_name("testVarOpScope2"), "testVarOpScope1/tower_1/testVarOpScope2/");
    }
  }
  {
    vs::NameScope n{"testVarOpScope2"};
    {
      vs::VariableScope d{std::nullopt, {.default_name = "default"}};
      EXPECT_EQ(gv_name("w"), "default/w:0");
      EXPECT_EQ(ns_name("testVarOpScope2"), "testVarOpScope2/default/testVarOpScope2/");
    }
    {
      vs::VariableScope d{std::nullopt, {.default_name = "default"}};
      EXPECT_EQ(d.name(), "default_1");
      EXPECT_EQ(gv_name("w"), "default_1/w:0");
      EXPECT_EQ(ns_name("testVarOpScope2"), "testVarOpScope2/default_1/testVarOpScope2/");
    }
  }
}

// Spec case 50 (TF testVarOpScopeUniqueNamesInterleavedSubstringScopes): default-name counters
// are exact-key ("defaultScope" is not "defaultScope1").
TEST(VariableScopeTF, testVarOpScopeUniqueNamesInterleavedSubstringScopes) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto layer_w = [](std::string_view outer_default) {
    vs::VariableScope o{std::nullopt, {.default_name = std::string(outer_default)}};
    vs::VariableScope l{std::nullopt, {.default_name = "layer"}};
    return gv_name("w");
  };
  EXPECT_EQ(layer_w("defaultScope1"), "defaultScope1/layer/w:0");
  EXPECT_EQ(layer_w("defaultScope1"), "defaultScope1_1/layer/w:0");
  EXPECT_EQ(layer_w("defaultScope"), "defaultScope/layer/w:0");
  EXPECT_EQ(layer_w("defaultScope1"), "defaultScope1_2/layer/w:0");
}

// TF testVarOpScopeUniqueNamesWithJump: re-entering the parent object mid-way does not reset the
// sibling counters.
TEST(VariableScopeTF, testVarOpScopeUniqueNamesWithJump) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope def{"default"};
  {
    vs::VariableScope l{std::nullopt, {.default_name = "layer"}};
    EXPECT_EQ(gv_name("w"), "default/layer/w:0");
  }
  {
    vs::VariableScope l{std::nullopt, {.default_name = "layer"}};
    EXPECT_EQ(gv_name("w"), "default/layer_1/w:0");
  }
  { vs::VariableScope jump{def.scope()}; }
  {
    vs::VariableScope l{std::nullopt, {.default_name = "layer"}};
    EXPECT_EQ(gv_name("w"), "default/layer_2/w:0");
  }
}

// Spec case 51: default-name numbering restarts inside a scope each time it is entered again.
TEST(VariableScope, Case51_DefaultNameNumberingRestartsOnReentry) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef foo;
  {
    vs::VariableScope s{"foo"};
    foo = s.scope();
    {
      vs::VariableScope b{std::nullopt, {.default_name = "bar"}};
      EXPECT_EQ(vs::get_variable("a", {1}).name(), "foo/bar/a:0");
    }
    {
      vs::VariableScope b{std::nullopt, {.default_name = "bar"}};
      EXPECT_EQ(vs::get_variable("b", {1}).name(), "foo/bar_1/b:0");
    }
  }
  vs::VariableScope again{foo};
  vs::VariableScope b{std::nullopt, {.default_name = "bar"}};
  EXPECT_EQ(vs::get_variable("c", {1}).name(), "foo/bar/c:0");
}

// Spec case 52: default-name scopes at the root are l, l_1, l_2.
TEST(VariableScope, Case52_DefaultNamesAtRoot) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  for (const char* expected : {"l", "l_1", "l_2"}) {
    vs::VariableScope s{std::nullopt, {.default_name = "l"}};
    EXPECT_EQ(s.name(), expected);
  }
}

// Spec case 53 (TF testVarOpScopeReuse): reuse through the re-entered outer scope reaches
// outer/tower/w and outer/default/w; name scopes are outer_1/...
TEST(VariableScopeTF, testVarOpScopeReuse) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef outer;
  vs::Variable tower_w;
  vs::Variable default_w;
  {
    vs::VariableScope o{"outer"};
    outer = o.scope();
    {
      vs::VariableScope t{"tower", {.default_name = "default"}};
      tower_w = vs::get_variable("w", {});
      EXPECT_EQ(tower_w.name(), "outer/tower/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer/tower/scope2/");
    }
    {
      vs::VariableScope d{std::nullopt, {.default_name = "default"}};
      default_w = vs::get_variable("w", {});
      EXPECT_EQ(default_w.name(), "outer/default/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer/default/scope2/");
    }
  }
  {
    vs::VariableScope o{outer, {.reuse = true}};
    {
      vs::VariableScope t{"tower", {.default_name = "default"}};
      auto w = vs::get_variable("w", {});
      EXPECT_EQ(w.name(), "outer/tower/w:0");
      EXPECT_TRUE(Same(w, tower_w));
      EXPECT_EQ(ns_name("scope2"), "outer_1/tower/scope2/");
    }
    {
      vs::VariableScope d{std::nullopt, {.default_name = "default"}};
      auto w = vs::get_variable("w", {});
      EXPECT_EQ(w.name(), "outer/default/w:0");
      EXPECT_TRUE(Same(w, default_w));
      EXPECT_EQ(ns_name("scope2"), "outer_1/default/scope2/");
    }
  }
}

// Spec case 54 (TF testVarOpScopeReuseParam): reuse=true on a named child, and
// reuse_variables() on the re-entered parent for a default-name child.
TEST(VariableScopeTF, testVarOpScopeReuseParam) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef outer;
  {
    vs::VariableScope o{"outer"};
    outer = o.scope();
    {
      vs::VariableScope t{"tower", {.default_name = "default"}};
      EXPECT_EQ(gv_name("w"), "outer/tower/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer/tower/scope2/");
    }
    {
      vs::VariableScope d{std::nullopt, {.default_name = "default"}};
      EXPECT_EQ(gv_name("w"), "outer/default/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer/default/scope2/");
    }
  }
  {
    vs::VariableScope o{outer};
    {
      vs::VariableScope t{"tower", {.default_name = "default", .reuse = true}};
      EXPECT_EQ(gv_name("w"), "outer/tower/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer_1/tower/scope2/");
    }
    o.reuse_variables();
    {
      vs::VariableScope d{std::nullopt, {.default_name = "default"}};
      EXPECT_EQ(d.reuse(), vs::Reuse(true));
      EXPECT_EQ(gv_name("w"), "outer/default/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer_1/default/scope2/");
    }
  }
  EXPECT_EQ(g.variable_store().size(), 2u);
}

// Spec case 55 (TF testVarOpScopeOuterScope): a captured scope with a default_name: the default
// is ignored; name scopes outer_1, outer_2.
TEST(VariableScopeTF, testVarOpScopeOuterScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef outer;
  {
    vs::VariableScope o{"outer"};
    outer = o.scope();
  }
  {
    vs::VariableScope o{outer, {.default_name = "default"}};
    EXPECT_EQ(o.name(), "outer");
    EXPECT_EQ(gv_name("w"), "outer/w:0");
    EXPECT_EQ(ns_name("scope2"), "outer_1/scope2/");
    {
      vs::VariableScope d{std::nullopt, {.default_name = "default"}};
      EXPECT_EQ(gv_name("w"), "outer/default/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer_1/default/scope2/");
    }
  }
  {
    vs::VariableScope o{outer, {.default_name = "default", .reuse = true}};
    EXPECT_EQ(gv_name("w"), "outer/w:0");
    EXPECT_EQ(ns_name("scope2"), "outer_2/scope2/");
    outer.reuse_variables();
    {
      vs::VariableScope d{std::nullopt, {.default_name = "default"}};
      EXPECT_EQ(gv_name("w"), "outer/default/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer_2/default/scope2/");
    }
  }
}

// TF testVarOpScopeNestedOuterScope: the same, entered inside the scope itself.
TEST(VariableScopeTF, testVarOpScopeNestedOuterScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef outer;
  {
    vs::VariableScope o{"outer"};
    outer = o.scope();
    {
      vs::VariableScope again{outer, {.default_name = "default"}};
      EXPECT_EQ(gv_name("w"), "outer/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer/outer/scope2/");
    }
    {
      vs::VariableScope d{std::nullopt, {.default_name = "default"}};
      EXPECT_EQ(gv_name("w"), "outer/default/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer/default/scope2/");
    }
  }
  {
    vs::VariableScope o{outer, {.default_name = "default", .reuse = true}};
    EXPECT_EQ(gv_name("w"), "outer/w:0");
    EXPECT_EQ(ns_name("scope2"), "outer_1/scope2/");
    {
      vs::VariableScope d{std::nullopt, {.default_name = "default"}};
      EXPECT_EQ(gv_name("w"), "outer/default/w:0");
      EXPECT_EQ(ns_name("scope2"), "outer_1/default/scope2/");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Nesting errors and decisions
// ---------------------------------------------------------------------------------------------

// TF testVarScopeNestingError: exiting a scope that is not the innermost raises E16 and leaves
// it open; it can be exited properly afterwards.
TEST(VariableScopeTF, testVarScopeNestingError) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope aa{"aa"};
  vs::VariableScope bb{"bb"};
  {
    vs::VariableScope cc{"cc"};
    VS_EXPECT_ERROR(bb.exit(), vs::RuntimeError, "Improper nesting of variable_scope.");
    EXPECT_EQ(vs::get_variable_scope().name(), "aa/bb/cc");
  }
  EXPECT_EQ(vs::get_variable_scope().name(), "aa/bb");
  bb.exit();
  EXPECT_EQ(vs::get_variable_scope().name(), "aa");
  EXPECT_EQ(vs::get_name_scope(), "aa");
}

// Decision 9: variable_scope("") is rejected with a ValueError naming the enclosing scope, and
// nothing is left entered.
TEST(VariableScope, Decision9_EmptyNameIsRejected) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope outer{"outer"};
  VS_EXPECT_ERROR_CONTAINS(enter_scope(""), vs::ValueError, "outer");
  EXPECT_EQ(vs::get_variable_scope().name(), "outer");
  EXPECT_EQ(vs::get_name_scope(), "outer");
  EXPECT_EQ(vs::get_variable("v", {1}).name(), "outer/v:0");  // TF would have made "outer//v:0".
}

// Decision 12: E1 is followed by " Originally defined at:\n\n" and the C++ creation site: this
// file and the line of the first get_variable call (not of the failing call). Either
// "variable_scope_test.cpp:<line>" or TF's traceback form `File ".../variable_scope_test.cpp",
// line <line>, in <function>` is accepted.
TEST(VariableScope, Decision12_AlreadyExistsNamesCreationSite) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope foo{"foo"};
  const int line = __LINE__; auto v = vs::get_variable("v", {1});  // NOLINT: same line on purpose
  const std::string prefix = already_exists("foo/v") + " Originally defined at:\n\n";
  VS_EXPECT_ERROR_PREFIX(vs::get_variable("v", {1}), vs::ValueError, prefix);
  VS_EXPECT_ERROR_CONTAINS(vs::get_variable("v", {1}), vs::ValueError, "variable_scope_test.cpp");

  const std::string text = error_text([] { (void)vs::get_variable("v", {1}); });
  const std::regex site("variable_scope_test\\.cpp(:|\", line )" + std::to_string(line) + "(\\D|$)");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(text, match, site)) << text;
  EXPECT_GE(static_cast<std::size_t>(match.position(0)), prefix.size()) << text;

  EXPECT_EQ(v.variable().creation_site().line(), static_cast<std::uint_least32_t>(line));
  EXPECT_NE(std::string(v.variable().creation_site().file_name()).find("variable_scope_test.cpp"),
            std::string::npos);
}
