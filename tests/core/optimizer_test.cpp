// Optimizers (tf.compat.v1.train): update values against TF's formulas and against values printed
// by TensorFlow 2.21 (tf.compat.v1, ref variables) for the same program, names of slots, update ops
// and train ops as TF builds them, collections, memory categories, reuse scopes, errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/variable_memory.h"
#include "expect_error.h"
#include "varscope/collections.h"
#include "varscope/name_scope.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/train.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

// The program every value test runs (TF: w = get_variable("w", initializer=[1., -2., .5] float64),
// loss = reduce_sum(square(w - [.5, .5, -1.]))): the gradient is 2 (w - t).
struct Quadratic {
  Variable w;
  Output loss;
};

const std::vector<double> kW0{1.0, -2.0, 0.5};
const std::vector<double> kTarget{0.5, 0.5, -1.0};

Quadratic make_quadratic() {
  Quadratic q;
  q.w = get_variable("w", Shape::unknown(), {.initializer = Tensor::from_vector(kW0)}).variable();
  Output t = constant(Tensor::from_vector(kTarget));
  q.loss = reduce_sum(square(q.w - t));
  return q;
}

std::vector<double> grad_of(const std::vector<double>& w) {
  std::vector<double> g(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) g[i] = 2 * (w[i] - kTarget[i]);
  return g;
}

// Python floats reach the kernels as float32 Consts cast to float64.
double f32(double x) { return static_cast<double>(static_cast<float>(x)); }

void expect_near_all(const std::vector<double>& actual, const std::vector<double>& expected,
                     double tol) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tol) << "element " << i;
}

std::vector<double> values(Session& sess, const Variable& v) {
  return sess.run(v.op()->output(0)).to_vector<double>();
}

std::vector<std::string> names(const std::vector<Variable>& vars) {
  std::vector<std::string> out;
  for (const Variable& v : vars) out.push_back(v.name());
  return out;
}

std::vector<std::string> input_names(const Node* node) {
  std::vector<std::string> out;
  for (const Output& in : node->inputs()) out.push_back(in.name());
  return out;
}

std::vector<std::string> control_names(const Node* node) {
  std::vector<std::string> out;
  for (const Node* c : node->control_inputs()) out.push_back(c->name());
  return out;
}

// ---- update values -----------------------------------------------------------------------------

TEST(OptimizerTest, GradientDescentFollowsItsFormulaAndTensorFlow) {
  Graph g;
  DefaultGraph use{g};
  Quadratic q = make_quadratic();
  train::GradientDescentOptimizer opt(0.1);
  Node* step = opt.minimize(q.loss);
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  std::vector<double> w = kW0;
  for (int i = 0; i < 3; ++i) {
    sess.run_targets({step});
    const std::vector<double> grad = grad_of(w);
    for (std::size_t k = 0; k < w.size(); ++k) w[k] -= f32(0.1) * grad[k];
    expect_near_all(values(sess, q.w), w, 1e-15);
  }
  // TF 2.21 printed for the third step:
  expect_near_all(values(sess, q.w), {0.755999997138977, -0.7799999856948852, -0.23200000858306882},
                  1e-15);
}

void run_momentum(bool nesterov, const std::vector<double>& tf_w3,
                  const std::vector<double>& tf_accum3) {
  Graph g;
  DefaultGraph use{g};
  Quadratic q = make_quadratic();
  train::MomentumOptimizer opt(0.1, 0.9, nesterov);
  Node* step = opt.minimize(q.loss);
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  std::vector<double> w = kW0;
  std::vector<double> accum(3, 0.0);
  const double lr = f32(0.1);
  const double momentum = f32(0.9);
  for (int i = 0; i < 3; ++i) {
    sess.run_targets({step});
    const std::vector<double> grad = grad_of(w);
    for (std::size_t k = 0; k < w.size(); ++k) {
      accum[k] = accum[k] * momentum + grad[k];
      w[k] -= nesterov ? grad[k] * lr + accum[k] * momentum * lr : accum[k] * lr;
    }
    expect_near_all(values(sess, q.w), w, 1e-14);
    expect_near_all(values(sess, *opt.get_slot(q.w, "momentum")), accum, 1e-14);
  }
  expect_near_all(values(sess, q.w), tf_w3, 1e-14);
  expect_near_all(values(sess, *opt.get_slot(q.w, "momentum")), tf_accum3, 1e-14);
}

