// Acceptance tests: initializers and dtypes of get_variable (spec §1.4, §2 G cases 65-78) and the
// values produced by every stock initializer of initializers.h.
//
// Statistical checks use large shapes (100,000 samples). For N iid samples of std σ the standard
// error of the sample mean is σ/√N ≈ 0.0032σ and that of the sample std is about σ/√(2N) ≈ 0.0022σ
// (a little more for heavy tails, less for uniform). We allow 0.02σ on the mean (> 6 standard
// errors) and 2% on the std (> 9 standard errors), so a correct generator fails with negligible
// probability while a wrong formula (e.g. fan_in instead of fan_avg, a missing 0.8796 correction,
// or stddev instead of variance) is off by far more than that.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

// Initializes every global variable in a fresh session and returns `t` converted to float.
std::vector<float> eval_floats(vs::Graph& g, const vs::Output& t) {
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer(g)});
  return sess.run(t).to_vector<float>();
}

float eval_scalar(vs::Graph& g, const vs::Output& t) {
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer(g)});
  return sess.run(t).item<float>();
}

struct Stats {
  double mean = 0;
  double std = 0;
  double min = 0;
  double max = 0;
  double max_abs = 0;
};

Stats stats_of(const std::vector<float>& v) {
  Stats s;
  if (v.empty()) return s;
  double sum = 0;
  s.min = s.max = v[0];
  for (float x : v) {
    sum += x;
    s.min = std::min<double>(s.min, x);
    s.max = std::max<double>(s.max, x);
    s.max_abs = std::max<double>(s.max_abs, std::fabs(x));
  }
  s.mean = sum / static_cast<double>(v.size());
  double sq = 0;
  for (float x : v) sq += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(sq / static_cast<double>(v.size()));
  return s;
}

// Every value in [-limit, limit] (the upper bound is exclusive in TF; float rounding of the scale
// can land exactly on it, hence the inclusive check plus a relative epsilon).
void expect_within(const std::vector<float>& v, double limit, const std::string& what) {
  const double eps = limit * 1e-6;
  for (float x : v) {
    ASSERT_LE(std::fabs(x), limit + eps) << what << ": value " << x << " outside ±" << limit;
  }
}

}  // namespace

// Case 65 / testVarScopeInitializer: a scope initializer applies by name and on object re-entry.
TEST(Initializers, VarScopeInitializerByNameAndReentry) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable v, w;
  {
    vs::VariableScope tower{"tower0"};
    {
      vs::VariableScope foo{"foo", {.initializer = vs::constant_initializer(0.3)}};
      v = vs::get_variable("v", {});
    }
    {
      vs::VariableScope again{tower.scope(), {.initializer = vs::constant_initializer(0.3)}};
      w = vs::get_variable("w", {});
    }
  }
  EXPECT_EQ(v.name(), "tower0/foo/v:0");
  EXPECT_EQ(w.name(), "tower0/w:0");
  vs::Session sess{g};
  sess.run_targets({v.initializer(), w.initializer()});
  EXPECT_FLOAT_EQ(sess.run(v.value()).item<float>(), 0.3f);
  EXPECT_FLOAT_EQ(sess.run(w.value()).item<float>(), 0.3f);
}

// Case 66 / testGetVariableScope: argument > scope > inherited; set_initializer; gone after exit.
TEST(Initializers, ArgumentBeatsScopeBeatsDefaultAndSetInitializer) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_TRUE(vs::get_variable_scope().initializer().empty());
  std::vector<vs::Variable> vars;
  {
    vs::VariableScope a{"a", {.initializer = vs::constant_initializer(0.3)}};
    vars.push_back(vs::get_variable("v", {}, {.initializer = vs::constant_initializer(0.5)}));
    {
      vs::VariableScope b{"b"};
      vars.push_back(vs::get_variable("u", {}));
    }
    vs::get_variable_scope().set_initializer(vs::constant_initializer(0.7));
    EXPECT_FALSE(vs::get_variable_scope().initializer().empty());
    vars.push_back(vs::get_variable("z", {}));
  }
  // The set initializer vanished with the scope.
  EXPECT_TRUE(vs::get_variable_scope().initializer().empty());
  {
    // Re-entering "a" by name gives a fresh scope: no initializer from the previous set_initializer.
    vs::VariableScope a2{"a"};
    EXPECT_TRUE(vs::get_variable_scope().initializer().empty());
  }
  ASSERT_EQ(vars.size(), 3u);
  EXPECT_EQ(vars[0].name(), "a/v:0");
  EXPECT_EQ(vars[1].name(), "a/b/u:0");
  EXPECT_EQ(vars[2].name(), "a/z:0");
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  EXPECT_FLOAT_EQ(sess.run(vars[0].value()).item<float>(), 0.5f);
  EXPECT_FLOAT_EQ(sess.run(vars[1].value()).item<float>(), 0.3f);
  EXPECT_FLOAT_EQ(sess.run(vars[2].value()).item<float>(), 0.7f);
}

