// Acceptance tests: custom getters (spec §1.7, §2 J cases 95-100, §3 VariableScopeWithCustomGetterTest).
// Case 99 / testNonCallableGetterFails (a getter that is not callable, E9) cannot be written in C++:
// CustomGetter is a typed std::function, so a non-callable value does not compile. Dropped.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

std::vector<std::string> names_of(const std::vector<vs::Variable>& vars) {
  std::vector<std::string> names;
  for (const vs::Variable& v : vars) names.push_back(v.name());
  return names;
}

// A getter that forwards unchanged and counts its calls.
vs::CustomGetter counting_getter(int& calls) {
  return [&calls](const vs::Getter& getter, const vs::GetterArgs& args) -> vs::GetVariableResult {
    ++calls;
    return getter(args);
  };
}

// A getter that records the full names it sees, then forwards.
vs::CustomGetter recording_getter(std::vector<std::string>& seen) {
  return [&seen](const vs::Getter& getter, const vs::GetterArgs& args) -> vs::GetVariableResult {
    seen.push_back(args.name);
    return getter(args);
  };
}

}  // namespace

// Case 95 / testNoSideEffectsWithIdentityCustomGetter: inherited on object re-entry; count 3.
TEST(CustomGetters, NoSideEffectsWithIdentityCustomGetter) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  int called = 0;
  vs::CustomGetter custom_getter = counting_getter(called);
  vs::VariableScopeRef scope, new_scope;
  vs::Variable v, v2, v3, v4;
  {
    vs::VariableScope s{"scope", {.custom_getter = custom_getter}};
    scope = s.scope();
    v = vs::get_variable("v", {1});
  }
  {
    vs::VariableScope s{scope, {.reuse = true}};
    v2 = vs::get_variable("v", {1});
  }
  {
    vs::VariableScope s{"new_scope"};
    new_scope = s.scope();
    v3 = vs::get_variable("v3", {1});
  }
  {
    vs::VariableScope s{new_scope, {.custom_getter = custom_getter, .reuse = true}};
    v4 = vs::get_variable("v3", {1});
  }
  EXPECT_EQ(v, v2);
  EXPECT_EQ(v3, v4);
  EXPECT_EQ(v.name(), "scope/v:0");
  EXPECT_EQ(v3.name(), "new_scope/v3:0");
  EXPECT_EQ(called, 3);  // skipped in the first new_scope
  EXPECT_EQ(vs::global_variables().size(), 2u);
}

// Case 96 / testCustomGetterWithReuse: the getter sees `reuse`; its ops are at the root name scope.
TEST(CustomGetters, CustomGetterWithReuse) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<vs::Reuse> seen_reuse;
  vs::CustomGetter custom_getter = [&](const vs::Getter& getter, const vs::GetterArgs& args) -> vs::GetVariableResult {
    seen_reuse.push_back(args.reuse);
    vs::GetVariableResult var = getter(args);
    return vs::GetVariableResult(vs::identity(var.value(), args.reuse ? "reused" : "not_reused"));
  };
  vs::VariableScopeRef scope;
  std::string v_name, v2_name;
  {
    vs::VariableScope s{"scope", {.custom_getter = custom_getter}};
    scope = s.scope();
    vs::GetVariableResult v = vs::get_variable("v", {1});
    EXPECT_TRUE(v.is_tensor());
    v_name = v.name();
  }
  {
    vs::VariableScope s{scope, {.reuse = true}};
    vs::GetVariableResult v2 = vs::get_variable("v", {1});
    EXPECT_TRUE(v2.is_tensor());
    v2_name = v2.name();
  }
  EXPECT_EQ(v_name, "not_reused:0");
  EXPECT_EQ(v2_name, "reused:0");
  ASSERT_EQ(seen_reuse.size(), 2u);
  EXPECT_EQ(seen_reuse[0], vs::Reuse(false));
  EXPECT_EQ(seen_reuse[1], vs::Reuse(true));
  // AUTO_REUSE is passed through as such.
  {
    vs::VariableScope s{"auto", {.custom_getter = custom_getter, .reuse = vs::AUTO_REUSE}};
    EXPECT_EQ(vs::get_variable("a", {1}).name(), "reused_1:0");
  }
  ASSERT_EQ(seen_reuse.size(), 3u);
  EXPECT_EQ(seen_reuse[2], vs::AUTO_REUSE);
}

