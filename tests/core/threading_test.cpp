// Acceptance tests: threads, graphs, control dependencies and device functions (spec §1.8, §2 L
// cases 110-113, 115, 116, 118, §3 VariableScopeMultithreadedTest), plus a concurrency stress test
// of "look up or create" (§1.8: atomic per store; run it under ThreadSanitizer).
//
// The default-graph stack is per thread: every spawned thread makes the graph its default first
// (TF's `with graph.as_default():` inside thread_fn).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <latch>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

const std::string kFooVExists =
    "Variable foo/v already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?";

// What a thread saw; checked on the main thread after join.
struct ThreadResult {
  std::string variable_name;
  std::string scope_name;
  std::string original_name_scope;
  std::string error_type;
  std::string error;
};

// Runs `body` and records a varscope::ValueError's text (other exceptions too, typed "other").
template <class F>
void record_errors(ThreadResult& r, F&& body) {
  try {
    body();
  } catch (const vs::ValueError& e) {
    r.error_type = "ValueError";
    r.error = e.what();
  } catch (const std::exception& e) {
    r.error_type = "other";
    r.error = e.what();
  }
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

// Case 110 / testTwoThreadsDisjointScopeEntry: the store is shared; the second thread cannot
// recreate foo/v.
TEST(Threading, TwoThreadsDisjointScopeEntry) {
  vs::Graph g;
  ThreadResult results[2];
  auto thread_fn = [&g, &results](int i) {
    vs::DefaultGraph use{g};
    record_errors(results[i], [&] {
      vs::VariableScope foo{"foo"};
      vs::GetVariableResult v = vs::get_variable("v", {});
      results[i].variable_name = v.name();
    });
  };
  std::thread t0(thread_fn, 0);
  t0.join();  // thread 0 finishes before thread 1 starts
  std::thread t1(thread_fn, 1);
  t1.join();
  EXPECT_EQ(results[0].variable_name, "foo/v:0");
  EXPECT_EQ(results[0].error, "");
  EXPECT_EQ(results[1].variable_name, "");
  EXPECT_EQ(results[1].error_type, "ValueError");
  EXPECT_TRUE(starts_with(results[1].error, kFooVExists)) << results[1].error;
  EXPECT_EQ(g.variable_store().size(), 1u);
}

// Case 111 / testTwoThreadsNestedScopeEntry: same while thread 0 is still inside "foo"; the second
// thread's variable scope is "foo" but its name scope is "foo_1/" (names_in_use is shared, §1.8).
TEST(Threading, TwoThreadsNestedScopeEntry) {
  vs::Graph g;
  ThreadResult results[2];
  std::latch paused0{1}, paused1{1}, run{1};
  auto thread_fn = [&](int i, std::latch& paused) {
    vs::DefaultGraph use{g};
    bool signalled = false;
    record_errors(results[i], [&] {
      vs::VariableScope foo{"foo"};
      results[i].scope_name = foo.name();
      results[i].original_name_scope = foo.original_name_scope();
      // The error (thread 1) is caught while still inside the scope.
      record_errors(results[i], [&] { results[i].variable_name = vs::get_variable("v", {}).name(); });
      signalled = true;
      paused.count_down();
      run.wait();
    });
    if (!signalled) paused.count_down();  // never leave the main thread waiting
  };
  std::thread t0(thread_fn, 0, std::ref(paused0));
  paused0.wait();
  std::thread t1(thread_fn, 1, std::ref(paused1));
  paused1.wait();
  run.count_down();  // resume both
  t0.join();
  t1.join();
  EXPECT_EQ(results[0].variable_name, "foo/v:0");
  EXPECT_EQ(results[0].error, "");
  EXPECT_EQ(results[0].scope_name, "foo");
  EXPECT_EQ(results[0].original_name_scope, "foo/");
  EXPECT_EQ(results[1].scope_name, "foo");
  EXPECT_EQ(results[1].original_name_scope, "foo_1/");
  EXPECT_EQ(results[1].error_type, "ValueError");
  EXPECT_TRUE(starts_with(results[1].error, kFooVExists)) << results[1].error;
}

// Case 112 / testReenterMainScope: a thread re-entering the captured main scope gets its prefix;
// outside it, the thread is at the root.
TEST(Threading, ReenterMainScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  ThreadResult in_main, outside;
  {
    vs::VariableScope main_scope{"main"};
    vs::VariableScopeRef main_ref = main_scope.scope();
    std::thread t([&g, main_ref, &in_main, &outside] {
      vs::DefaultGraph thread_use{g};
      record_errors(in_main, [&] {
        vs::VariableScope m{main_ref};
        vs::VariableScope foo{"foo"};
        in_main.variable_name = vs::get_variable("v", {}).name();
      });
      record_errors(outside, [&] {
        vs::VariableScope bar{"bar"};
        outside.variable_name = vs::get_variable("v", {}).name();
      });
    });
    t.join();
  }
  EXPECT_EQ(in_main.error, "");
  EXPECT_EQ(outside.error, "");
  EXPECT_EQ(in_main.variable_name, "main/foo/v:0");
  EXPECT_EQ(outside.variable_name, "bar/v:0");
}

// Case 113: a thread spawned deep inside scopes starts at the root variable and name scope.
TEST(Threading, ThreadStartsAtRootScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  ThreadResult r;
  std::string thread_name_scope = "unset";
  {
    vs::VariableScope main_scope{"main"};
    vs::NameScope ns{"ns"};
    std::thread t([&] {
      vs::DefaultGraph thread_use{g};
      r.scope_name = vs::get_variable_scope().name();
      thread_name_scope = vs::get_name_scope();
      record_errors(r, [&] { r.variable_name = vs::get_variable("x", {}).name(); });
    });
    t.join();
    EXPECT_EQ(vs::get_variable_scope().name(), "main");  // unchanged here
  }
  EXPECT_EQ(r.scope_name, "");
  EXPECT_EQ(thread_name_scope, "");
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.variable_name, "x:0");
}

