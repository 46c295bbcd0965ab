// Acceptance tests: caching devices, trainable/collections, local variables and constraints of
// get_variable (spec §1.4, §2 K cases 101-109, §3 VariableScopeTest collection tests).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

using ConstraintFn = vs::Output (*)(const vs::Output&);

vs::Output my_constraint(const vs::Output& x) { return x; }
vs::Output other_constraint(const vs::Output& x) { return vs::non_neg(x); }

std::vector<std::string> names_of(const std::vector<vs::Variable>& vars) {
  std::vector<std::string> names;
  for (const vs::Variable& v : vars) names.push_back(v.name());
  return names;
}

std::vector<std::string> collection_names(std::string_view key) {
  std::vector<std::string> names;
  for (const vs::CollectionItem& item : vs::get_collection(key)) names.push_back(item.name());
  return names;
}

bool in_collection(std::string_view key, const vs::Variable& v) {
  const std::vector<vs::Variable> vars = vs::get_variable_collection(key);
  return std::find(vars.begin(), vars.end(), v) != vars.end();
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

ConstraintFn constraint_target(const vs::Variable& v) {
  const ConstraintFn* p = v.constraint().target<ConstraintFn>();
  return p == nullptr ? nullptr : *p;
}

}  // namespace

// Case 101 / testVarScopeCachingDevice.
TEST(Collections, VarScopeCachingDevice) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  const std::string caching_device = "/job:moo";
  std::vector<std::string> device_fn_nodes;
  {
    vs::VariableScope tower{"tower"};
    {
      vs::VariableScope caching{"caching", {.caching_device = caching_device}};
      vs::Variable v = vs::get_variable("v", {});
      EXPECT_TRUE(starts_with(v.value().node->device(), caching_device)) << v.value().node->device();
      EXPECT_EQ(v.value().name(), "tower/caching/v/read:0");
      EXPECT_EQ(v.caching_device(), caching_device);
      // Only reads move: the variable op itself is not placed on the caching device.
      EXPECT_FALSE(starts_with(v.op()->device(), caching_device));

      {
        vs::VariableScope child{"child"};
        vs::Variable v2 = vs::get_variable("v", {});
        EXPECT_TRUE(starts_with(v2.value().node->device(), caching_device)) << v2.value().node->device();
      }
      {
        vs::VariableScope not_cached{"not_cached", {.caching_device = ""}};
        vs::Variable v2 = vs::get_variable("v", {});
        EXPECT_FALSE(starts_with(v2.value().node->device(), caching_device)) << v2.value().node->device();
      }
      {
        vs::DeviceFunction identity_device = [&device_fn_nodes](const vs::Node& op) {
          device_fn_nodes.push_back(op.name());
          return op.device();
        };
        vs::VariableScope not_cached{"not_cached_identity_device",
                                     {.caching_device = vs::CachingDevice(identity_device)}};
        vs::Variable v2 = vs::get_variable("v", {});
        EXPECT_FALSE(starts_with(v2.value().node->device(), caching_device)) << v2.value().node->device();
        EXPECT_NE(std::find(device_fn_nodes.begin(), device_fn_nodes.end(), v2.value().node->name()),
                  device_fn_nodes.end());
      }
      {
        vs::VariableScope live{"we_will_do_it_live"};
        vs::get_variable_scope().set_caching_device("/job:live");
        vs::Variable v_live = vs::get_variable("v", {});
        EXPECT_TRUE(starts_with(v_live.value().node->device(), "/job:live")) << v_live.value().node->device();
      }
    }
    vs::Variable v_tower = vs::get_variable("v", {});
    EXPECT_FALSE(starts_with(v_tower.value().node->device(), caching_device));
    EXPECT_EQ(v_tower.caching_device(), "");
  }
}

// §1.4 caching_device: the argument beats the scope's; "" as an argument switches it off.
TEST(Collections, CachingDeviceArgument) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable a = vs::get_variable("a", {}, {.caching_device = "/job:arg"});
  EXPECT_TRUE(starts_with(a.value().node->device(), "/job:arg"));
  vs::VariableScope s{"s", {.caching_device = "/job:scope"}};
  vs::Variable b = vs::get_variable("b", {}, {.caching_device = "/job:arg"});
  EXPECT_TRUE(starts_with(b.value().node->device(), "/job:arg"));
  vs::Variable c = vs::get_variable("c", {}, {.caching_device = ""});
  EXPECT_FALSE(starts_with(c.value().node->device(), "/job:scope"));
  vs::Variable d = vs::get_variable("d", {});
  EXPECT_TRUE(starts_with(d.value().node->device(), "/job:scope"));
}

