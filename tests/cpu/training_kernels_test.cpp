// In-place variable update kernels: AssignAdd / AssignSub and the optimizer ops
// ApplyGradientDescent, ApplyMomentum, ApplyAdam built by hand, checked against TF's formulas in
// float32 and float64 (a large variable exercises the sharded path), with their shape errors at
// build and run time.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <vector>

#include "core/op_builder.h"
#include "expect_error.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

Variable make_variable(const Tensor& value, const std::string& name) {
  return Variable(value, VariableOptions{.name = name});
}

template <class T>
std::vector<T> read(Session& sess, const Variable& v) {
  return sess.run(v.op()->output(0)).to_vector<T>();
}

TEST(AssignUpdateTest, AddsAndSubtractsInPlaceForFloatsAndIntegers) {
  Graph g;
  DefaultGraph use{g};
  Variable w = make_variable(Tensor::from_vector<double>({1.5, -2.0}), "w");
  Variable n = make_variable(Tensor::scalar<std::int64_t>(7), "n");
  Output add = assign_add(w, constant(Tensor::from_vector<double>({0.25, 1.0})));
  Output sub = assign_sub(n, constant(Tensor::scalar<std::int64_t>(2)));
  EXPECT_EQ(add.name(), "AssignAdd:0");
  EXPECT_EQ(sub.name(), "AssignSub:0");
  EXPECT_EQ(add.shape(), Shape({2}));
  EXPECT_FALSE(add.node->attr_as<bool>("use_locking"));
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  EXPECT_EQ(sess.run(add).to_vector<double>(), (std::vector<double>{1.75, -1.0}));
  EXPECT_EQ(sess.run(add).to_vector<double>(), (std::vector<double>{2.0, 0.0}));
  EXPECT_EQ(read<double>(sess, w), (std::vector<double>{2.0, 0.0}));
  EXPECT_EQ(sess.run(sub).item<std::int64_t>(), 5);
  EXPECT_EQ(read<std::int64_t>(sess, n), (std::vector<std::int64_t>{5}));
}

TEST(AssignUpdateTest, LargeFloatVariable) {
  Graph g;
  DefaultGraph use{g};
  const std::int64_t size = 1 << 18;
  std::vector<float> ones(static_cast<std::size_t>(size), 1.0f),
      steps(static_cast<std::size_t>(size));
  std::iota(steps.begin(), steps.end(), 0.0f);
  Variable w = make_variable(Tensor::from_vector(ones, Shape{size}), "w");
  Output add = assign_add(w, constant(Tensor::from_vector(steps, Shape{size})));
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  sess.run_targets({add.node});
  const std::vector<float> out = read<float>(sess, w);
  for (std::int64_t i = 0; i < size; i += 4099)
    EXPECT_EQ(out[static_cast<std::size_t>(i)], 1.0f + float(i)) << i;
  EXPECT_EQ(out.back(), float(size));
}

TEST(AssignUpdateTest, ShapeMismatchNamesTheVariableAndBothShapes) {
  Graph g;
  DefaultGraph use{g};
  Variable w = make_variable(Tensor::from_vector<float>({1, 2}), "w");
  VS_EXPECT_ERROR(
      assign_add(w, constant(Tensor::from_vector<float>({1, 2, 3}))), InvalidArgumentError,
      "[AssignAdd] node 'AssignAdd': variable w has shape (2,) but the value has shape (3,)");
  // A variable of unchecked shape fails at run time, in the kernel.
  Variable loose = Variable(Tensor::from_vector<float>({1, 2}),
                            VariableOptions{.validate_shape = false, .name = "loose"});
  Output sub = assign_sub(loose, constant(Tensor::from_vector<float>({1, 2, 3})));
  Session sess{g};
  sess.run_targets({loose.initializer()});
  VS_EXPECT_ERROR(
      sess.run(sub), InvalidArgumentError,
      "[AssignSub] node 'AssignSub': variable loose has shape (2,) but the value has shape (3,)");
}