// §1.8: default-name numbering is per thread: two threads both get scope "layer".
TEST(Threading, DefaultNameNumberingIsPerThread) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::VariableScope mine{std::nullopt, {.default_name = "layer"}};
    EXPECT_EQ(mine.name(), "layer");
  }
  std::vector<std::string> names[2];
  for (int i = 0; i < 2; ++i) {
    std::thread t([&g, &names, i] {
      vs::DefaultGraph thread_use{g};
      for (int k = 0; k < 2; ++k) {
        vs::VariableScope s{std::nullopt, {.default_name = "layer"}};
        names[i].push_back(s.name());
      }
    });
    t.join();
  }
  EXPECT_EQ(names[0], (std::vector<std::string>{"layer", "layer_1"}));
  EXPECT_EQ(names[1], (std::vector<std::string>{"layer", "layer_1"}));
}

// Case 115 (and testTwoGraphs): scopes belong to (graph, thread); another default graph starts
// at its root; the outer graph's scope comes back afterwards.
TEST(Threading, TwoGraphs) {
  vs::Graph g1, g2;
  vs::DefaultGraph use1{g1};
  {
    vs::VariableScope a{"a"};
    EXPECT_EQ(vs::get_variable_scope().name(), "a");
    {
      vs::DefaultGraph use2{g2};
      EXPECT_EQ(&vs::get_default_graph(), &g2);
      EXPECT_EQ(vs::get_variable_scope().name(), "");
      EXPECT_EQ(vs::get_name_scope(), "");
      vs::Variable x = vs::get_variable("x", {});
      EXPECT_EQ(x.name(), "x:0");
      EXPECT_EQ(&x.op()->graph(), &g2);
      // testTwoGraphs: "_" is not a valid root scope name (TF1 text, E17).
      VS_EXPECT_ERROR({ vs::VariableScope bad{"_"}; }, vs::ValueError, "'_' is not a valid scope name");
    }
    EXPECT_EQ(vs::get_variable_scope().name(), "a");
    vs::Variable y = vs::get_variable("y", {});
    EXPECT_EQ(y.name(), "a/y:0");
    EXPECT_EQ(&y.op()->graph(), &g1);
  }
  EXPECT_EQ(g1.variable_store().size(), 1u);
  EXPECT_EQ(g2.variable_store().size(), 1u);
  EXPECT_TRUE(g1.variable_store().find("a/y").has_value());
  EXPECT_TRUE(g2.variable_store().find("x").has_value());
  EXPECT_FALSE(g1.variable_store().find("x").has_value());
}