// Case 102 / testGetCollection: scope.get_collection filters by name + "/", so "foo" does not
// catch "foo_"; the free get_collection(key, scope) is a regex match at the start (TF re.match:
// "foo" also matches "foo_/a:0", checked with TF 2.21).
TEST(Collections, GetCollection) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  const std::string_view TRAINABLE = vs::GraphKeys::TRAINABLE_VARIABLES;
  const std::string_view GLOBAL = vs::GraphKeys::GLOBAL_VARIABLES;
  vs::get_variable("a", {});
  vs::get_variable("b", {}, {.trainable = false});
  vs::VariableScopeRef s1, s2;
  {
    vs::VariableScope scope1{"foo_"};
    s1 = scope1.scope();
    vs::get_variable("a", {});
    vs::get_variable("b", {}, {.trainable = false});
    EXPECT_EQ(names_of(s1.get_collection(TRAINABLE)), std::vector<std::string>{"foo_/a:0"});
    EXPECT_EQ(names_of(s1.get_collection(GLOBAL)), (std::vector<std::string>{"foo_/a:0", "foo_/b:0"}));
  }
  {
    vs::VariableScope scope2{"foo"};
    s2 = scope2.scope();
    vs::get_variable("a", {});
    vs::get_variable("b", {}, {.trainable = false});
    EXPECT_EQ(names_of(s2.get_collection(TRAINABLE)), std::vector<std::string>{"foo/a:0"});
    EXPECT_EQ(names_of(s2.get_collection(GLOBAL)), (std::vector<std::string>{"foo/a:0", "foo/b:0"}));
  }
  vs::VariableScopeRef root = vs::get_variable_scope();
  EXPECT_EQ(names_of(root.get_collection(GLOBAL)),
            (std::vector<std::string>{"a:0", "b:0", "foo_/a:0", "foo_/b:0", "foo/a:0", "foo/b:0"}));
  EXPECT_EQ(names_of(root.get_collection(TRAINABLE)), (std::vector<std::string>{"a:0", "foo_/a:0", "foo/a:0"}));
  // The captured scopes still filter the same way after exit.
  EXPECT_EQ(names_of(s2.get_collection(GLOBAL)), (std::vector<std::string>{"foo/a:0", "foo/b:0"}));
  // Free function: regex prefix semantics.
  EXPECT_EQ(names_of(vs::get_variable_collection(GLOBAL, "foo")),
            (std::vector<std::string>{"foo_/a:0", "foo_/b:0", "foo/a:0", "foo/b:0"}));
  EXPECT_EQ(names_of(vs::get_variable_collection(GLOBAL, "foo/")), (std::vector<std::string>{"foo/a:0", "foo/b:0"}));
  EXPECT_EQ(names_of(vs::get_variable_collection(GLOBAL, "f.o_")), (std::vector<std::string>{"foo_/a:0", "foo_/b:0"}));
  EXPECT_EQ(names_of(vs::global_variables("foo_")), (std::vector<std::string>{"foo_/a:0", "foo_/b:0"}));
  EXPECT_EQ(names_of(vs::trainable_variables("foo")), (std::vector<std::string>{"foo_/a:0", "foo/a:0"}));
  EXPECT_EQ(collection_names(TRAINABLE), (std::vector<std::string>{"a:0", "foo_/a:0", "foo/a:0"}));
}