// Case 67: default glorot_uniform bounds L = sqrt(6 / (fan_in + fan_out)) on sampled values.
TEST(Initializers, DefaultGlorotUniformBounds) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  struct Case {
    const char* name;
    vs::Shape shape;
    double limit;
    bool big;  // enough samples that max |value| > 0.9 L is certain (P(fail) < 0.9^800)
  };
  const std::vector<Case> cases = {
      {"w", {784, 10}, 0.0869291, true},      // fans (784, 10)
      {"k", {5, 5, 1, 32}, 0.0852803, true},  // receptive 25: fans (25, 800)
      {"k2", {3, 3, 32, 64}, 0.0833333, true},  // receptive 9: fans (288, 576)
      {"s", {}, 1.7320508, false},            // scalar: fans (1, 1) -> sqrt(3)
      {"b", {32}, 0.3061862, false},          // rank 1: fans (32, 32)
  };
  std::vector<vs::Variable> vars;
  for (const Case& c : cases) vars.push_back(vs::get_variable(c.name, c.shape));
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    EXPECT_EQ(vars[i].dtype(), vs::float32) << c.name;
    EXPECT_EQ(vars[i].shape(), c.shape) << c.name;
    std::vector<float> values = sess.run(vars[i].value()).to_vector<float>();
    ASSERT_EQ(static_cast<std::int64_t>(values.size()), c.shape.num_elements()) << c.name;
    expect_within(values, c.limit, c.name);
    if (c.big) {
      EXPECT_GT(stats_of(values).max_abs, 0.9 * c.limit) << c.name << ": values look too narrow";
    }
  }
}

// Case 68 / testInitFromNonInitializer: integer and bool dtypes default to zeros.
TEST(Initializers, IntegerAndBoolDefaultToZeros) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  const std::vector<vs::DType> types = {vs::int8,  vs::uint8, vs::int16, vs::uint16,
                                        vs::int32, vs::int64, vs::bool_};
  std::vector<vs::Variable> xs, ys;
  for (std::size_t i = 0; i < types.size(); ++i) {
    xs.push_back(vs::get_variable("xx" + std::to_string(i), {3, 4}, {.dtype = types[i]}));
    ys.push_back(vs::get_variable("yy" + std::to_string(i), {3, 4},
                                  {.dtype = types[i], .initializer = vs::zeros_initializer()}));
  }
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  for (std::size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ(xs[i].dtype(), types[i]);
    EXPECT_EQ(ys[i].dtype(), types[i]);
    vs::Tensor x = sess.run(xs[i].value());
    vs::Tensor y = sess.run(ys[i].value());
    EXPECT_EQ(x.dtype(), types[i]);
    EXPECT_EQ(x.shape(), (vs::Shape{3, 4}));
    if (types[i] == vs::bool_) {
      EXPECT_EQ(x.to_vector<bool>(), std::vector<bool>(12, false));
      EXPECT_EQ(x.to_vector<bool>(), y.to_vector<bool>());
    } else {
      EXPECT_EQ(x.to_vector<double>(), std::vector<double>(12, 0.0)) << vs::dtype_name(types[i]);
      EXPECT_EQ(x.to_vector<double>(), y.to_vector<double>());
    }
  }
}

// Case 70: no default initializer for complex64 (E7, exact text).
TEST(Initializers, Complex64RequiresAnInitializer) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  VS_EXPECT_ERROR(vs::get_variable("c", {2}, {.dtype = vs::complex64}), vs::ValueError,
                  "An initializer for variable c of <dtype: 'complex64'> is required");
  {
    vs::VariableScope s{"s"};
    VS_EXPECT_ERROR(vs::get_variable("c", {2}, {.dtype = vs::complex64}), vs::ValueError,
                    "An initializer for variable s/c of <dtype: 'complex64'> is required");
  }
  // Nothing was created.
  EXPECT_EQ(g.variable_store().size(), 0u);
  // With an explicit initializer complex64 is fine (storage-only dtype).
  vs::GetVariableResult c = vs::get_variable("c", {2}, {.dtype = vs::complex64, .initializer = vs::zeros_initializer()});
  EXPECT_EQ(c.dtype(), vs::complex64);
}

// Case 71 / testInitializeFromValue: a tensor initializer fixes value and shape; E5 with a shape.
TEST(Initializers, TensorInitializerValueShapeAndE5) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Output init = vs::constant(vs::Tensor::scalar(0.1f));
  vs::GetVariableResult w = vs::get_variable("v", vs::Shape::unknown(), {.initializer = init});
  EXPECT_EQ(w.name(), "v:0");
  EXPECT_EQ(w.shape(), vs::Shape{});
  EXPECT_EQ(w.dtype(), vs::float32);
  EXPECT_FLOAT_EQ(eval_scalar(g, w.variable().value()), 0.1f);

  VS_EXPECT_ERROR(vs::get_variable("u", {1}, {.initializer = init}), vs::ValueError,
                  "If initializer is a constant, do not specify shape.");
  EXPECT_FALSE(g.variable_store().find("u").has_value());
  // A host-value initializer behaves the same.
  VS_EXPECT_ERROR(vs::get_variable("u2", {1}, {.initializer = vs::Tensor::scalar(1.0f)}), vs::ValueError,
                  "If initializer is a constant, do not specify shape.");
}