TEST(OptimizerTest, MomentumFollowsItsFormulaAndTensorFlow) {
  run_momentum(false, {0.5310000024288893, 0.3449999878555533, -0.906999992713332},
               {1.9899999326467521, -9.949999663233761, 5.969999797940257});
}

TEST(OptimizerTest, NesterovMomentumFollowsItsFormulaAndTensorFlow) {
  run_momentum(true, {0.4458240081614256, 0.7708799591928723, -1.1625279755157234},
               {1.5903999465584762, -7.951999732792381, 4.771199839675429});
}

TEST(OptimizerTest, AdamFollowsItsFormulaAndTensorFlowAndCountsSteps) {
  Graph g;
  DefaultGraph use{g};
  Quadratic q = make_quadratic();
  Variable global_step = train::get_or_create_global_step();
  train::AdamOptimizer opt(0.1);
  Node* step = opt.minimize(q.loss, global_step);
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  EXPECT_EQ(sess.run(global_step.value()).item<std::int64_t>(), 0);

  std::vector<double> w = kW0, m(3, 0.0), v(3, 0.0);
  const double lr = f32(0.1), beta1 = f32(0.9), beta2 = f32(0.999), epsilon = f32(1e-8);
  float beta1_power = 0.9f, beta2_power = 0.999f;  // float32 variables, as in TF
  for (int i = 0; i < 3; ++i) {
    sess.run_targets({step});
    const std::vector<double> grad = grad_of(w);
    const double alpha = lr * std::sqrt(1 - double(beta2_power)) / (1 - double(beta1_power));
    for (std::size_t k = 0; k < w.size(); ++k) {
      m[k] += (grad[k] - m[k]) * (1 - beta1);
      v[k] += (grad[k] * grad[k] - v[k]) * (1 - beta2);
      w[k] -= m[k] * alpha / (std::sqrt(v[k]) + epsilon);
    }
    beta1_power *= 0.9f;
    beta2_power *= 0.999f;
    expect_near_all(values(sess, q.w), w, 1e-13);
    expect_near_all(values(sess, *opt.get_slot(q.w, "m")), m, 1e-13);
    expect_near_all(values(sess, *opt.get_slot(q.w, "v")), v, 1e-13);
    EXPECT_EQ(sess.run(g.tensor_by_name("beta1_power:0")).item<float>(), beta1_power);
    EXPECT_EQ(sess.run(g.tensor_by_name("beta2_power:0")).item<float>(), beta2_power);
    EXPECT_EQ(sess.run(global_step.value()).item<std::int64_t>(), i + 1);
  }
  // TF 2.21 printed for the third step:
  expect_near_all(values(sess, q.w), {0.7048723142390292, -1.700474973768898, 0.20090391671530178},
                  1e-13);
  expect_near_all(values(sess, *opt.get_slot(q.w, "m")),
                  {0.21323761177524803, -1.297025784363286, 0.7550480453791322}, 1e-13);
  expect_near_all(values(sess, *opt.get_slot(q.w, "v")),
                  {0.002000191762366642, 0.06912844274348262, 0.02357635605356724}, 1e-13);
}

TEST(OptimizerTest, LearningRateCanBeATensor) {
  Graph g;
  DefaultGraph use{g};
  Quadratic q = make_quadratic();
  Output lr = placeholder(float64, Shape{}, "lr");
  train::GradientDescentOptimizer opt(lr);
  Node* step = opt.minimize(q.loss);
  // The tensor is used as is: no "GradientDescent/learning_rate" Const, no Cast.
  EXPECT_EQ(g.find_node("GradientDescent/learning_rate"), nullptr);
  EXPECT_EQ(input_names(g.find_node("GradientDescent/update_w/ApplyGradientDescent"))[1], "lr:0");
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  sess.run({}, {{lr, Tensor::scalar(0.25)}}, {step});
  expect_near_all(values(sess, q.w), {1.0 - 0.25 * 1.0, -2.0 + 0.25 * 5.0, 0.5 - 0.25 * 3.0},
                  1e-15);
}

