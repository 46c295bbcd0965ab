#include "varscope/session.h"

#include <gtest/gtest.h>

#include "core/backend.h"
#include "core/kernel.h"
#include "expect_error.h"
#include "varscope/collections.h"
#include "varscope/ops.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

Variable make_variable(const Tensor& initial_value, const std::string& name) {
  VariableOptions options;
  options.name = name;
  return Variable(initial_value, options);
}

TEST(SessionTest, RunsFeedsAndFetches) {
  Graph g;
  DefaultGraph use{g};
  const Output x = placeholder(float32, Shape{-1, 3}, "x");
  const Output y = add(x, x, "y");
  Session sess{g};
  EXPECT_EQ(&sess.graph(), &g);
  const Tensor in = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  const Tensor out = sess.run(y, {{x, in}});
  EXPECT_EQ(out.dtype(), float32);
  EXPECT_EQ(out.shape(), Shape({2, 3}));
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{2, 4, 6, 8, 10, 12}));
  // Another batch size through the same (cached) plan.
  const Tensor one = Tensor::from_vector<float>({1, 1, 1}, Shape{1, 3});
  EXPECT_EQ(sess.run(y, {{x, one}}).to_vector<float>(), (std::vector<float>{2, 2, 2}));
  // Several fetches, the fed tensor among them.
  const std::vector<Tensor> both = sess.run({y, x}, {{x, one}});
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].to_vector<float>(), (std::vector<float>{2, 2, 2}));
  EXPECT_EQ(both[1].to_vector<float>(), (std::vector<float>{1, 1, 1}));
}

TEST(SessionTest, FeedOfTheWrongDTypeNamesTheTensorAndBothDTypes) {
  Graph g;
  DefaultGraph use{g};
  const Output x = placeholder(float32, Shape{-1, 3}, "x");
  const Output y = add(x, x, "y");
  Session sess{g};
  VS_EXPECT_ERROR(sess.run(y, {{x, Tensor::from_vector<std::int32_t>({1, 2, 3}, Shape{1, 3})}}),
                  InvalidArgumentError,
                  "Cannot feed value of dtype int32 for Tensor 'x:0', which has dtype float32");
}

TEST(SessionTest, FeedOfTheWrongShapeNamesTheTensorAndBothShapes) {
  Graph g;
  DefaultGraph use{g};
  const Output x = placeholder(float32, Shape{-1, 3}, "x");
  const Output y = add(x, x, "y");
  Session sess{g};
  VS_EXPECT_ERROR(sess.run(y, {{x, Tensor::from_vector<float>({1, 2})}}), InvalidArgumentError,
                  "Cannot feed value of shape (2,) for Tensor 'x:0', which has shape '(?, 3)'");
  VS_EXPECT_ERROR(sess.run(y, {{x, Tensor::zeros(float32, Shape{2, 4})}}), InvalidArgumentError,
                  "Cannot feed value of shape (2, 4) for Tensor 'x:0', which has shape '(?, 3)'");
  VS_EXPECT_ERROR(sess.run(y, {{x, Tensor()}}), InvalidArgumentError,
                  "Cannot feed an undefined Tensor for Tensor 'x:0'");
  VS_EXPECT_ERROR(sess.run(y, {{x, Tensor::zeros(float32, Shape{1, 3})},
                               {x, Tensor::zeros(float32, Shape{1, 3})}}),
                  InvalidArgumentError, "Tensor 'x:0' is fed more than once");
}

TEST(SessionTest, UnfedPlaceholderIsNamed) {
  Graph g;
  DefaultGraph use{g};
  const Output x = placeholder(float32, Shape{-1, 3}, "x");
  const Output y = add(x, x, "y");
  Session sess{g};
  VS_EXPECT_ERROR(
      sess.run(y), InvalidArgumentError,
      "You must feed a value for placeholder tensor 'x' with dtype float32 and shape (?, 3)");
  VS_EXPECT_ERROR(
      sess.run(x), InvalidArgumentError,
      "You must feed a value for placeholder tensor 'x' with dtype float32 and shape (?, 3)");
  const Output u = placeholder(int64, Shape::unknown(), "u");
  VS_EXPECT_ERROR(
      sess.run(identity(u)), InvalidArgumentError,
      "You must feed a value for placeholder tensor 'u' with dtype int64 and shape <unknown>");
}