// Case 103 / testGetTrainableVariablesWithGetVariable. TF 2.21: ON_READ with an explicit
// trainable=True is accepted and the variable is trainable.
TEST(Collections, GetTrainableVariablesWithGetVariable) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::get_variable("a", {});
  vs::VariableScope foo{"foo"};
  vs::get_variable("b", {});
  vs::get_variable("c", {}, {.trainable = false});
  // sync ON_READ sets trainable=false
  vs::Variable d = vs::get_variable("d", {}, {.synchronization = vs::Synchronization::kOnRead});
  EXPECT_FALSE(d.trainable());
  EXPECT_TRUE(in_collection(vs::GraphKeys::GLOBAL_VARIABLES, d));
  EXPECT_EQ(names_of(foo.scope().trainable_variables()), std::vector<std::string>{"foo/b:0"});
  vs::Variable e = vs::get_variable("e", {}, {.trainable = true, .synchronization = vs::Synchronization::kOnRead});
  EXPECT_TRUE(e.trainable());
  EXPECT_EQ(names_of(foo.scope().trainable_variables()), (std::vector<std::string>{"foo/b:0", "foo/e:0"}));
  // All other sync values set trainable=true.
  vs::get_variable("f", {}, {.synchronization = vs::Synchronization::kOnWrite});
  EXPECT_EQ(names_of(foo.scope().trainable_variables()), (std::vector<std::string>{"foo/b:0", "foo/e:0", "foo/f:0"}));
  vs::get_variable("h", {}, {.synchronization = vs::Synchronization::kNone});
  EXPECT_EQ(names_of(foo.scope().trainable_variables()),
            (std::vector<std::string>{"foo/b:0", "foo/e:0", "foo/f:0", "foo/h:0"}));
  EXPECT_EQ(names_of(vs::get_variable_scope().global_variables()),
            (std::vector<std::string>{"foo/b:0", "foo/c:0", "foo/d:0", "foo/e:0", "foo/f:0", "foo/h:0"}));
}

// Case 103 / testGetTrainableVariablesWithVariable (the Variable constructor has no
// synchronization option, so only trainable is checked). Variables follow the name scope and are
// never in the get_variable store.
TEST(Collections, GetTrainableVariablesWithVariable) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable a(vs::Tensor::scalar(1.0f), {.name = "a"});
  vs::VariableScope foo{"foo"};
  vs::Variable b(vs::Tensor::scalar(1.0f), {.name = "b"});
  vs::Variable c(vs::Tensor::scalar(1.0f), {.trainable = false, .name = "c"});
  EXPECT_EQ(a.name(), "a:0");
  EXPECT_EQ(b.name(), "foo/b:0");
  EXPECT_EQ(c.name(), "foo/c:0");
  EXPECT_EQ(names_of(foo.scope().trainable_variables()), std::vector<std::string>{"foo/b:0"});
  EXPECT_EQ(names_of(foo.scope().global_variables()), (std::vector<std::string>{"foo/b:0", "foo/c:0"}));
  EXPECT_FALSE(g.variable_store().find("foo/b").has_value());
  EXPECT_EQ(g.variable_store().size(), 0u);
}

// Case 104 / testGetGlobalVariables.
TEST(Collections, GetGlobalVariables) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::get_variable("a", {});
  vs::VariableScope foo{"foo"};
  vs::get_variable("b", {});
  EXPECT_EQ(names_of(foo.scope().global_variables()), std::vector<std::string>{"foo/b:0"});
  EXPECT_EQ(names_of(vs::global_variables()), (std::vector<std::string>{"a:0", "foo/b:0"}));
}

// Case 105 / testGetLocalVariables; collections=[LOCAL] with default trainable: LOCAL + TRAINABLE,
// not GLOBAL (§1.4 "Collections").
TEST(Collections, GetLocalVariables) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  const std::vector<std::string> local_only{std::string(vs::GraphKeys::LOCAL_VARIABLES)};
  vs::get_variable("a", {}, {.collections = local_only});
  vs::VariableScope foo{"foo"};
  vs::Variable b = vs::get_variable("b", {}, {.collections = local_only});
  vs::get_variable("c", {});
  EXPECT_EQ(names_of(foo.scope().local_variables()), std::vector<std::string>{"foo/b:0"});
  EXPECT_EQ(names_of(vs::local_variables()), (std::vector<std::string>{"a:0", "foo/b:0"}));
  EXPECT_TRUE(in_collection(vs::GraphKeys::TRAINABLE_VARIABLES, b));
  EXPECT_FALSE(in_collection(vs::GraphKeys::GLOBAL_VARIABLES, b));
  EXPECT_TRUE(b.trainable());
  EXPECT_EQ(names_of(vs::global_variables()), std::vector<std::string>{"foo/c:0"});
}