// Case 71 continued (decision 5): E5 is raised before the existence check, even when reusing.
TEST(Initializers, ConstantInitializerWithShapeFailsEvenOnReuse) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Output init = vs::constant(vs::Tensor::scalar(0.1f));
  vs::Variable v;
  {
    vs::VariableScope foo{"foo"};
    v = vs::get_variable("v", {});
  }
  {
    vs::VariableScope foo{"foo", {.initializer = init, .reuse = true}};
    VS_EXPECT_ERROR(vs::get_variable("v", {}), vs::ValueError, "If initializer is a constant, do not specify shape.");
    // Without a shape the existing variable comes back.
    EXPECT_EQ(vs::get_variable("v").variable(), v);
  }
}

// Case 72 / testInitializeFromValue: a constant initializer passes through a scope.
TEST(Initializers, TensorInitializerThroughScope) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Output init = vs::constant(vs::Tensor::scalar(0.1f));
  vs::Variable v;
  {
    vs::VariableScope foo{"foo", {.initializer = init}};
    v = vs::get_variable("v");
  }
  EXPECT_EQ(v.name(), "foo/v:0");
  EXPECT_EQ(v.shape(), vs::Shape{});
  EXPECT_FLOAT_EQ(eval_scalar(g, v.value()), 0.1f);
}

// Case 73 / testInitializeFromValue: dtype from the tensor; E6 on an explicit mismatch.
TEST(Initializers, DtypeFromTensorAndE6) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Output init = vs::constant(vs::Tensor::scalar<std::int32_t>(1));
  vs::GetVariableResult t = vs::get_variable("t", vs::Shape::unknown(), {.initializer = init});
  EXPECT_EQ(t.dtype(), vs::int32);
  EXPECT_EQ(t.variable().dtype(), vs::int32);
  VS_EXPECT_ERROR(vs::get_variable("s", vs::Shape::unknown(), {.dtype = vs::float64, .initializer = init}),
                  vs::ValueError,
                  "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float64'>' don't match.");
  // Real TF (2.21, graph mode): a Python 4 with dtype=float32 fails the same way (int32 value).
  VS_EXPECT_ERROR(vs::get_variable("x", vs::Shape::unknown(), {.dtype = vs::float32, .initializer = 4}),
                  vs::ValueError,
                  "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>' don't match.");
  EXPECT_FALSE(g.variable_store().find("s").has_value());
  EXPECT_FALSE(g.variable_store().find("x").has_value());
}

// Case 74 / testInitFromNonTensorValue: host values with explicit matching dtype.
TEST(Initializers, HostValueInitializers) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::GetVariableResult v = vs::get_variable("v4", vs::Shape::unknown(), {.dtype = vs::int32, .initializer = 4});
  vs::GetVariableResult w = vs::get_variable(
      "w4", vs::Shape::unknown(),
      {.dtype = vs::int64, .initializer = vs::Tensor::from_vector<std::int64_t>({1, 2, 3})});
  EXPECT_EQ(v.dtype(), vs::int32);
  EXPECT_EQ(v.shape(), vs::Shape{});
  EXPECT_EQ(w.dtype(), vs::int64);
  EXPECT_EQ(w.shape(), vs::Shape{3});
  vs::Session sess{g};
  sess.run_targets({v.variable().initializer(), w.variable().initializer()});
  EXPECT_EQ(sess.run(v.variable().value()).item<std::int32_t>(), 4);
  EXPECT_EQ(sess.run(w.variable().value()).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2, 3}));
}

// Case 74 / §1.4 "value initializer": without dtype a literal 4 makes int32, 0.5 makes float32,
// even when the scope dtype is something else.
TEST(Initializers, LiteralValueDeterminesDtype) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::GetVariableResult i = vs::get_variable("i", vs::Shape::unknown(), {.initializer = 4});
  vs::GetVariableResult f = vs::get_variable("f", vs::Shape::unknown(), {.initializer = 0.5});
  vs::Variable h;
  {
    vs::VariableScope s{"half", {.dtype = vs::float16}};
    h = vs::get_variable("i", vs::Shape::unknown(), {.initializer = 4});
  }
  EXPECT_EQ(i.dtype(), vs::int32);
  EXPECT_EQ(f.dtype(), vs::float32);
  EXPECT_EQ(h.dtype(), vs::int32);
  EXPECT_EQ(h.name(), "half/i:0");
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  EXPECT_EQ(sess.run(i.variable().value()).item<std::int32_t>(), 4);
  EXPECT_FLOAT_EQ(sess.run(f.variable().value()).item<float>(), 0.5f);
}