TEST(SessionTest, FeedingAnIntermediateTensorCutsTheGraphThere) {
  Graph g;
  DefaultGraph use{g};
  const Output x = placeholder(float32, Shape{2}, "x");
  const Output y = add(x, x, "y");
  const Output z = multiply(y, y, "z");
  Session sess{g};
  // x is not needed once y is fed, so it need not be fed.
  EXPECT_EQ(sess.run(z, {{y, Tensor::from_vector<float>({3, -4})}}).to_vector<float>(),
            (std::vector<float>{9, 16}));
}

TEST(SessionTest, TensorsOfAnotherGraphAreRejected) {
  Graph g;
  Graph other;
  Output foreign;
  {
    DefaultGraph use{other};
    foreign = constant(Tensor::scalar(1.0f), "c");
  }
  Session sess{g};
  VS_EXPECT_ERROR(sess.run(foreign), InvalidArgumentError,
                  "Tensor 'c:0' is not an element of this graph.");
  VS_EXPECT_ERROR(sess.run_targets({foreign.node}), InvalidArgumentError,
                  "Operation 'c' is not an element of this graph.");
}

TEST(SessionTest, UninitializedVariableIsNamed) {
  Graph g;
  DefaultGraph use{g};
  const Variable v = make_variable(Tensor::from_vector<float>({1, 2}), "v");
  const Output w = add(v, v, "w");
  Session sess{g};
  EXPECT_FALSE(sess.is_initialized(v));
  VS_EXPECT_ERROR(sess.run(v.value()), FailedPreconditionError,
                  "Attempting to use uninitialized value v");
  VS_EXPECT_ERROR(sess.run(w), FailedPreconditionError, "Attempting to use uninitialized value v");
  VS_EXPECT_ERROR(sess.run(v.op()->output(0)), FailedPreconditionError,
                  "Attempting to use uninitialized value v");

  sess.run_targets({v.initializer()});
  EXPECT_TRUE(sess.is_initialized(v));
  EXPECT_EQ(sess.run(v.value()).to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(sess.run(v.op()->output(0)).to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(sess.run(w).to_vector<float>(), (std::vector<float>{2, 4}));
}

TEST(SessionTest, UninitializedScopedVariableIsNamedWithItsScope) {
  Graph g;
  DefaultGraph use{g};
  Variable w;
  {
    VariableScope model{"model"};
    GetVariableOptions options;
    options.initializer = constant_initializer(3.0);
    w = get_variable("w", Shape{2}, options);
  }
  Session sess{g};
  VS_EXPECT_ERROR(sess.run(w.value()), FailedPreconditionError,
                  "Attempting to use uninitialized value model/w");
  sess.run_targets({global_variables_initializer(g)});
  EXPECT_EQ(sess.run(w.value()).to_vector<float>(), (std::vector<float>{3, 3}));
}

TEST(SessionTest, AssigningFromAnUninitializedVariableFails) {
  Graph g;
  DefaultGraph use{g};
  const Variable a = make_variable(Tensor::scalar(1.0f), "a");
  const Variable b = make_variable(Tensor::scalar(2.0f), "b");
  const Output copy = assign(b, a, true, "copy");
  Session sess{g};
  // Assign may write an uninitialized b, but may not read the uninitialized a.
  VS_EXPECT_ERROR(sess.run(copy), FailedPreconditionError,
                  "Attempting to use uninitialized value a");
  EXPECT_FALSE(sess.is_initialized(b));
  sess.run_targets({a.initializer()});
  EXPECT_EQ(sess.run(copy).item<float>(), 1.0f);
  EXPECT_TRUE(sess.is_initialized(b));
  EXPECT_EQ(sess.run(b.value()).item<float>(), 1.0f);
}

TEST(SessionTest, AssignWritesTheVariable) {
  Graph g;
  DefaultGraph use{g};
  const Variable v = make_variable(Tensor::from_vector<float>({1, 2}), "v");
  const Output set = assign(v, constant(Tensor::from_vector<float>({5, 6})), true, "set");
  Output after_set;
  {
    // Reads through the variable's own output see the value at the time they run.
    ControlDependencies deps{std::vector<Node*>{set.node}};
    after_set = identity(v.op()->output(0), "after_set");
  }
  Session sess{g};
  sess.run_targets({v.initializer()});
  EXPECT_EQ(sess.run(after_set).to_vector<float>(), (std::vector<float>{5, 6}));
  EXPECT_EQ(sess.run(v.value()).to_vector<float>(), (std::vector<float>{5, 6}));
  sess.run_targets({v.initializer()});
  EXPECT_EQ(sess.run(v.value()).to_vector<float>(), (std::vector<float>{1, 2}));
}

TEST(SessionTest, FetchedValuesAreTheCallersOwn) {
  Graph g;
  DefaultGraph use{g};
  const Variable v = make_variable(Tensor::from_vector<float>({1, 2}), "v");
  const Output c = constant(Tensor::from_vector<float>({7, 8}), "c");
  Session sess{g};
  sess.run_targets({v.initializer()});
  Tensor fetched = sess.run(v.value());
  fetched.data<float>()[0] = 100.0f;
  Tensor constant_value = sess.run(c);
  constant_value.data<float>()[1] = -1.0f;
  EXPECT_EQ(sess.run(v.value()).to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(sess.run(c).to_vector<float>(), (std::vector<float>{7, 8}));
}

TEST(SessionTest, VariableValuesArePerSession) {
  Graph g;
  DefaultGraph use{g};
  const Variable v = make_variable(Tensor::scalar(1.0f), "v");
  const Output set_two = assign(v, constant(2.0, float32), true, "set_two");
  Session first{g};
  Session second{g};
  first.run_targets({v.initializer()});
  EXPECT_TRUE(first.is_initialized(v));
  EXPECT_FALSE(second.is_initialized(v));
  VS_EXPECT_ERROR(second.run(v.value()), FailedPreconditionError,
                  "Attempting to use uninitialized value v");
  second.run_targets({set_two.node});
  EXPECT_EQ(first.run(v.value()).item<float>(), 1.0f);
  EXPECT_EQ(second.run(v.value()).item<float>(), 2.0f);
}

TEST(SessionTest, MissingKernelIsRejectedBeforeAnythingRuns) {
  Graph g;
  DefaultGraph use{g};
  const Variable v = make_variable(Tensor::scalar(1.0f), "v");
  // The CPU backend has no int8 Add (TF has none either), though the op accepts int8.
  const Output c = constant(Tensor::from_vector<std::int8_t>({1, 2}), "c");
  const Output bad = add(c, c, "bad");
  ASSERT_EQ(kernel_registry().find("Add", DeviceType::kCPU, int8), nullptr)
      << "pick an op with no kernel";
  Session sess{g};
  VS_EXPECT_ERROR(
      sess.run({bad}, {}, {v.initializer()}), UnimplementedError,
      "No kernel registered for op 'Add' (dtype int8) on device CPU, needed by node 'bad'");
  // The initializer came first in the graph, yet it did not run.
  EXPECT_FALSE(sess.is_initialized(v));
}

TEST(SessionTest, GlobalVariablesInitializer) {
  Graph g;
  DefaultGraph use{g};
  const Variable a = make_variable(Tensor::scalar(1.0f), "a");
  const Variable b = make_variable(Tensor::from_vector<std::int32_t>({4, 5}), "b");
  Node* init = global_variables_initializer(g);
  EXPECT_EQ(init->name(), "init");
  EXPECT_EQ(init->op(), "NoOp");
  EXPECT_EQ(init->control_inputs(), (std::vector<Node*>{a.initializer(), b.initializer()}));
  EXPECT_EQ(global_variables_initializer(g)->name(), "init_1");
  Session sess{g};
  sess.run_targets({init});
  EXPECT_TRUE(sess.is_initialized(a));
  EXPECT_TRUE(sess.is_initialized(b));
  EXPECT_EQ(sess.run(b.value()).to_vector<std::int32_t>(), (std::vector<std::int32_t>{4, 5}));
}

TEST(SessionTest, LocalAndListedVariablesInitializers) {
  Graph g;
  DefaultGraph use{g};
  const Variable global = make_variable(Tensor::scalar(1.0f), "global");
  GetVariableOptions options;
  options.initializer = zeros_initializer();
  const Variable local = get_local_variable("local", Shape{3}, options);
  Node* local_init = local_variables_initializer(g);
  EXPECT_EQ(local_init->name(), "init");
  EXPECT_EQ(local_init->control_inputs(), (std::vector<Node*>{local.initializer()}));

  Session sess{g};
  sess.run_targets({local_init});
  EXPECT_TRUE(sess.is_initialized(local));
  EXPECT_FALSE(sess.is_initialized(global));
  EXPECT_EQ(sess.run(local.value()).to_vector<float>(), (std::vector<float>{0, 0, 0}));

  Node* listed = variables_initializer({global}, "init_global");
  EXPECT_EQ(listed->name(), "init_global");
  sess.run_targets({listed});
  EXPECT_TRUE(sess.is_initialized(global));

  Node* none = variables_initializer({});
  EXPECT_EQ(none->name(), "init_1");
  EXPECT_EQ(none->op(), "NoOp");
  EXPECT_TRUE(none->control_inputs().empty());
  sess.run_targets({none});
}

TEST(SessionTest, MemoryStatsGrowWithAVariableAndShrinkWithTheSession) {
  Graph g;
  DefaultGraph use{g};
  const Variable w = get_variable("w", Shape{64, 256});  // glorot_uniform: computed at run time
  Node* init = global_variables_initializer(g);
  const std::int64_t bytes = 64 * 256 * 4;
  MemoryStats before;
  {
    Session sess{g};
    before = sess.memory_stats("/cpu:0");
    sess.run_targets({init});
    const MemoryStats after = sess.memory_stats("/cpu:0");
    EXPECT_EQ(after.current_bytes(MemoryCategory::kVariable) -
                  before.current_bytes(MemoryCategory::kVariable),
              bytes);
    // The session also keeps the random op's stream position (a few bytes), nothing else.
    EXPECT_GE(after.total_current - before.total_current, bytes);
    EXPECT_LT(after.total_current - before.total_current, bytes + 64);
    EXPECT_GE(after.total_peak, after.total_current);
    EXPECT_GE(after.reserved, after.total_current);
    // Running the initializer again replaces the value; it does not add a second copy.
    sess.run_targets({init});
    EXPECT_EQ(sess.memory_stats().total_current, after.total_current);
  }
  // The session's values go with it.
  EXPECT_EQ(cpu_backend().allocator().stats().total_current, before.total_current);
  EXPECT_EQ(cpu_backend().allocator().stats().current_bytes(MemoryCategory::kVariable),
            before.current_bytes(MemoryCategory::kVariable));
}

TEST(SessionTest, DeviceOptionsAndStats) {
  Graph g;
  DefaultGraph use{g};
  const Output c = constant(Tensor::scalar(2.5f), "c");
  EXPECT_THROW(Session(g, {.device = "/gpu:x"}), InvalidArgumentError);
  Session on_gpu{g, {.device = "/gpu:0"}};  // soft placement: runs on the CPU without a GPU
  EXPECT_EQ(on_gpu.run(c).item<float>(), 2.5f);
  if (!cuda_available()) {
    VS_EXPECT_ERROR(on_gpu.memory_stats("/gpu:0"), NotFoundError,
                    "Device '/device:GPU:0' is not available; available devices are "
                    "[ /job:localhost/replica:0/task:0/device:CPU:0 ]");
  }
}

TEST(SessionVariableValues, AssignAndReadAVariableDirectly) {
  Graph g;
  DefaultGraph use{g};
  const Variable v = get_variable("scope_v", {2, 2}, {.initializer = zeros()});
  const Output doubled = multiply(v, constant(2.0, DType::kFloat32));
  Session sess(g);
  VS_EXPECT_ERROR(sess.variable_value(v), FailedPreconditionError, "Attempting to use uninitialized value scope_v");
  sess.assign_variable(v, Tensor::from_vector<float>({1, 2, 3, 4}, Shape{2, 2}));
  EXPECT_TRUE(sess.is_initialized(v));
  EXPECT_EQ(sess.variable_value(v).to_vector<float>(), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(sess.run(doubled).to_vector<float>(), (std::vector<float>{2, 4, 6, 8}));
  // The value is copied: changing the tensor passed in changes nothing.
  Tensor value = Tensor::from_vector<float>({5, 6, 7, 8}, Shape{2, 2});
  sess.assign_variable(v, value);
  value.data<float>()[0] = -1;
  EXPECT_EQ(sess.variable_value(v).to_vector<float>(), (std::vector<float>{5, 6, 7, 8}));

  VS_EXPECT_ERROR(sess.assign_variable(v, Tensor::from_vector<float>({1, 2, 3}, Shape{3})), InvalidArgumentError,
                  "Cannot assign a value of shape (3,) to variable scope_v, which has shape (2, 2)");
  VS_EXPECT_ERROR(sess.assign_variable(v, Tensor::zeros(DType::kFloat64, Shape{2, 2})), InvalidArgumentError,
                  "Cannot assign a value of dtype float64 to variable scope_v, which has dtype float32");
  EXPECT_EQ(sess.variable_value(v).to_vector<float>(), (std::vector<float>{5, 6, 7, 8}));
}

}  // namespace
}  // namespace varscope