// Case 97 / testGetterThatCreatesTwoVariablesAndSumsThem.
TEST(CustomGetters, GetterThatCreatesTwoVariablesAndSumsThem) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::CustomGetter custom_getter = [](const vs::Getter& getter, const vs::GetterArgs& args) -> vs::GetVariableResult {
    vs::GetterArgs a0 = args;
    a0.name = args.name + "/0";
    vs::GetterArgs a1 = args;
    a1.name = args.name + "/1";
    vs::GetVariableResult g0 = getter(a0);
    vs::GetVariableResult g1 = getter(a1);
    vs::NameScope ns{"custom_getter"};
    return vs::GetVariableResult(g0.value() + g1.value());
  };
  std::optional<vs::GetVariableResult> v;
  {
    vs::VariableScope s{"scope", {.custom_getter = custom_getter}};
    v = vs::get_variable("v", {1, 2, 3});
  }
  EXPECT_EQ(v->shape(), (vs::Shape{1, 2, 3}));
  std::vector<vs::Variable> true_vars = vs::trainable_variables();
  ASSERT_EQ(true_vars.size(), 2u);
  EXPECT_EQ(true_vars[0].name(), "scope/v/0:0");
  EXPECT_EQ(true_vars[1].name(), "scope/v/1:0");
  EXPECT_EQ(v->name(), "custom_getter/add:0");
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  std::vector<float> a = sess.run(true_vars[0].value()).to_vector<float>();
  std::vector<float> b = sess.run(true_vars[1].value()).to_vector<float>();
  std::vector<float> sum = sess.run(v->value()).to_vector<float>();
  ASSERT_EQ(sum.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(sum[i], a[i] + b[i], 1e-6);
}

// Case 98 / testNestedCustomGetters: innermost getter first; 8 names in order; value formula.
TEST(CustomGetters, NestedCustomGetters) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::CustomGetter sum_getter = [](const vs::Getter& getter, const vs::GetterArgs& args) -> vs::GetVariableResult {
    vs::GetterArgs a0 = args;
    a0.name = args.name + "/sum_0";
    vs::GetterArgs a1 = args;
    a1.name = args.name + "/sum_1";
    vs::GetVariableResult g0 = getter(a0);
    vs::GetVariableResult g1 = getter(a1);
    vs::NameScope ns{"sum_getter"};
    return vs::GetVariableResult(g0.value() + g1.value());
  };
  vs::CustomGetter prod_getter = [](const vs::Getter& getter, const vs::GetterArgs& args) -> vs::GetVariableResult {
    vs::GetterArgs a0 = args;
    a0.name = args.name + "/prod_0";
    vs::GetterArgs a1 = args;
    a1.name = args.name + "/prod_1";
    vs::GetVariableResult g0 = getter(a0);
    vs::GetVariableResult g1 = getter(a1);
    vs::NameScope ns{"prod_getter"};
    return vs::GetVariableResult(g0.value() * g1.value());
  };
  std::optional<vs::GetVariableResult> v;
  {
    vs::VariableScope prod{"prod_scope", {.custom_getter = prod_getter}};
    vs::VariableScope sum{"sum_scope", {.custom_getter = sum_getter}};
    vs::VariableScope inner{"inner_sum_scope", {.custom_getter = sum_getter}};
    // take sums of sums of products
    v = vs::get_variable("v", {1, 2, 3});
  }
  EXPECT_EQ(v->shape(), (vs::Shape{1, 2, 3}));
  std::vector<vs::Variable> true_vars = vs::trainable_variables();
  ASSERT_EQ(true_vars.size(), 8u);
  std::vector<std::string> expected;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k)
        expected.push_back("prod_scope/sum_scope/inner_sum_scope/v/sum_" + std::to_string(i) + "/sum_" +
                           std::to_string(j) + "/prod_" + std::to_string(k) + ":0");
  EXPECT_EQ(names_of(true_vars), expected);

  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  std::vector<std::vector<float>> p;
  for (const vs::Variable& var : true_vars) p.push_back(sess.run(var.value()).to_vector<float>());
  std::vector<float> value = sess.run(v->value()).to_vector<float>();
  ASSERT_EQ(value.size(), 6u);
  for (std::size_t e = 0; e < 6; ++e) {
    const float want = ((p[0][e] * p[1][e]) + (p[2][e] * p[3][e])) + ((p[4][e] * p[5][e]) + (p[6][e] * p[7][e]));
    EXPECT_NEAR(value[e], want, 1e-6) << "element " << e;
  }
}