// Case 75 / testGetVariableWithInitializerWhichTakesUnprovidedArgsAndNoShape: E8 exact text.
// (TF 2.21 raises "Variable v did not get an initializer, so its `shape` argument must be
// specified." for the no-initializer case; TF 1.x and the spec raise E8 for all three.)
TEST(Initializers, ShapeNotFullyDefinedE8) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  const std::string e8 =
      "The initializer passed is not valid. It should be a callable with no arguments and the shape should "
      "not be provided or an instance of `tf.keras.initializers.*' and `shape` should be fully defined.";
  VS_EXPECT_ERROR(vs::get_variable("v"), vs::ValueError, e8);
  VS_EXPECT_ERROR(vs::get_variable("p", {-1, 3}), vs::ValueError, e8);
  vs::Initializer needs_shape = vs::Initializer::ShapeFn(
      [](const vs::Shape& shape, vs::DType dtype, const vs::PartitionInfo*) { return vs::zeros(shape, dtype); });
  VS_EXPECT_ERROR(vs::get_variable("foo", vs::Shape::unknown(), {.initializer = needs_shape}), vs::ValueError, e8);
  VS_EXPECT_ERROR(vs::get_variable("foo", {2, -1}, {.initializer = needs_shape}), vs::ValueError, e8);
  EXPECT_EQ(g.variable_store().size(), 0u);
}

// Case 76 / testGetVariableWithInitializerWhichTakesNoArgs: no-arg callable without a shape.
TEST(Initializers, NoArgCallableWithoutShape) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  int calls = 0;
  vs::GetVariableResult v = vs::get_variable(
      "foo", vs::Shape::unknown(), {.initializer = vs::Initializer::NoArgFn([&calls] {
                                      ++calls;
                                      return vs::constant(vs::Tensor::from_vector<std::int32_t>({2}));
                                    })});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(v.name(), "foo:0");
  EXPECT_EQ(v.shape(), vs::Shape{1});
  EXPECT_EQ(v.dtype(), vs::int32);
  vs::Session sess{g};
  sess.run_targets({v.variable().initializer()});
  EXPECT_EQ(sess.run(v.variable().value()).to_vector<std::int32_t>(), std::vector<std::int32_t>{2});
}

// §1.4: a shape-taking callable receives the shape, the dtype and (unpartitioned) no partition info.
TEST(Initializers, CallableReceivesShapeDtypeAndNoPartitionInfo) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<vs::Shape> shapes;
  std::vector<vs::DType> dtypes;
  std::vector<bool> had_info;
  vs::Initializer init = vs::Initializer::ShapeFn(
      [&](const vs::Shape& shape, vs::DType dtype, const vs::PartitionInfo* info) {
        shapes.push_back(shape);
        dtypes.push_back(dtype);
        had_info.push_back(info != nullptr);
        return vs::fill(shape, vs::constant(7.0, dtype));
      });
  vs::GetVariableResult v = vs::get_variable("v", {2, 3}, {.dtype = vs::float64, .initializer = init});
  ASSERT_EQ(shapes.size(), 1u);
  EXPECT_EQ(shapes[0], (vs::Shape{2, 3}));
  EXPECT_EQ(dtypes[0], vs::float64);
  EXPECT_FALSE(had_info[0]);
  EXPECT_EQ(v.dtype(), vs::float64);
  vs::Session sess{g};
  sess.run_targets({v.variable().initializer()});
  EXPECT_EQ(sess.run(v.variable().value()).to_vector<double>(), std::vector<double>(6, 7.0));
  // On reuse the initializer is not called again.
  {
    vs::VariableScope r{vs::get_variable_scope(), {.reuse = true}};
    EXPECT_EQ(vs::get_variable("v", {2, 3}, {.dtype = vs::float64, .initializer = init}).variable(), v.variable());
  }
  EXPECT_EQ(shapes.size(), 1u);
}

// Case 77 / testVarScopeDType: scope dtype float16 by name and on re-entry.
TEST(Initializers, ScopeDtypeFloat16) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable v, w;
  {
    vs::VariableScope tower{"tower2"};
    {
      vs::VariableScope foo{"foo", {.dtype = vs::float16}};
      EXPECT_EQ(vs::get_variable_scope().dtype(), vs::float16);
      v = vs::get_variable("v", {});
    }
    {
      vs::VariableScope again{tower.scope(), {.dtype = vs::float16}};
      w = vs::get_variable("w", {});
    }
    EXPECT_EQ(vs::get_variable_scope().dtype(), vs::float32);
  }
  EXPECT_EQ(v.dtype(), vs::float16);
  EXPECT_EQ(w.dtype(), vs::float16);
  EXPECT_EQ(v.name(), "tower2/foo/v:0");
  EXPECT_EQ(w.name(), "tower2/w:0");
  // Default glorot works for float16: scalar limit sqrt(3).
  std::vector<float> values = eval_floats(g, v.value());
  ASSERT_EQ(values.size(), 1u);
  EXPECT_LE(std::fabs(values[0]), 1.7321f);
}