// Case 116 / testControlDeps: variable creation ignores enclosing control dependencies.
TEST(Threading, ControlDeps) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable v0 = vs::get_variable("v0", {1}, {.initializer = vs::constant_initializer(0)});
  vs::Variable v1;
  vs::Output add, other;
  {
    vs::ControlDependencies deps{std::vector<vs::Output>{v0.value()}};
    v1 = vs::get_variable("v1", {1}, {.initializer = vs::constant_initializer(1)});
    add = v1.value() + v0.value();
    other = vs::constant(vs::Tensor::scalar(2.0f), "other");
  }
  // The dependency block is real: an ordinary op made inside it depends on v0's read.
  ASSERT_EQ(other.node->control_inputs().size(), 1u);
  EXPECT_EQ(other.node->control_inputs()[0], v0.value().node);
  // ... but nothing of v1 does.
  EXPECT_TRUE(v1.op()->control_inputs().empty());
  EXPECT_TRUE(v1.initializer()->control_inputs().empty());
  EXPECT_TRUE(v1.value().node->control_inputs().empty());
  EXPECT_TRUE(v1.initial_value().node->control_inputs().empty());

  vs::Session sess{g};
  // v0 is uninitialized.
  VS_EXPECT_ERROR_PREFIX(sess.run(v0.value()), vs::FailedPreconditionError, "Attempting to use uninitialized value v0");
  // v1 can be initialized and read without v0.
  sess.run_targets({v1.initializer()});
  EXPECT_EQ(sess.run(v1.value()).to_vector<float>(), std::vector<float>{1.0f});
  EXPECT_TRUE(sess.is_initialized(v1));
  EXPECT_FALSE(sess.is_initialized(v0));
  // v0 is still uninitialized, and add needs it.
  VS_EXPECT_ERROR_PREFIX(sess.run(v0.value()), vs::FailedPreconditionError, "Attempting to use uninitialized value v0");
  VS_EXPECT_ERROR_PREFIX(sess.run(add), vs::FailedPreconditionError, "Attempting to use uninitialized value v0");
  // Once v0 is initialized, add runs.
  sess.run_targets({v0.initializer()});
  EXPECT_EQ(sess.run(add).to_vector<float>(), std::vector<float>{1.0f});
}

// Case 118 / testGetVarWithDevice: a device function sees the VariableV2 ops with name and dtype,
// and its device applies to the variable op.
TEST(Threading, GetVarWithDevice) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<std::pair<std::string, vs::DType>> varname_type;
  vs::Variable x, y;
  {
    vs::DeviceScope device{vs::DeviceFunction([&varname_type](const vs::Node& op) -> std::string {
      if (op.op() == "VariableV2") varname_type.emplace_back(op.name(), op.attr_as<vs::DType>("dtype"));
      return "/device:GPU:0";
    })};
    x = vs::get_variable("x", {100, 200});
    std::vector<std::int64_t> arange(73);
    std::iota(arange.begin(), arange.end(), 0);
    y = vs::get_variable("y", vs::Shape::unknown(),
                         {.dtype = vs::int64, .initializer = vs::Tensor::from_vector<std::int64_t>(arange)});
  }
  ASSERT_EQ(varname_type.size(), 2u);
  EXPECT_EQ(varname_type[0], (std::pair<std::string, vs::DType>{"x", vs::float32}));
  EXPECT_EQ(varname_type[1], (std::pair<std::string, vs::DType>{"y", vs::int64}));
  EXPECT_EQ(x.op()->device(), "/device:GPU:0");
  EXPECT_EQ(y.op()->device(), "/device:GPU:0");
  EXPECT_EQ(y.shape(), vs::Shape{73});
}

// §1.8: concurrent creation of one name without reuse: exactly one thread wins, the rest get E1.
TEST(Threading, ConcurrentCreateExactlyOneWins) {
  constexpr int kThreads = 8;
  constexpr int kNames = 50;
  vs::Graph g;
  std::vector<ThreadResult> results(static_cast<std::size_t>(kThreads * kNames));
  std::latch start{kThreads};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      vs::DefaultGraph use{g};
      start.arrive_and_wait();
      for (int n = 0; n < kNames; ++n) {
        ThreadResult& r = results[static_cast<std::size_t>(t * kNames + n)];
        record_errors(r, [&] { r.variable_name = vs::get_variable("race" + std::to_string(n), {2}).name(); });
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int n = 0; n < kNames; ++n) {
    const std::string name = "race" + std::to_string(n);
    int winners = 0;
    for (int t = 0; t < kThreads; ++t) {
      const ThreadResult& r = results[static_cast<std::size_t>(t * kNames + n)];
      if (r.error.empty()) {
        ++winners;
        EXPECT_EQ(r.variable_name, name + ":0");
      } else {
        EXPECT_EQ(r.error_type, "ValueError");
        EXPECT_TRUE(starts_with(r.error, "Variable " + name +
                                             " already exists, disallowed. Did you mean to set reuse=True or "
                                             "reuse=tf.AUTO_REUSE in VarScope?"))
            << r.error;
      }
    }
    EXPECT_EQ(winners, 1) << name;
    EXPECT_EQ(g.find_node(name + "_1"), nullptr) << "a second op was created for " << name;
  }
  EXPECT_EQ(g.variable_store().size(), static_cast<std::size_t>(kNames));
  EXPECT_EQ(vs::global_variables("", g).size(), static_cast<std::size_t>(kNames));
}