// Case 100 / testSynchronizationAndAggregationWithCustomGetter: every argument the getter sees.
// (TF 2.21: for ON_READ without `trainable` the getter already sees trainable=False; collections,
// caching_device and partitioner are None when not given.)
TEST(CustomGetters, SynchronizationAndAggregationWithCustomGetter) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<vs::GetterArgs> seen;
  vs::CustomGetter custom_getter = [&](const vs::Getter& getter, const vs::GetterArgs& args) -> vs::GetVariableResult {
    seen.push_back(args);
    return getter(args);
  };
  {
    vs::VariableScope s{"s", {.custom_getter = custom_getter}};
    vs::get_variable("v", {1});
  }
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].name, "s/v");
  EXPECT_EQ(seen[0].shape, vs::Shape{1});
  EXPECT_EQ(seen[0].dtype, vs::float32);
  EXPECT_TRUE(seen[0].initializer.empty());
  EXPECT_FALSE(static_cast<bool>(seen[0].regularizer));
  EXPECT_EQ(seen[0].reuse, vs::Reuse(false));
  EXPECT_TRUE(seen[0].trainable);
  EXPECT_FALSE(seen[0].collections.has_value());
  EXPECT_FALSE(seen[0].caching_device.has_value());
  EXPECT_FALSE(static_cast<bool>(seen[0].partitioner));
  EXPECT_TRUE(seen[0].validate_shape);
  EXPECT_EQ(seen[0].synchronization, vs::Synchronization::kAuto);
  EXPECT_EQ(seen[0].aggregation, vs::Aggregation::kNone);
  EXPECT_FALSE(static_cast<bool>(seen[0].constraint));
  {
    vs::VariableScope s{"s", {.custom_getter = custom_getter}};
    vs::get_variable("v1", {1},
                     {.synchronization = vs::Synchronization::kOnRead, .aggregation = vs::Aggregation::kMean});
  }
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].name, "s/v1");
  EXPECT_EQ(seen[1].synchronization, vs::Synchronization::kOnRead);
  EXPECT_EQ(seen[1].aggregation, vs::Aggregation::kMean);
  EXPECT_FALSE(seen[1].trainable);  // ON_READ defaults trainable to false before the getter runs
  // Explicit arguments arrive as given.
  {
    vs::VariableScope s{"s", {.custom_getter = custom_getter}};
    vs::get_variable("v2", {2, 3},
                     {.dtype = vs::float64,
                      .initializer = vs::zeros_initializer(),
                      .trainable = false,
                      .collections = std::vector<std::string>{"mine"},
                      .caching_device = "/job:moo"});
  }
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[2].shape, (vs::Shape{2, 3}));
  EXPECT_EQ(seen[2].dtype, vs::float64);
  EXPECT_FALSE(seen[2].initializer.empty());
  EXPECT_FALSE(seen[2].trainable);
  ASSERT_TRUE(seen[2].collections.has_value());
  EXPECT_EQ(*seen[2].collections, std::vector<std::string>{"mine"});
  ASSERT_TRUE(seen[2].caching_device.has_value());
  EXPECT_EQ(seen[2].caching_device->device, "/job:moo");
}

// §1.7: a child scope without a getter inherits the parent's; re-entering a captured scope keeps it.
TEST(CustomGetters, GetterInheritedByChildrenAndOnReentry) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<std::string> seen;
  vs::CustomGetter getter = recording_getter(seen);
  vs::VariableScopeRef outer;
  {
    vs::VariableScope s{"outer", {.custom_getter = getter}};
    outer = s.scope();
    EXPECT_TRUE(static_cast<bool>(s.scope().custom_getter()));
    vs::VariableScope child{"child"};
    EXPECT_TRUE(static_cast<bool>(child.scope().custom_getter()));
    vs::get_variable("a", {1});
  }
  {
    vs::VariableScope again{outer};
    vs::get_variable("b", {1});
  }
  {
    vs::VariableScope other{"other"};  // no getter here
    EXPECT_FALSE(static_cast<bool>(other.scope().custom_getter()));
    vs::get_variable("c", {1});
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"outer/child/a", "outer/b"}));
}