// Case 78: set_dtype on the current scope; a fresh scope is float32 again; children inherit.
TEST(Initializers, SetDtype) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Variable v, c, w;
  {
    vs::VariableScope a{"a"};
    vs::get_variable_scope().set_dtype(vs::float16);
    v = vs::get_variable("v", {});
    {
      vs::VariableScope child{"child"};
      c = vs::get_variable("c", {});
    }
  }
  {
    vs::VariableScope a{"a"};
    EXPECT_EQ(vs::get_variable_scope().dtype(), vs::float32);
    w = vs::get_variable("w", {});
  }
  EXPECT_EQ(v.dtype(), vs::float16);
  EXPECT_EQ(c.dtype(), vs::float16);
  EXPECT_EQ(w.dtype(), vs::float32);
}

// §1.9 decision 4: an omitted dtype means the scope dtype even on reuse.
TEST(Initializers, OmittedDtypeOnReuseIsScopeDtype) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::VariableScope i{"i"};
    vs::get_variable("n", {1}, {.dtype = vs::int32});
  }
  {
    vs::VariableScope i{"i", {.reuse = true}};
    VS_EXPECT_ERROR(vs::get_variable("n", {1}), vs::ValueError,
                    "Trying to share variable i/n, but specified dtype float32 and found dtype int32.");
  }
}

// tf.zeros_initializer / tf.ones_initializer on several dtypes.
TEST(Initializers, ZerosAndOnes) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto z = vs::get_variable("z", {2, 3}, {.initializer = vs::zeros_initializer()});
  auto o = vs::get_variable("o", {2, 3}, {.initializer = vs::ones_initializer()});
  auto oi = vs::get_variable("oi", {4}, {.dtype = vs::int64, .initializer = vs::ones()});
  auto od = vs::get_variable("od", {4}, {.dtype = vs::float64, .initializer = vs::ones()});
  auto ob = vs::get_variable("ob", {2}, {.dtype = vs::bool_, .initializer = vs::ones()});
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  EXPECT_EQ(sess.run(z.value()).to_vector<float>(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(sess.run(o.value()).to_vector<float>(), std::vector<float>(6, 1.0f));
  EXPECT_EQ(sess.run(oi.value()).to_vector<std::int64_t>(), std::vector<std::int64_t>(4, 1));
  EXPECT_EQ(sess.run(od.value()).to_vector<double>(), std::vector<double>(4, 1.0));
  EXPECT_EQ(sess.run(ob.value()).to_vector<bool>(), std::vector<bool>(2, true));
}

// tf.constant_initializer(scalar) converted to the variable's dtype.
TEST(Initializers, ConstantScalar) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto f = vs::get_variable("f", {2, 2}, {.initializer = vs::constant_initializer(0.25)});
  auto i = vs::get_variable("i", {3}, {.dtype = vs::int32, .initializer = vs::constant_initializer(3)});
  auto d = vs::get_variable("d", {}, {.dtype = vs::float64, .initializer = vs::constant_initializer(0.1)});
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  EXPECT_EQ(sess.run(f.value()).to_vector<float>(), std::vector<float>(4, 0.25f));
  EXPECT_EQ(sess.run(i.value()).to_vector<std::int32_t>(), std::vector<std::int32_t>(3, 3));
  EXPECT_DOUBLE_EQ(sess.run(d.value()).item<double>(), 0.1);
}

// tf.constant_initializer(list): row-major, the last value fills the rest (TF 2.21 graph mode:
// [1,2] on shape [5] -> [1,2,2,2,2]; [1,2,3,4] on [2,3] -> [[1,2,3],[4,4,4]]); more values than
// elements is a ValueError (TF 2.21: "Too many elements provided. Takes at most 2, but got 3.").
TEST(Initializers, ConstantListFillsWithLastValue) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto c1 = vs::get_variable("c1", {5}, {.initializer = vs::constant_initializer(vs::Tensor::from_vector<float>({1, 2}))});
  auto c3 = vs::get_variable("c3", {2, 3},
                             {.initializer = vs::constant_initializer(vs::Tensor::from_vector<float>({1, 2, 3, 4}))});
  auto exact = vs::get_variable("exact", {2, 2},
                                {.initializer = vs::constant_initializer(vs::Tensor::from_vector<float>({5, 6, 7, 8}))});
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  EXPECT_EQ(sess.run(c1.value()).to_vector<float>(), (std::vector<float>{1, 2, 2, 2, 2}));
  EXPECT_EQ(sess.run(c3.value()).to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 4, 4}));
  EXPECT_EQ(sess.run(exact.value()).to_vector<float>(), (std::vector<float>{5, 6, 7, 8}));
  EXPECT_THROW(vs::get_variable("c2", {2}, {.initializer = vs::constant_initializer(vs::Tensor::from_vector<float>({1, 2, 3}))}),
               vs::ValueError);
  EXPECT_FALSE(g.variable_store().find("c2").has_value());
}