// §1.8 stress: 8 threads x 500 entries of VariableScope{"model", AUTO_REUSE} getting 20 variables,
// while 4 more threads create disjoint variables. Every name exists exactly once, every thread got
// the identical Variable for a name, GLOBAL_VARIABLES has no duplicates, names are exact.
TEST(Threading, ConcurrentAutoReuseStress) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 500;
  constexpr int kVars = 20;
  constexpr int kCreators = 4;
  constexpr int kPerCreator = 50;
  vs::Graph g;
  std::vector<std::vector<vs::Variable>> first_seen(kThreads, std::vector<vs::Variable>(kVars));
  std::vector<std::vector<vs::Variable>> created(kCreators);
  std::atomic<int> identity_mismatches{0};
  std::atomic<int> name_mismatches{0};
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::latch start{kThreads + kCreators};
  std::vector<std::thread> threads;

  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      vs::DefaultGraph use{g};
      start.arrive_and_wait();
      try {
        for (int it = 0; it < kIterations; ++it) {
          vs::VariableScope model{"model", {.reuse = vs::AUTO_REUSE}};
          if (model.name() != "model") ++name_mismatches;
          for (int i = 0; i < kVars; ++i) {
            vs::Variable v = vs::get_variable("v" + std::to_string(i), {2, 3});
            if (v.name() != "model/v" + std::to_string(i) + ":0") ++name_mismatches;
            std::vector<vs::Variable>& mine = first_seen[static_cast<std::size_t>(t)];
            if (it == 0) {
              mine[static_cast<std::size_t>(i)] = v;
            } else if (!(v == mine[static_cast<std::size_t>(i)])) {
              ++identity_mismatches;
            }
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(errors_mutex);
        errors.push_back(e.what());
      }
    });
  }
  for (int c = 0; c < kCreators; ++c) {
    threads.emplace_back([&, c] {
      vs::DefaultGraph use{g};
      start.arrive_and_wait();
      try {
        vs::VariableScope s{"t" + std::to_string(c)};
        for (int j = 0; j < kPerCreator; ++j) {
          created[static_cast<std::size_t>(c)].push_back(vs::get_variable("v" + std::to_string(j), {3}));
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(errors_mutex);
        errors.push_back(e.what());
      }
    });
  }
  for (std::thread& t : threads) t.join();

  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.front());
  EXPECT_EQ(identity_mismatches.load(), 0);
  EXPECT_EQ(name_mismatches.load(), 0);

  // Every thread got the identical Variable for each name, and it is the store's.
  std::set<std::string> expected;
  for (int i = 0; i < kVars; ++i) {
    const vs::Variable& v0 = first_seen[0][static_cast<std::size_t>(i)];
    ASSERT_TRUE(static_cast<bool>(v0));
    const std::string name = "model/v" + std::to_string(i);
    EXPECT_EQ(v0.name(), name + ":0");
    EXPECT_EQ(v0.op_name(), name);
    EXPECT_EQ(g.find_node(name + "_1"), nullptr) << "duplicate op for " << name;
    ASSERT_TRUE(g.variable_store().find(name).has_value());
    EXPECT_EQ(*g.variable_store().find(name), v0);
    for (int t = 1; t < kThreads; ++t) {
      EXPECT_EQ(first_seen[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)], v0) << name << " thread " << t;
    }
    expected.insert(name + ":0");
  }
  for (int c = 0; c < kCreators; ++c) {
    ASSERT_EQ(created[static_cast<std::size_t>(c)].size(), static_cast<std::size_t>(kPerCreator));
    for (int j = 0; j < kPerCreator; ++j) {
      const std::string name = "t" + std::to_string(c) + "/v" + std::to_string(j) + ":0";
      EXPECT_EQ(created[static_cast<std::size_t>(c)][static_cast<std::size_t>(j)].name(), name);
      expected.insert(name);
    }
  }

  const std::size_t total = static_cast<std::size_t>(kVars + kCreators * kPerCreator);
  EXPECT_EQ(g.variable_store().size(), total);
  std::vector<vs::Variable> global = vs::global_variables("", g);
  EXPECT_EQ(global.size(), total);
  std::set<std::string> global_names;
  for (const vs::Variable& v : global) global_names.insert(v.name());
  EXPECT_EQ(global_names.size(), global.size()) << "duplicates in GLOBAL_VARIABLES";
  EXPECT_EQ(global_names, expected);
  EXPECT_EQ(vs::trainable_variables("", g).size(), total);
}