TEST(AssignUpdateTest, UninitializedVariableIsReportedByName) {
  Graph g;
  DefaultGraph use{g};
  Variable w = make_variable(Tensor::from_vector<float>({1, 2}), "w");
  Output add = assign_add(w, constant(Tensor::from_vector<float>({1, 2})));
  Session sess{g};
  VS_EXPECT_ERROR(sess.run(add), FailedPreconditionError,
                  "Attempting to use uninitialized value w");
}

// The Apply* ops built directly (as the optimizers do), on a variable of `size` elements.
template <class T>
struct ApplyFixture {
  Graph g;
  DefaultGraph use{g};
  std::vector<T> w0, grad;
  Variable w;
  Output grad_tensor;

  explicit ApplyFixture(std::int64_t size) {
    for (std::int64_t i = 0; i < size; ++i) {
      w0.push_back(T(std::sin(0.1 * double(i))));
      grad.push_back(T(std::cos(0.37 * double(i)) - 0.2));
    }
    w = make_variable(Tensor::from_vector(w0, Shape{size}), "w");
    grad_tensor = constant(Tensor::from_vector(grad, Shape{size}), "grad");
  }
  Variable slot(const char* name) {
    return make_variable(
        Tensor::from_vector(std::vector<T>(w0.size(), T(0)), Shape{std::int64_t(w0.size())}), name);
  }
  Output scalar(double v, const char* name) {
    return constant(Tensor::filled(w.dtype(), Shape{}, v), name);
  }
  Output apply(const std::string& op, std::vector<Output> inputs, AttrMap attrs) {
    attrs["T"] = w.dtype();
    return builder::make_node(g, op, op, std::move(inputs), std::move(attrs));
  }
};

template <class T>
void check_gradient_descent(std::int64_t size, double tol) {
  ApplyFixture<T> f(size);
  Output up = f.apply("ApplyGradientDescent",
                      {f.w.op()->output(0), f.scalar(0.5, "alpha"), f.grad_tensor}, {});
  Session sess{f.g};
  sess.run_targets({global_variables_initializer()});
  sess.run_targets({up.node});
  const std::vector<T> out = read<T>(sess, f.w);
  for (std::size_t i = 0; i < out.size(); ++i)
    EXPECT_NEAR(double(out[i]), double(f.w0[i]) - 0.5 * double(f.grad[i]), tol);
}

TEST(ApplyKernelTest, GradientDescent) {
  check_gradient_descent<double>(5, 1e-15);
  check_gradient_descent<float>(5, 1e-6);
  check_gradient_descent<float>(100000, 1e-6);
}

template <class T>
void check_momentum(std::int64_t size, bool nesterov, double tol) {
  ApplyFixture<T> f(size);
  Variable accum = f.slot("accum");
  Output up = f.apply("ApplyMomentum",
                      {f.w.op()->output(0), accum.op()->output(0), f.scalar(0.1, "lr"),
                       f.grad_tensor, f.scalar(0.9, "momentum")},
                      {{"use_nesterov", nesterov}});
  Session sess{f.g};
  sess.run_targets({global_variables_initializer()});
  std::vector<T> w = f.w0, a(f.w0.size(), T(0));
  const T lr = T(0.1), m = T(0.9);
  for (int step = 0; step < 2; ++step) {
    sess.run_targets({up.node});
    for (std::size_t i = 0; i < w.size(); ++i) {
      a[i] = a[i] * m + f.grad[i];
      w[i] -= nesterov ? f.grad[i] * lr + a[i] * m * lr : a[i] * lr;
    }
  }
  const std::vector<T> out = read<T>(sess, f.w);
  const std::vector<T> out_accum = read<T>(sess, accum);
  for (std::size_t i = 0; i < w.size(); ++i) {
    EXPECT_NEAR(double(out[i]), double(w[i]), tol) << i;
    EXPECT_NEAR(double(out_accum[i]), double(a[i]), tol) << i;
  }
}

TEST(ApplyKernelTest, Momentum) {
  check_momentum<double>(7, false, 1e-15);
  check_momentum<double>(7, true, 1e-15);
  check_momentum<float>(7, true, 1e-6);
  check_momentum<float>(70000, false, 1e-6);
}