// tf.random_uniform_initializer: every value in [minval, maxval), the range is covered, mean is
// (min+max)/2 within 0.02σ (σ = 5/√12 ≈ 1.44, SE ≈ 0.0046).
TEST(Initializers, RandomUniformRange) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto v = vs::get_variable("u", {200, 500}, {.initializer = vs::random_uniform_initializer({.minval = -2.0, .maxval = 3.0})});
  auto d = vs::get_variable("d", {1000}, {.dtype = vs::float64, .initializer = vs::random_uniform_initializer({.minval = 5.0, .maxval = 6.0})});
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  std::vector<float> values = sess.run(v.value()).to_vector<float>();
  ASSERT_EQ(values.size(), 100000u);
  Stats s = stats_of(values);
  EXPECT_GE(s.min, -2.0);
  EXPECT_LT(s.max, 3.0);
  EXPECT_LT(s.min, -1.99);
  EXPECT_GT(s.max, 2.99);
  EXPECT_NEAR(s.mean, 0.5, 0.03);
  EXPECT_NEAR(s.std, 5.0 / std::sqrt(12.0), 0.02 * 5.0 / std::sqrt(12.0));
  vs::Tensor dv = sess.run(d.value());
  EXPECT_EQ(dv.dtype(), vs::float64);
  for (double x : dv.to_vector<double>()) {
    ASSERT_GE(x, 5.0);
    ASSERT_LT(x, 6.0);
  }
  // Default options: [0, 1).
  auto def = vs::get_variable("def", {1000}, {.initializer = vs::random_uniform_initializer()});
  std::vector<float> dvals = eval_floats(g, def.value());
  Stats ds = stats_of(dvals);
  EXPECT_GE(ds.min, 0.0);
  EXPECT_LT(ds.max, 1.0);
}

// tf.random_normal_initializer: mean within 0.02σ, std within 2% (100,000 samples).
TEST(Initializers, RandomNormalMeanAndStd) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto v = vs::get_variable("n", {200, 500}, {.initializer = vs::random_normal_initializer({.mean = 2.0, .stddev = 3.0})});
  Stats s = stats_of(eval_floats(g, v.value()));
  EXPECT_NEAR(s.mean, 2.0, 0.02 * 3.0);
  EXPECT_NEAR(s.std, 3.0, 0.02 * 3.0);
  // Untruncated: some values beyond 2σ (≈4.6% of samples) and beyond 3σ (≈0.27%).
  EXPECT_GT(s.max, 2.0 + 3.0 * 3.0);
  EXPECT_LT(s.min, 2.0 - 3.0 * 3.0);
}

// tf.truncated_normal_initializer: every value within mean ± 2·stddev; the std of a normal
// truncated at ±2σ is 0.8796σ (so 0.5 -> 0.4398) within 2%.
TEST(Initializers, TruncatedNormalBoundsAndStd) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto v = vs::get_variable("t", {200, 500}, {.initializer = vs::truncated_normal_initializer({.mean = 1.0, .stddev = 0.5})});
  std::vector<float> values = eval_floats(g, v.value());
  Stats s = stats_of(values);
  EXPECT_GE(s.min, 1.0 - 2 * 0.5 - 1e-6);
  EXPECT_LE(s.max, 1.0 + 2 * 0.5 + 1e-6);
  EXPECT_NEAR(s.mean, 1.0, 0.02 * 0.5);
  EXPECT_NEAR(s.std, 0.5 * 0.87962566103423978, 0.02 * 0.5 * 0.87962566103423978);
  // The tails near ±2σ are populated (density there is still 5% of the peak).
  EXPECT_GT(s.max, 1.0 + 2 * 0.5 * 0.97);
  EXPECT_LT(s.min, 1.0 - 2 * 0.5 * 0.97);
}

// tf.variance_scaling_initializer, uniform: limit sqrt(3·scale/n) with n per mode.
TEST(Initializers, VarianceScalingUniformModes) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  // shape (400, 250): fan_in 400, fan_out 250, fan_avg 325.
  struct Case {
    const char* name;
    vs::FanMode mode;
    double n;
  };
  const std::vector<Case> cases = {{"fan_in", vs::FanMode::kFanIn, 400},
                                   {"fan_out", vs::FanMode::kFanOut, 250},
                                   {"fan_avg", vs::FanMode::kFanAvg, 325}};
  std::vector<vs::Variable> vars;
  for (const Case& c : cases) {
    vars.push_back(vs::get_variable(
        c.name, {400, 250},
        {.initializer = vs::variance_scaling_initializer(
             {.scale = 2.0, .mode = c.mode, .distribution = vs::Distribution::kUniform})}));
  }
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const double limit = std::sqrt(3.0 * 2.0 / cases[i].n);
    std::vector<float> values = sess.run(vars[i].value()).to_vector<float>();
    expect_within(values, limit, cases[i].name);
    Stats s = stats_of(values);
    EXPECT_GT(s.max_abs, 0.99 * limit) << cases[i].name;
    EXPECT_NEAR(s.std, limit / std::sqrt(3.0), 0.02 * limit / std::sqrt(3.0)) << cases[i].name;
    EXPECT_NEAR(s.mean, 0.0, 0.02 * limit) << cases[i].name;
  }
}