TEST(OptimizerTest, VarListRestrictsWhatChanges) {
  Graph g;
  DefaultGraph use{g};
  Variable a =
      get_variable("a", Shape::unknown(), {.initializer = Tensor::from_vector<double>({1.0, 2.0})})
          .variable();
  Variable b =
      get_variable("b", Shape::unknown(), {.initializer = Tensor::from_vector<double>({3.0, 4.0})})
          .variable();
  Output loss = reduce_sum(a * b);
  train::GradientDescentOptimizer opt(0.5);
  Node* step = opt.minimize(loss, Variable(), std::vector<Variable>{b});
  EXPECT_EQ(g.find_node("GradientDescent/update_a/ApplyGradientDescent"), nullptr);
  EXPECT_NE(g.find_node("GradientDescent/update_b/ApplyGradientDescent"), nullptr);
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  sess.run_targets({step});
  EXPECT_EQ(values(sess, a), (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(values(sess, b), (std::vector<double>{3.0 - 0.5 * 1.0, 4.0 - 0.5 * 2.0}));
}

TEST(OptimizerTest, ComputeGradientsPairsEveryVariableAndLeavesUnusedOnesNone) {
  Graph g;
  DefaultGraph use{g};
  Variable a = get_variable("a", Shape{2}, {.dtype = float64}).variable();
  Variable unused = get_variable("unused", Shape{2}, {.dtype = float64}).variable();
  Variable counter = get_variable("counter", Shape{}, {.dtype = int32}).variable();
  Output loss = reduce_sum(square(a));
  train::GradientDescentOptimizer opt(0.1);
  std::vector<train::GradAndVar> gv = opt.compute_gradients(loss);
  ASSERT_EQ(gv.size(), 3u);  // the trainable variables, in collection order
  EXPECT_EQ(gv[0].variable, a);
  EXPECT_TRUE(gv[0].gradient.valid());
  EXPECT_EQ(gv[0].gradient.node->name().substr(0, 10), "gradients/");
  EXPECT_EQ(gv[1].variable, unused);
  EXPECT_FALSE(gv[1].gradient.valid());
  EXPECT_EQ(gv[2].variable, counter);
  EXPECT_FALSE(gv[2].gradient.valid());  // integer variables get None
  // apply_gradients skips the Nones.
  Node* step = opt.apply_gradients(gv);
  EXPECT_EQ(step->name(), "GradientDescent");
  EXPECT_EQ(control_names(step),
            (std::vector<std::string>{"GradientDescent/update_a/ApplyGradientDescent"}));
}

// ---- names, collections, colocation ------------------------------------------------------------

TEST(OptimizerTest, AdamNamesSlotsUpdatesAndTheTrainOpAsTensorFlow) {
  Graph g;
  DefaultGraph use{g};
  Variable w = get_variable("w", Shape{2}, {.initializer = constant_initializer(1.0)}).variable();
  Variable b;
  {
    VariableScope s{"s"};
    b = get_variable("b", Shape{2}, {.initializer = zeros_initializer()}).variable();
  }
  Output loss = reduce_sum(w * b + w * w);
  Variable global_step = train::get_or_create_global_step();
  train::AdamOptimizer opt;
  Node* train_op = opt.minimize(loss, global_step);

  // TF: train op 'Adam' AssignAdd ['global_step:0', 'Adam/value:0'].
  EXPECT_EQ(train_op->name(), "Adam");
  EXPECT_EQ(train_op->op(), "AssignAdd");
  EXPECT_EQ(input_names(train_op), (std::vector<std::string>{"global_step:0", "Adam/value:0"}));
  EXPECT_EQ(train_op->colocation_groups(), (std::vector<std::string>{"loc:@global_step"}));
  Node* value = g.find_node("Adam/value");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->output_dtype(0), int64);
  EXPECT_EQ(control_names(value), (std::vector<std::string>{"Adam/update"}));
  EXPECT_EQ(value->colocation_groups(), (std::vector<std::string>{"loc:@global_step"}));

  EXPECT_EQ(
      names(global_variables()),
      (std::vector<std::string>{"w:0", "s/b:0", "global_step:0", "beta1_power:0", "beta2_power:0",
                                "w/Adam:0", "w/Adam_1:0", "s/b/Adam:0", "s/b/Adam_1:0"}));
  EXPECT_EQ(names(trainable_variables()), (std::vector<std::string>{"w:0", "s/b:0"}));
  // The accumulators sit with the first variable by name ("s/b:0" < "w:0"); slots with their own.
  EXPECT_EQ(g.find_node("beta1_power")->colocation_groups(),
            (std::vector<std::string>{"loc:@s/b"}));
  EXPECT_EQ(g.find_node("beta2_power")->colocation_groups(),
            (std::vector<std::string>{"loc:@s/b"}));
  EXPECT_EQ(g.find_node("w/Adam")->colocation_groups(), (std::vector<std::string>{"loc:@w"}));
  EXPECT_EQ(g.find_node("s/b/Adam_1")->colocation_groups(), (std::vector<std::string>{"loc:@s/b"}));
  EXPECT_NE(g.find_node("beta1_power/initial_value"), nullptr);
  EXPECT_EQ(g.find_node("beta1_power")->output_dtype(0), float32);
  EXPECT_NE(g.find_node("w/Adam/Initializer/zeros"), nullptr);
  EXPECT_NE(g.find_node("s/b/Adam_1/Initializer/zeros"), nullptr);

  for (const char* name : {"Adam/learning_rate", "Adam/beta1", "Adam/beta2", "Adam/epsilon"}) {
    ASSERT_NE(g.find_node(name), nullptr) << name;
    EXPECT_EQ(g.find_node(name)->op(), "Const");
  }
  Node* update_w = g.find_node("Adam/update_w/ApplyAdam");
  ASSERT_NE(update_w, nullptr);
  const std::vector<std::string> inputs = input_names(update_w);
  ASSERT_EQ(inputs.size(), 10u);
  EXPECT_EQ(std::vector<std::string>(inputs.begin(), inputs.end() - 1),
            (std::vector<std::string>{"w:0", "w/Adam:0", "w/Adam_1:0", "beta1_power/read:0",
                                      "beta2_power/read:0", "Adam/learning_rate:0", "Adam/beta1:0",
                                      "Adam/beta2:0", "Adam/epsilon:0"}));
  EXPECT_EQ(update_w->colocation_groups(), (std::vector<std::string>{"loc:@w"}));
  EXPECT_FALSE(update_w->attr_as<bool>("use_locking"));
  EXPECT_FALSE(update_w->attr_as<bool>("use_nesterov"));
  EXPECT_NE(g.find_node("Adam/update_s/b/ApplyAdam"), nullptr);

  // beta powers: Adam/mul waits on the updates, Adam/Assign writes it back (colocated with
  // beta1_power).
  Node* mul = g.find_node("Adam/mul");
  EXPECT_EQ(input_names(mul), (std::vector<std::string>{"beta1_power/read:0", "Adam/beta1:0"}));
  EXPECT_EQ(control_names(mul),
            (std::vector<std::string>{"Adam/update_w/ApplyAdam", "Adam/update_s/b/ApplyAdam"}));
  EXPECT_EQ(mul->colocation_groups(), (std::vector<std::string>{"loc:@s/b"}));
  EXPECT_EQ(input_names(g.find_node("Adam/Assign")),
            (std::vector<std::string>{"beta1_power:0", "Adam/mul:0"}));
  EXPECT_EQ(input_names(g.find_node("Adam/Assign_1")),
            (std::vector<std::string>{"beta2_power:0", "Adam/mul_1:0"}));
  EXPECT_EQ(control_names(g.find_node("Adam/update")),
            (std::vector<std::string>{"Adam/update_w/ApplyAdam", "Adam/update_s/b/ApplyAdam",
                                      "Adam/Assign", "Adam/Assign_1"}));

  std::vector<CollectionItem> train_ops = get_collection(GraphKeys::TRAIN_OP);
  ASSERT_EQ(train_ops.size(), 1u);
  EXPECT_EQ(train_ops[0].op(), train_op);

  EXPECT_EQ(opt.get_slot_names(), (std::vector<std::string>{"m", "v"}));
  EXPECT_EQ(opt.get_slot(w, "m")->name(), "w/Adam:0");
  EXPECT_EQ(opt.get_slot(b, "v")->name(), "s/b/Adam_1:0");
  EXPECT_FALSE(opt.get_slot(w, "momentum").has_value());
  EXPECT_EQ(names(opt.variables()),
            (std::vector<std::string>{"beta1_power:0", "beta2_power:0", "s/b/Adam:0",
                                      "s/b/Adam_1:0", "w/Adam:0", "w/Adam_1:0"}));
}

TEST(OptimizerTest, SlotsAndAccumulatorsAreOptimizerStateNotTrainable) {
  Graph g;
  DefaultGraph use{g};
  Variable w = get_variable("w", Shape{256}, {.dtype = float64}).variable();
  train::AdamOptimizer opt;
  opt.minimize(reduce_sum(square(w)));
  for (const Variable& v : opt.variables()) {
    EXPECT_FALSE(v.trainable()) << v.name();
    EXPECT_EQ(variable_memory_category(*v.op()), MemoryCategory::kOptimizerSlot) << v.name();
  }
  EXPECT_EQ(variable_memory_category(*w.op()), MemoryCategory::kVariable);
  // At run time: the model is one 256-double variable, the optimizer two of them plus two floats.
  Session sess{g};
  const MemoryStats before = sess.memory_stats();
  sess.run_targets({global_variables_initializer()});
  const MemoryStats after = sess.memory_stats();
  EXPECT_EQ(after.current_bytes(MemoryCategory::kVariable) -
                before.current_bytes(MemoryCategory::kVariable),
            256 * 8);
  EXPECT_EQ(after.current_bytes(MemoryCategory::kOptimizerSlot) -
                before.current_bytes(MemoryCategory::kOptimizerSlot),
            2 * 256 * 8 + 2 * 4);
}

TEST(OptimizerTest, MomentumAndGradientDescentNamesAsTensorFlow) {
  Graph g;
  DefaultGraph use{g};
  Variable w = get_variable("w", Shape{2}, {.dtype = float64}).variable();
  Output loss = reduce_sum(w * w);
  Node* m = train::MomentumOptimizer(0.1, 0.9, {.use_nesterov = true}).minimize(loss);
  Node* gd = train::GradientDescentOptimizer(0.5).minimize(loss);
  EXPECT_EQ(m->name(), "Momentum");
  EXPECT_EQ(m->op(), "NoOp");
  EXPECT_EQ(control_names(m), (std::vector<std::string>{"Momentum/update_w/ApplyMomentum"}));
  Node* apply = g.find_node("Momentum/update_w/ApplyMomentum");
  ASSERT_NE(apply, nullptr);
  // float64 variable: the float32 hyper-parameters are cast in the update's scope (TF: Cast,
  // Cast_1).
  const std::vector<std::string> inputs = input_names(apply);
  ASSERT_EQ(inputs.size(), 5u);
  EXPECT_EQ(inputs[0], "w:0");
  EXPECT_EQ(inputs[1], "w/Momentum:0");
  EXPECT_EQ(inputs[2], "Momentum/update_w/Cast:0");
  EXPECT_EQ(inputs[4], "Momentum/update_w/Cast_1:0");
  EXPECT_EQ(input_names(g.find_node("Momentum/update_w/Cast")),
            (std::vector<std::string>{"Momentum/learning_rate:0"}));
  EXPECT_EQ(input_names(g.find_node("Momentum/update_w/Cast_1")),
            (std::vector<std::string>{"Momentum/momentum:0"}));
  EXPECT_TRUE(apply->attr_as<bool>("use_nesterov"));
  EXPECT_EQ(gd->name(), "GradientDescent");
  EXPECT_EQ(input_names(g.find_node("GradientDescent/update_w/ApplyGradientDescent"))[1],
            "GradientDescent/update_w/Cast:0");
  EXPECT_EQ(names(global_variables()), (std::vector<std::string>{"w:0", "w/Momentum:0"}));
}

TEST(OptimizerTest, SecondMinimizeUniquifiesScopesAndSlots) {
  Graph g;
  DefaultGraph use{g};
  Variable w = get_variable("w", Shape{2}).variable();
  Output loss = reduce_sum(w * w);
  Node* first = train::AdamOptimizer().minimize(loss);
  Node* second = train::AdamOptimizer().minimize(loss, Variable(), std::nullopt, "second");
  EXPECT_EQ(first->name(), "Adam");
  EXPECT_EQ(second->name(), "second");
  // TF: the second optimizer's accumulators and slots are "beta1_power_1", "w/Adam_2", "w/Adam_3".
  EXPECT_EQ(
      names(global_variables()),
      (std::vector<std::string>{"w:0", "beta1_power:0", "beta2_power:0", "w/Adam:0", "w/Adam_1:0",
                                "beta1_power_1:0", "beta2_power_1:0", "w/Adam_2:0", "w/Adam_3:0"}));
  EXPECT_NE(g.find_node("second/update_w/ApplyAdam"), nullptr);
  // One optimizer minimizing twice keeps its slots: a second apply scope "Adam_1", no new
  // variables.
  train::MomentumOptimizer mom(0.1, 0.9);
  mom.minimize(loss);
  Node* again = mom.minimize(loss);
  EXPECT_EQ(again->name(), "Momentum_1");
  EXPECT_EQ(input_names(g.find_node("Momentum_1/update_w/ApplyMomentum"))[1], "w/Momentum:0");
  EXPECT_EQ(global_variables().size(), 10u);
}

TEST(OptimizerTest, InsideNameAndVariableScopesAsTensorFlow) {
  Graph g;
  DefaultGraph use{g};
  Variable w = get_variable("w", Shape{2}).variable();
  Node* train_op = nullptr;
  Variable step;
  {
    VariableScope vs{"vs"};
    NameScope ns{"ns"};
    step = train::get_or_create_global_step();
    train_op = train::AdamOptimizer().minimize(reduce_sum(w * w), step);
  }
  // TF: 'vs/global_step', accumulators under the name scope, slots under the variable scope.
  EXPECT_EQ(step.name(), "vs/global_step:0");
  EXPECT_EQ(train_op->name(), "vs/ns/Adam");
  EXPECT_EQ(names(global_variables()),
            (std::vector<std::string>{"w:0", "vs/global_step:0", "vs/ns/beta1_power:0",
                                      "vs/ns/beta2_power:0", "vs/w/Adam:0", "vs/w/Adam_1:0"}));
  EXPECT_EQ(input_names(g.find_node("vs/ns/Adam/update_w/ApplyAdam"))[3],
            "vs/ns/beta1_power/read:0");
}

// See Note [Slots under reuse] in varscope/train.h: TF fails here ("Variable model/model/w/Adam/
// does not exist"); the slots get the names TF gives them under AUTO_REUSE.
TEST(OptimizerTest, MinimizeInsideReuseTrueScopeCreatesTheSlots) {
  Graph g;
  DefaultGraph use{g};
  {
    VariableScope model{"model"};
    get_variable("w", Shape{2}, {.dtype = float64, .initializer = constant_initializer(1.0)});
  }
  Node* train_op = nullptr;
  train::AdamOptimizer opt(0.5);
  {
    VariableScope model{"model", {.reuse = true}};
    Variable w = get_variable("w", Shape{2}, {.dtype = float64}).variable();
    train_op = opt.minimize(reduce_sum(w * w));
  }
  EXPECT_EQ(train_op->name(), "model_1/Adam");
  EXPECT_EQ(names(global_variables()),
            (std::vector<std::string>{"model/w:0", "model_1/beta1_power:0", "model_1/beta2_power:0",
                                      "model/model/w/Adam:0", "model/model/w/Adam_1:0"}));
  for (const Variable& v : opt.variables()) EXPECT_FALSE(v.trainable());
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  sess.run_targets({train_op});
  // First Adam step: m = (1 - beta1) g, v = (1 - beta2) g^2, so w moves by about lr.
  const std::vector<double> w = sess.run(g.tensor_by_name("model/w:0")).to_vector<double>();
  EXPECT_NEAR(w[0], 0.5, 1e-6);
  EXPECT_NEAR(w[1], 0.5, 1e-6);
}

TEST(OptimizerTest, MinimizeInsideAutoReuseScopeMatchesTensorFlow) {
  Graph g;
  DefaultGraph use{g};
  {
    VariableScope model{"model"};
    get_variable("w", Shape{2});
  }
  Node* adam = nullptr;
  Node* momentum = nullptr;
  {
    VariableScope model{"model", {.reuse = AUTO_REUSE}};
    Variable w = get_variable("w", Shape{2}).variable();
    adam = train::AdamOptimizer().minimize(reduce_sum(w * w));
  }
  {
    VariableScope model{"model", {.reuse = AUTO_REUSE}};
    Variable w = get_variable("w", Shape{2}).variable();
    momentum = train::MomentumOptimizer(0.1, 0.9).minimize(reduce_sum(w * w));
  }
  // TF 2.21 (compat.v1, ref variables) builds exactly these.
  EXPECT_EQ(adam->name(), "model_1/Adam");
  EXPECT_EQ(momentum->name(), "model_2/Momentum");
  EXPECT_EQ(names(global_variables()),
            (std::vector<std::string>{"model/w:0", "model_1/beta1_power:0", "model_1/beta2_power:0",
                                      "model/model/w/Adam:0", "model/model/w/Adam_1:0",
                                      "model/model/w/Momentum:0"}));
  EXPECT_NE(g.find_node("model_1/Adam/update_model/w/ApplyAdam"), nullptr);
  EXPECT_NE(g.find_node("model_2/Momentum/update_model/w/ApplyMomentum"), nullptr);
}

TEST(OptimizerTest, SlotsInheritTheScopeRegularizerAsInTensorFlow) {
  Graph g;
  DefaultGraph use{g};
  Variable w = get_variable("w", Shape{2}).variable();
  {
    Regularizer reg = [](const Output& x) -> std::optional<Output> {
      return reduce_sum(x, std::nullopt, false, "reg");
    };
    VariableScope s{"train", {.regularizer = reg}};
    train::MomentumOptimizer(0.1, 0.9).minimize(reduce_sum(w * w));
  }
  // The slot is made by get_variable("") inside the scope, so the scope's regularizer applies,
  // under
  // "<slot>/" + "/Regularizer/": TF prints ['train/w/Momentum//Regularizer/reg:0'].
  const std::vector<Output> losses = get_regularization_losses();
  ASSERT_EQ(losses.size(), 1u);
  EXPECT_EQ(losses[0].name(), "train/w/Momentum//Regularizer/reg:0");
}

// ---- global step -------------------------------------------------------------------------------

TEST(GlobalStepTest, CreatedOnceAsTensorFlowDoes) {
  Graph g;
  DefaultGraph use{g};
  EXPECT_FALSE(train::get_global_step().has_value());
  Variable step = train::get_or_create_global_step();
  EXPECT_EQ(step.name(), "global_step:0");
  EXPECT_EQ(step.dtype(), int64);
  EXPECT_EQ(step.shape(), Shape{});
  EXPECT_FALSE(step.trainable());
  EXPECT_EQ(train::get_or_create_global_step(), step);
  EXPECT_EQ(*train::get_global_step(), step);
  EXPECT_EQ(get_variable_collection(GraphKeys::GLOBAL_STEP), std::vector<Variable>{step});
  EXPECT_EQ(global_variables(), std::vector<Variable>{step});
  EXPECT_TRUE(trainable_variables().empty());
  EXPECT_NE(g.find_node("global_step/Initializer/zeros"), nullptr);
  VS_EXPECT_ERROR(train::create_global_step(), ValueError, "\"global_step\" already exists.");
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  EXPECT_EQ(sess.run(step.value()).item<std::int64_t>(), 0);
}

TEST(GlobalStepTest, FollowsTheVariableScopeAndItsReuse) {
  Graph g;
  DefaultGraph use{g};
  {
    VariableScope r{"r", {.reuse = true}};
    VS_EXPECT_ERROR(train::get_or_create_global_step(), ValueError,
                    "Variable r/global_step does not exist, or was not created with "
                    "tf.get_variable(). Did you mean "
                    "to set reuse=tf.AUTO_REUSE in VarScope?");
  }
  Graph other;
  Variable step = train::get_or_create_global_step(other);
  EXPECT_EQ(&step.op()->graph(), &other);
  EXPECT_EQ(step.name(), "global_step:0");
  EXPECT_FALSE(train::get_global_step(g).has_value());
}

TEST(GlobalStepTest, ExistingGlobalStepMustBeAnIntegerScalar) {
  Graph g;
  DefaultGraph use{g};
  Variable wrong = get_variable("global_step", Shape{}, {.dtype = float32}).variable();
  VS_EXPECT_ERROR(train::get_global_step(), TypeError,
                  "Existing \"global_step\" does not have integer type: <dtype: 'float32'>");
  Graph g2;
  DefaultGraph use2{g2};
  Variable vector = get_variable("global_step", Shape{2}, {.dtype = int64}).variable();
  VS_EXPECT_ERROR(train::get_global_step(), TypeError,
                  "Existing \"global_step\" is not scalar: (2,)");
}

TEST(GlobalStepTest, AssignAddIncrementsOncePerRun) {
  Graph g;
  DefaultGraph use{g};
  Variable w = get_variable("w", Shape{1}, {.dtype = float64}).variable();
  Variable step = train::get_or_create_global_step();
  Node* train_op = train::GradientDescentOptimizer(0.1).minimize(reduce_sum(w * w), step);
  EXPECT_EQ(train_op->name(), "GradientDescent");
  EXPECT_EQ(train_op->op(), "AssignAdd");
  EXPECT_NE(g.find_node("GradientDescent/update"), nullptr);
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  for (int i = 1; i <= 4; ++i) {
    sess.run_targets({train_op});
    EXPECT_EQ(sess.run(step.value()).item<std::int64_t>(), i);
  }
  // Fetching the train op's output gives the incremented step.
  EXPECT_EQ(sess.run(train_op->output(0)).item<std::int64_t>(), 5);
}

// ---- errors ------------------------------------------------------------------------------------

TEST(OptimizerErrorTest, NoGradientsNamesTheVariablesAndTheLoss) {
  Graph g;
  DefaultGraph use{g};
  get_variable("w", Shape{2}, {.dtype = float64});
  Output c = constant(3.0, float32);
  VS_EXPECT_ERROR(
      train::AdamOptimizer().minimize(c), ValueError,
      "No gradients provided for any variable, check your graph for ops that do not support "
      "gradients, "
      "between variables [\"<tf.Variable 'w:0' shape=(2,) dtype=float64_ref>\"] and loss "
      "Tensor(\"Const:0\", shape=(), dtype=float32).");
}

TEST(OptimizerErrorTest, EmptyVarListAndNoTrainableVariables) {
  Graph g;
  DefaultGraph use{g};
  Output c = constant(3.0, float32);
  VS_EXPECT_ERROR(train::GradientDescentOptimizer(0.1).minimize(c), ValueError,
                  "No variables to optimize.");
  Variable w = get_variable("w", Shape{2}).variable();
  VS_EXPECT_ERROR(train::GradientDescentOptimizer(0.1).minimize(reduce_sum(w), Variable(),
                                                                std::vector<Variable>{}),
                  ValueError, "No variables to optimize.");
}

TEST(OptimizerErrorTest, IntegerLossIsRejected) {
  Graph g;
  DefaultGraph use{g};
  Variable x = get_variable("x", Shape{2}, {.dtype = int32}).variable();
  VS_EXPECT_ERROR(train::AdamOptimizer().minimize(reduce_sum(x)), ValueError,
                  "Invalid type tf.int32 for Sum:0, expected: [tf.float32, tf.float64, tf.float16, "
                  "tf.bfloat16].");
}

TEST(OptimizerErrorTest, ApplyGradientsWithoutGradients) {
  Graph g;
  DefaultGraph use{g};
  Variable w = get_variable("w", Shape{2}, {.dtype = float64}).variable();
  VS_EXPECT_ERROR(train::AdamOptimizer().apply_gradients({{Output(), w}}), ValueError,
                  "No gradients provided for any variable: [\"<tf.Variable 'w:0' shape=(2,) "
                  "dtype=float64_ref>\"].");
  VS_EXPECT_ERROR(train::AdamOptimizer().apply_gradients({}), ValueError, "No variables provided.");
}

TEST(OptimizerErrorTest, GradientOfAnotherShapeIsRejectedNamingTheVariable) {
  Graph g;
  DefaultGraph use{g};
  Variable w = get_variable("w", Shape{2}).variable();
  Output wrong = constant(Tensor::from_vector<float>({1, 2, 3}));
  VS_EXPECT_ERROR(train::GradientDescentOptimizer(0.1).apply_gradients({{wrong, w}}),
                  InvalidArgumentError,
                  "[ApplyGradientDescent] node 'GradientDescent/update_w/ApplyGradientDescent': "
                  "var w and delta do "
                  "not have the same shape: (2,) and (3,)");
}

TEST(OptimizerErrorTest, RunningBeforeInitializationNamesTheSlot) {
  Graph g;
  DefaultGraph use{g};
  Variable w = get_variable("w", Shape{2}).variable();
  Node* step = train::MomentumOptimizer(0.1, 0.9).minimize(reduce_sum(w * w));
  Session sess{g};
  sess.run_targets({w.initializer()});
  VS_EXPECT_ERROR(sess.run_targets({step}), FailedPreconditionError,
                  "Attempting to use uninitialized value w/Momentum");
}

}  // namespace
}  // namespace varscope