template <class T>
void check_adam(std::int64_t size, bool nesterov, double tol) {
  ApplyFixture<T> f(size);
  Variable m = f.slot("m");
  Variable v = f.slot("v");
  const double b1p = 0.9, b2p = 0.999, lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  Output up = f.apply(
      "ApplyAdam",
      {f.w.op()->output(0), m.op()->output(0), v.op()->output(0), f.scalar(b1p, "beta1_power"),
       f.scalar(b2p, "beta2_power"), f.scalar(lr, "lr"), f.scalar(beta1, "beta1"),
       f.scalar(beta2, "beta2"), f.scalar(eps, "epsilon"), f.grad_tensor},
      {{"use_nesterov", nesterov}, {"use_locking", false}});
  Session sess{f.g};
  sess.run_targets({global_variables_initializer()});
  sess.run_targets({up.node});
  const double alpha = lr * std::sqrt(1 - b2p) / (1 - b1p);
  const std::vector<T> out = read<T>(sess, f.w);
  const std::vector<T> out_m = read<T>(sess, m);
  const std::vector<T> out_v = read<T>(sess, v);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double g = double(f.grad[i]);
    const double mi = g * (1 - beta1), vi = g * g * (1 - beta2);
    const double numerator = nesterov ? g * (1 - beta1) + beta1 * mi : mi;
    EXPECT_NEAR(double(out_m[i]), mi, tol) << i;
    EXPECT_NEAR(double(out_v[i]), vi, tol) << i;
    EXPECT_NEAR(double(out[i]), double(f.w0[i]) - numerator * alpha / (std::sqrt(vi) + eps), tol)
        << i;
  }
}

TEST(ApplyKernelTest, Adam) {
  check_adam<double>(6, false, 1e-14);
  check_adam<double>(6, true, 1e-14);
  check_adam<float>(6, false, 1e-6);
  check_adam<float>(50000, true, 1e-5);
}

TEST(ApplyKernelTest, ShapeAndRefErrorsNameTheInputs) {
  Graph g;
  DefaultGraph use{g};
  Variable w = make_variable(Tensor::from_vector<float>({1, 2}), "w");
  Output lr = constant(0.1, float32, "lr");
  Output grad3 = constant(Tensor::from_vector<float>({1, 2, 3}), "grad3");
  Output grad2 = constant(Tensor::from_vector<float>({1, 2}), "grad2");
  auto apply = [&](const char* name, std::vector<Output> inputs) {
    return builder::make_node(g, "ApplyGradientDescent", name, std::move(inputs), {{"T", float32}});
  };
  VS_EXPECT_ERROR(apply("a", {w.op()->output(0), lr, grad3}), InvalidArgumentError,
                  "[ApplyGradientDescent] node 'a': var w and delta do not have the same shape: "
                  "(2,) and (3,)");
  VS_EXPECT_ERROR(apply("b", {w.op()->output(0), grad2, grad2}), InvalidArgumentError,
                  "[ApplyGradientDescent] node 'b': alpha is not a scalar: (2,)");
  VS_EXPECT_ERROR(apply("c", {w.value(), lr, grad2}), InvalidArgumentError,
                  "[ApplyGradientDescent] node 'c': var (input 0) must be a variable (a VariableV2 "
                  "output), got 'w/read:0' (Identity)");
  VS_EXPECT_ERROR(apply("d", {w.op()->output(0), constant(0.1, float64), grad2}),
                  InvalidArgumentError,
                  "[ApplyGradientDescent] node 'd': alpha has dtype float64, expected float32 "
                  "(the dtype of var w)");
  // Run time: a variable whose shape was not fixed at build time.
  Variable loose = Variable(Tensor::from_vector<float>({1, 2}),
                            VariableOptions{.validate_shape = false, .name = "loose"});
  Variable accum = Variable(Tensor::from_vector<float>({0, 0, 0}),
                            VariableOptions{.validate_shape = false, .name = "acc"});
  Output up = builder::make_node(g, "ApplyMomentum", "ApplyMomentum",
                                 {loose.op()->output(0), accum.op()->output(0), lr, grad2, lr},
                                 {{"T", float32}});
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  VS_EXPECT_ERROR(sess.run(up), InvalidArgumentError,
                  "[ApplyMomentum] node 'ApplyMomentum': var loose and accum do not have the same "
                  "shape: (2,) and (3,)");
}

}  // namespace
}  // namespace varscope