// tf.variance_scaling_initializer, normals: untruncated std sqrt(scale/n); truncated stddev
// sqrt(scale/n)/0.8796, so the empirical std is again sqrt(scale/n) and |v| <= 2·stddev.
TEST(Initializers, VarianceScalingNormalDistributions) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  // (250, 400) fan_out = 400: std 0.05.
  auto un = vs::get_variable(
      "un", {250, 400},
      {.initializer = vs::variance_scaling_initializer(
           {.scale = 1.0, .mode = vs::FanMode::kFanOut, .distribution = vs::Distribution::kUntruncatedNormal})});
  // (300, 500) fan_avg = 400: target std 0.05, truncation at 2 * 0.05 / 0.8796 = 0.11369.
  auto tn = vs::get_variable(
      "tn", {300, 500},
      {.initializer = vs::variance_scaling_initializer(
           {.scale = 1.0, .mode = vs::FanMode::kFanAvg, .distribution = vs::Distribution::kTruncatedNormal})});
  // Default options: scale 1, fan_in, truncated normal. (100, 1000): fan_in 100 -> std 0.1.
  auto def = vs::get_variable("def", {100, 1000}, {.initializer = vs::variance_scaling_initializer()});
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  Stats su = stats_of(sess.run(un.value()).to_vector<float>());
  EXPECT_NEAR(su.std, 0.05, 0.02 * 0.05);
  EXPECT_GT(su.max_abs, 2 * 0.05 / 0.87962566103423978);  // untruncated: beyond the truncation point
  std::vector<float> tv = sess.run(tn.value()).to_vector<float>();
  const double trunc_stddev = 0.05 / 0.87962566103423978;
  expect_within(tv, 2 * trunc_stddev, "truncated");
  Stats st = stats_of(tv);
  EXPECT_NEAR(st.std, 0.05, 0.02 * 0.05);
  Stats sd = stats_of(sess.run(def.value()).to_vector<float>());
  EXPECT_NEAR(sd.std, 0.1, 0.02 * 0.1);
  EXPECT_LE(sd.max_abs, 2 * 0.1 / 0.87962566103423978 * (1 + 1e-6));
}

// variance_scaling_initializer rejects scale <= 0 (TF: "`scale` must be positive float.").
TEST(Initializers, VarianceScalingRejectsNonPositiveScale) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_THROW(
      {
        auto init = vs::variance_scaling_initializer({.scale = 0.0});
        vs::get_variable("a", {2, 2}, {.initializer = init});
      },
      vs::ValueError);
  EXPECT_THROW(
      {
        auto init = vs::variance_scaling_initializer({.scale = -1.0});
        vs::get_variable("b", {2, 2}, {.initializer = init});
      },
      vs::ValueError);
}

// Named variance-scaling variants: glorot_normal (1, fan_avg), he (2, fan_in), lecun (1, fan_in).
TEST(Initializers, GlorotHeLecunVariants) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  // shape (200, 600): fan_in 200, fan_out 600, fan_avg 400.
  const vs::Shape shape{200, 600};
  auto gu = vs::get_variable("gu", shape, {.initializer = vs::glorot_uniform_initializer()});
  auto gn = vs::get_variable("gn", shape, {.initializer = vs::glorot_normal_initializer()});
  auto hn = vs::get_variable("hn", shape, {.initializer = vs::he_normal_initializer()});
  auto hu = vs::get_variable("hu", shape, {.initializer = vs::he_uniform_initializer()});
  auto ln = vs::get_variable("ln", shape, {.initializer = vs::lecun_normal_initializer()});
  auto lu = vs::get_variable("lu", shape, {.initializer = vs::lecun_uniform_initializer()});
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  auto check_uniform = [&](const vs::GetVariableResult& v, double limit, const char* what) {
    std::vector<float> values = sess.run(v.value()).to_vector<float>();
    expect_within(values, limit, what);
    Stats s = stats_of(values);
    EXPECT_GT(s.max_abs, 0.99 * limit) << what;
    EXPECT_NEAR(s.std, limit / std::sqrt(3.0), 0.02 * limit / std::sqrt(3.0)) << what;
  };
  auto check_truncated = [&](const vs::GetVariableResult& v, double std_target, const char* what) {
    std::vector<float> values = sess.run(v.value()).to_vector<float>();
    expect_within(values, 2 * std_target / 0.87962566103423978, what);
    EXPECT_NEAR(stats_of(values).std, std_target, 0.02 * std_target) << what;
  };
  check_uniform(gu, std::sqrt(6.0 / 800.0), "glorot_uniform");
  check_truncated(gn, std::sqrt(1.0 / 400.0), "glorot_normal");
  check_truncated(hn, std::sqrt(2.0 / 200.0), "he_normal");
  check_uniform(hu, std::sqrt(6.0 / 200.0), "he_uniform");
  check_truncated(ln, std::sqrt(1.0 / 200.0), "lecun_normal");
  check_uniform(lu, std::sqrt(3.0 / 200.0), "lecun_uniform");
}