// Case 106 / testGetLocalVar: naming (default_name ignored on re-entry), collections, reuse.
TEST(Collections, GetLocalVar) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef outer;
  vs::Variable local_var;
  {
    vs::VariableScope o{"outer"};
    outer = o.scope();
    vs::VariableScope d{outer, {.default_name = "default"}};
    local_var = vs::get_local_variable("w", {}, {.collections = std::vector<std::string>{"foo"}});
    EXPECT_EQ(local_var.name(), "outer/w:0");
  }
  EXPECT_FALSE(local_var.trainable());
  EXPECT_TRUE(in_collection(vs::GraphKeys::LOCAL_VARIABLES, local_var));
  EXPECT_TRUE(in_collection("foo", local_var));
  EXPECT_FALSE(in_collection(vs::GraphKeys::TRAINABLE_VARIABLES, local_var));
  EXPECT_FALSE(in_collection(vs::GraphKeys::GLOBAL_VARIABLES, local_var));
  {
    vs::VariableScope d{outer, {.default_name = "default", .reuse = true}};
    vs::Variable again = vs::get_local_variable("w", {});
    EXPECT_EQ(again.name(), "outer/w:0");
    EXPECT_EQ(again, local_var);
  }
  // Default collections of a local variable: LOCAL only.
  vs::Variable x = vs::get_local_variable("x", {});
  EXPECT_EQ(collection_names(vs::GraphKeys::LOCAL_VARIABLES), (std::vector<std::string>{"outer/w:0", "x:0"}));
  EXPECT_FALSE(in_collection(vs::GraphKeys::GLOBAL_VARIABLES, x));
  EXPECT_FALSE(in_collection(vs::GraphKeys::TRAINABLE_VARIABLES, x));
  // Local variables are initialized by local_variables_initializer, not the global one.
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  EXPECT_FALSE(sess.is_initialized(x));
  sess.run_targets({vs::local_variables_initializer()});
  EXPECT_TRUE(sess.is_initialized(x));
  EXPECT_TRUE(sess.is_initialized(local_var));
}

// §1.4 "Collections": default [GLOBAL] + TRAINABLE; trainable=false; custom lists.
TEST(Collections, DefaultAndCustomCollections) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable t = vs::get_variable("t", {});
  vs::Variable n = vs::get_variable("n", {}, {.trainable = false});
  vs::Variable c = vs::get_variable("c", {}, {.collections = std::vector<std::string>{"mine", "also"}});
  vs::Variable both = vs::get_variable(
      "both", {}, {.collections = std::vector<std::string>{std::string(vs::GraphKeys::GLOBAL_VARIABLES), "mine"}});
  EXPECT_EQ(collection_names(vs::GraphKeys::GLOBAL_VARIABLES), (std::vector<std::string>{"t:0", "n:0", "both:0"}));
  EXPECT_EQ(collection_names(vs::GraphKeys::TRAINABLE_VARIABLES), (std::vector<std::string>{"t:0", "c:0", "both:0"}));
  EXPECT_EQ(collection_names("mine"), (std::vector<std::string>{"c:0", "both:0"}));
  EXPECT_EQ(collection_names("also"), std::vector<std::string>{"c:0"});
  EXPECT_TRUE(t.trainable());
  EXPECT_FALSE(n.trainable());
  // Reuse does not add the variable to any collection again.
  {
    vs::VariableScope r{vs::get_variable_scope(), {.reuse = true}};
    vs::get_variable("t", {}, {.collections = std::vector<std::string>{"mine"}});
  }
  EXPECT_EQ(collection_names("mine"), (std::vector<std::string>{"c:0", "both:0"}));
  EXPECT_EQ(collection_names(vs::GraphKeys::GLOBAL_VARIABLES).size(), 3u);
}