// §1.7: set_custom_getter replaces the getter (no chaining) for the rest of that scope.
TEST(CustomGetters, SetCustomGetterReplacesWithoutChaining) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<std::string> seen1, seen2, seen3;
  {
    vs::VariableScope s{"o", {.custom_getter = recording_getter(seen1)}};
    vs::get_variable_scope().set_custom_getter(recording_getter(seen2));
    vs::get_variable("w", {1});
  }
  EXPECT_TRUE(seen1.empty());
  EXPECT_EQ(seen2, std::vector<std::string>{"o/w"});
  // Inside a chain: set_custom_getter on the inner scope drops the whole inherited chain.
  seen1.clear();
  seen2.clear();
  {
    vs::VariableScope a{"a", {.custom_getter = recording_getter(seen1)}};
    vs::VariableScope b{"b", {.custom_getter = recording_getter(seen2)}};
    vs::get_variable_scope().set_custom_getter(recording_getter(seen3));
    vs::get_variable("w", {1});
  }
  EXPECT_TRUE(seen1.empty());
  EXPECT_TRUE(seen2.empty());
  EXPECT_EQ(seen3, std::vector<std::string>{"a/b/w"});
  // The replacement vanished with the scopes: the root has no getter.
  EXPECT_FALSE(static_cast<bool>(vs::get_variable_scope().custom_getter()));
}

// §1.7 chaining (TF 2.21): nested scopes with getters both run, inner first, same full name.
TEST(CustomGetters, ChainedGettersInnerFirst) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<std::string> order;
  auto tagged = [&order](std::string tag) -> vs::CustomGetter {
    return [&order, tag](const vs::Getter& getter, const vs::GetterArgs& args) -> vs::GetVariableResult {
      order.push_back(tag + ":" + args.name);
      vs::GetVariableResult r = getter(args);
      order.push_back(tag + ":done");
      return r;
    };
  };
  {
    vs::VariableScope outer{"o3", {.custom_getter = tagged("outer")}};
    vs::VariableScope inner{"in", {.custom_getter = tagged("inner")}};
    vs::get_variable("w", {1});
  }
  EXPECT_EQ(order, (std::vector<std::string>{"inner:o3/in/w", "outer:o3/in/w", "outer:done", "inner:done"}));
}

// §1.4 step 1 (TF 2.21): a custom_getter argument replaces the scope's getter for that call.
TEST(CustomGetters, ArgumentGetterReplacesScopeGetter) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<std::string> scope_seen, arg_seen;
  {
    vs::VariableScope s{"o", {.custom_getter = recording_getter(scope_seen)}};
    vs::get_variable("w", {1}, {.custom_getter = recording_getter(arg_seen)});
    vs::get_variable("x", {1});
  }
  EXPECT_EQ(arg_seen, std::vector<std::string>{"o/w"});
  EXPECT_EQ(scope_seen, std::vector<std::string>{"o/x"});
  // At the root, an argument getter alone.
  arg_seen.clear();
  vs::get_variable("r", {1}, {.custom_getter = recording_getter(arg_seen)});
  EXPECT_EQ(arg_seen, std::vector<std::string>{"r"});
}

// §1.7: a getter may skip the true getter entirely and return a tensor; nothing is created.
TEST(CustomGetters, GetterMayReturnTensorWithoutCreating) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::CustomGetter fake = [](const vs::Getter&, const vs::GetterArgs& args) -> vs::GetVariableResult {
    return vs::GetVariableResult(vs::zeros(args.shape, args.dtype, "fake"));
  };
  vs::VariableScope s{"s", {.custom_getter = fake}};
  vs::GetVariableResult r = vs::get_variable("v", {2, 2});
  EXPECT_TRUE(r.is_tensor());
  EXPECT_EQ(r.name(), "fake:0");  // root name scope, not "s/fake:0"
  EXPECT_EQ(r.shape(), (vs::Shape{2, 2}));
  EXPECT_EQ(g.variable_store().size(), 0u);
  EXPECT_TRUE(vs::global_variables().empty());
  EXPECT_THROW((void)r.variable(), vs::TypeError);
}