namespace {

// Builds a fresh graph (graph seed optional), one (20, 30) variable with `init`, and returns its values.
std::vector<float> values_in_fresh_graph(std::optional<std::int64_t> graph_seed, const vs::Initializer& init) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  if (graph_seed) g.set_random_seed(*graph_seed);
  auto v = vs::get_variable("w", {20, 30}, {.initializer = init});
  vs::Session sess{g};
  sess.run_targets({v.variable().initializer()});
  return sess.run(v.variable().value()).to_vector<float>();
}

}  // namespace

// Seeds (initializers.h): same graph seed + same op seed give identical values in fresh graphs;
// changing either seed changes them.
TEST(Initializers, SeedsAreDeterministic) {
  const auto a = values_in_fresh_graph(42, vs::random_uniform_initializer({.seed = 7}));
  const auto b = values_in_fresh_graph(42, vs::random_uniform_initializer({.seed = 7}));
  const auto other_op = values_in_fresh_graph(42, vs::random_uniform_initializer({.seed = 8}));
  const auto other_graph = values_in_fresh_graph(43, vs::random_uniform_initializer({.seed = 7}));
  ASSERT_EQ(a.size(), 600u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other_op);
  EXPECT_NE(a, other_graph);

  // The same holds for every random initializer kind, e.g. normals and glorot.
  EXPECT_EQ(values_in_fresh_graph(42, vs::random_normal_initializer({.seed = 3})),
            values_in_fresh_graph(42, vs::random_normal_initializer({.seed = 3})));
  EXPECT_EQ(values_in_fresh_graph(42, vs::truncated_normal_initializer({.seed = 3})),
            values_in_fresh_graph(42, vs::truncated_normal_initializer({.seed = 3})));
  EXPECT_EQ(values_in_fresh_graph(42, vs::glorot_uniform(5)), values_in_fresh_graph(42, vs::glorot_uniform(5)));
  EXPECT_NE(values_in_fresh_graph(42, vs::glorot_uniform(5)), values_in_fresh_graph(42, vs::glorot_uniform(6)));
  // With only the graph seed set, an identically built graph gives identical values (TF derives
  // the op seed from the graph's op count).
  EXPECT_EQ(values_in_fresh_graph(42, vs::Initializer()), values_in_fresh_graph(42, vs::Initializer()));
}

// TF's random_seed.get_seed: graph seed + op seed -> (graph, op); op seed only -> (87654321, op).
TEST(Initializers, GraphGetSeed) {
  vs::Graph g;
  EXPECT_FALSE(g.random_seed().has_value());
  EXPECT_EQ(g.get_seed(7), (std::pair<std::int64_t, std::int64_t>{87654321, 7}));
  g.set_random_seed(42);
  EXPECT_EQ(g.random_seed(), std::optional<std::int64_t>(42));
  EXPECT_EQ(g.get_seed(7), (std::pair<std::int64_t, std::int64_t>{42, 7}));
}

// §1.6 item 7 / §1.4 glorot: shards of a partitioned variable use the FULL shape's fans.
// (100, 10) in 4 shards of (25, 10): full limit sqrt(6/110) = 0.23355, shard limit would be
// sqrt(6/35) = 0.41404; 1000 samples make max |v| > 0.9 * 0.23355 certain.
TEST(Initializers, PartitionedGlorotUsesFullShapeFans) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  auto v = vs::get_variable("pw", {100, 10}, {.partitioner = vs::fixed_size_partitioner(4)});
  ASSERT_TRUE(v.is_partitioned());
  ASSERT_EQ(v.partitioned().size(), 4u);
  for (const vs::Variable& shard : v.partitioned()) EXPECT_EQ(shard.shape(), (vs::Shape{25, 10}));
  std::vector<float> values = eval_floats(g, v.partitioned().as_tensor());
  ASSERT_EQ(values.size(), 1000u);
  const double limit = std::sqrt(6.0 / 110.0);
  expect_within(values, limit, "partitioned glorot");
  EXPECT_GT(stats_of(values).max_abs, 0.9 * limit);
}