// collections = [] (TF 2.21 graph mode: a trainable variable then lands only in TRAINABLE; a
// non-trainable one in no collection at all, but it is still in the store).
TEST(Collections, EmptyCollectionsList) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable a = vs::get_variable("a", {}, {.collections = std::vector<std::string>{}});
  vs::Variable b = vs::get_variable("b", {}, {.trainable = false, .collections = std::vector<std::string>{}});
  EXPECT_EQ(collection_names(vs::GraphKeys::TRAINABLE_VARIABLES), std::vector<std::string>{"a:0"});
  EXPECT_TRUE(collection_names(vs::GraphKeys::GLOBAL_VARIABLES).empty());
  EXPECT_TRUE(collection_names(vs::GraphKeys::LOCAL_VARIABLES).empty());
  EXPECT_TRUE(g.variable_store().find("b").has_value());
  EXPECT_EQ(*g.variable_store().find("b"), b);
  // Still reusable by name: the store holds it regardless of collections.
  vs::VariableScope r{vs::get_variable_scope(), {.reuse = true}};
  EXPECT_EQ(vs::get_variable("a", {}).variable(), a);
}

// testEagerVariablesStoreAddsToCollections, graph-mode equivalent (custom collection "concatenated").
TEST(Collections, VariablesAddedToCollections) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable trainable = vs::get_variable("v1", {}, {.trainable = true});
  vs::Variable not_trainable = vs::get_variable("v2", {}, {.trainable = false});
  vs::Variable concat = vs::get_variable("v3", {}, {.collections = std::vector<std::string>{"concatenated"}});
  EXPECT_EQ(vs::get_variable_collection(vs::GraphKeys::GLOBAL_VARIABLES),
            (std::vector<vs::Variable>{trainable, not_trainable}));
  EXPECT_EQ(vs::get_variable_collection(vs::GraphKeys::TRAINABLE_VARIABLES),
            (std::vector<vs::Variable>{trainable, concat}));
  EXPECT_EQ(vs::get_variable_collection("concatenated"), std::vector<vs::Variable>{concat});
}

// Case 107 / testVarScopeConstraint: a scope constraint lands on the variable, also on re-entry.
TEST(Collections, VarScopeConstraint) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable v, w;
  {
    vs::VariableScope tower{"tower1"};
    {
      vs::VariableScope foo{"foo", {.constraint = my_constraint}};
      ASSERT_NE(vs::get_variable_scope().constraint().target<ConstraintFn>(), nullptr);
      v = vs::get_variable("v", {});
    }
    {
      vs::VariableScope again{tower.scope(), {.constraint = my_constraint}};
      w = vs::get_variable("w", {});
    }
  }
  EXPECT_EQ(constraint_target(v), &my_constraint);
  EXPECT_EQ(constraint_target(w), &my_constraint);
}

// Case 108 and decision 1: constraints are not inherited by children nor kept on re-entry.
TEST(Collections, ConstraintNotInherited) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScopeRef a_ref;
  {
    vs::VariableScope a{"a", {.constraint = my_constraint}};
    a_ref = a.scope();
    vs::Variable direct = vs::get_variable("direct", {});
    EXPECT_EQ(constraint_target(direct), &my_constraint);
    {
      vs::VariableScope b{"b"};
      EXPECT_FALSE(static_cast<bool>(vs::get_variable_scope().constraint()));
      vs::Variable v = vs::get_variable("v", {});
      EXPECT_FALSE(static_cast<bool>(v.constraint()));
    }
  }
  {
    vs::VariableScope again{a_ref};
    vs::Variable u = vs::get_variable("u", {});
    EXPECT_EQ(u.name(), "a/u:0");
    EXPECT_FALSE(static_cast<bool>(u.constraint()));
  }
  // No constraint at all by default.
  EXPECT_FALSE(static_cast<bool>(vs::get_variable("plain", {}).variable().constraint()));
}

// Case 109: the argument beats the scope's constraint; reuse keeps the original constraint.
TEST(Collections, ConstraintArgumentWins) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable v;
  {
    vs::VariableScope a{"a", {.constraint = my_constraint}};
    v = vs::get_variable("v", {}, {.constraint = other_constraint});
  }
  EXPECT_EQ(constraint_target(v), &other_constraint);
  {
    vs::VariableScope a{"a", {.reuse = true, .constraint = my_constraint}};
    vs::Variable again = vs::get_variable("v", {});
    EXPECT_EQ(again, v);
    EXPECT_EQ(constraint_target(again), &other_constraint);
  }
}
