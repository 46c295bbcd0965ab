// Backend parity (in the spirit of ggml's test-backend-ops): every op the CPU registers runs on
// every other device and must give what the CPU gives.
//
// Each case builds a small graph whose inputs are placeholders, then runs it twice, each time with
// fresh random inputs, in a CPU session (the reference) and in a session placing every node on the
// GPU without soft placement (so a missing GPU kernel fails, naming the node). Both sessions poison
// their activation arenas (0xFF: NaN, -1), and the second run gets new values, so a kernel that
// leaves elements unwritten cannot pass by showing the previous run's buffer.
//
// Devices: "fake_gpu" (tests/support/fake_gpu.h: the CPU kernels in a GPU's own memory, so every CI
// run checks the harness, the copies and HostMemory arguments) and "cuda" (skipped without a GPU).
//
// Inputs are drawn from a std::mt19937_64 seeded from std::random_device; a failure prints the
// seed, and VARSCOPE_PARITY_SEED=<seed> replays it. Case names are gtest names, e.g.
//   parity_tests --gtest_filter='*fake_gpu_Conv2D_*'
#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iomanip>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/backend.h"
#include "core/device_set.h"
#include "core/kernel.h"
#include "device_test.h"
#include "expect_error.h"
#include "fake_gpu.h"
#include "varscope/gradients.h"
#include "varscope/graph.h"
#include "varscope/initializers.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

using Outs = std::vector<Output>;
using Rng = std::mt19937_64;

constexpr const char* kGpu = "/job:localhost/replica:0/task:0/device:GPU:0";
constexpr double kDtypeDefault = std::numeric_limits<double>::quiet_NaN();

// ---- Random inputs ------------------------------------------------------------------------------

// How a fed input's values are drawn: uniformly from [lo, hi) (integer dtypes, and floating ones
// when `integral`: integers in [lo, hi]); `random_sign` negates half of them, so lo > 0 keeps
// values away from zero (divisors). Bools are coin flips. lo = NaN: the dtype's default range.
struct Dist {
  double lo = kDtypeDefault;
  double hi = kDtypeDefault;
  bool integral = false;
  bool random_sign = false;
};

Dist resolve(Dist d, DType dtype) {
  if (!std::isnan(d.lo)) return d;
  if (is_floating(dtype)) return {-1, 1};
  if (dtype == DType::kUInt8 || dtype == DType::kUInt16) return {0, 100};
  return {-50, 50};
}

Tensor random_tensor(Rng& rng, DType dtype, const Shape& shape, Dist dist) {
  const Dist d = resolve(dist, dtype);
  std::uniform_real_distribution<double> real(d.lo, d.hi);
  std::uniform_int_distribution<std::int64_t> integer(static_cast<std::int64_t>(std::ceil(d.lo)),
                                                      static_cast<std::int64_t>(std::floor(d.hi)));
  std::bernoulli_distribution coin;
  std::vector<double> values(static_cast<std::size_t>(shape.num_elements()));
  for (double& v : values) {
    if (dtype == DType::kBool) {
      v = coin(rng);
      continue;
    }
    v = d.integral || !is_floating(dtype) ? static_cast<double>(integer(rng)) : real(rng);
    if (d.random_sign && coin(rng)) v = -v;
  }
  return Tensor::from_vector(values, shape).cast(dtype);
}

// A fed shape: the declared one with each unknown dimension drawn in [1, 4] (an unknown rank in
// [0, 3]), so shape ops see a new shape every run.
Shape draw_shape(Rng& rng, const Shape& declared) {
  std::uniform_int_distribution<std::int64_t> dim(1, 4);
  std::vector<std::int64_t> dims;
  if (declared.has_known_rank()) {
    for (std::int64_t d : declared.dims()) dims.push_back(d < 0 ? dim(rng) : d);
  } else {
    dims.resize(std::uniform_int_distribution<std::size_t>(0, 3)(rng));
    for (std::int64_t& d : dims) d = dim(rng);
  }
  return Shape(std::move(dims));
}

// What a case builds into the default graph: placeholders fed with new values every run, variables
// initialized from them before every run, and extra targets.
class CaseBuilder {
 public:
  explicit CaseBuilder(Rng& rng) : rng_(rng) {}

  /// A placeholder of `shape` (unknown dimensions are drawn per run) fed with `dist` values.
  Output in(DType dtype, const Shape& shape, Dist dist = {}) {
    Output x = placeholder(dtype, shape, "x");
    feeds_.push_back({{x}, [=](Rng& rng) -> std::vector<Tensor> {
                        return {random_tensor(rng, dtype, draw_shape(rng, shape), dist)};
                      }});
    return x;
  }
  /// Placeholders of `shapes` that together hold a random permutation of 0..n-1 (n elements in
  /// all): indices that neither repeat nor leave a gap, or values without ties.
  Outs permutation(const std::vector<Shape>& shapes, DType dtype = DType::kInt32) {
    Outs outs;
    for (const Shape& s : shapes) outs.push_back(placeholder(dtype, s, "perm"));
    feeds_.push_back({outs, [=](Rng& rng) {
                        std::int64_t n = 0;
                        for (const Shape& s : shapes) n += s.num_elements();
                        std::vector<double> p(static_cast<std::size_t>(n));
                        std::iota(p.begin(), p.end(), 0.0);
                        std::shuffle(p.begin(), p.end(), rng);
                        std::vector<Tensor> parts;
                        auto next = p.begin();
                        for (const Shape& s : shapes) {
                          std::vector<double> part(next, next + s.num_elements());
                          next += s.num_elements();
                          parts.push_back(Tensor::from_vector(part, s).cast(dtype));
                        }
                        return parts;
                      }});
    return outs;
  }
  Output perm(std::int64_t n, DType dtype = DType::kInt32) {
    return permutation({Shape{n}}, dtype).front();
  }
  /// A variable initialized, before every run, from a placeholder fed with `dist` values; the
  /// test compares its value after every run.
  Variable var(DType dtype, const Shape& shape, Dist dist = {}) {
    const Output initial = in(dtype, shape, dist);
    Variable v = get_variable("v" + std::to_string(variables_.size()), Shape::unknown(),
                              {.dtype = dtype, .initializer = Initializer(initial)})
                     .variable();
    variables_.push_back(v);
    return v;
  }
  /// Values drawn once, when the graph is built (for Const).
  Tensor value(DType dtype, const Shape& shape, Dist dist = {}) {
    return random_tensor(rng_, dtype, shape, dist);
  }
  void target(Node* node) { targets_.push_back(node); }

  FeedDict draw() {
    FeedDict feeds;
    for (const Feed& f : feeds_) {
      std::vector<Tensor> values = f.draw(rng_);
      for (std::size_t i = 0; i < values.size(); ++i)
        feeds.emplace_back(f.placeholders[i], values[i]);
    }
    return feeds;
  }
  Outs placeholders() const {
    Outs all;
    for (const Feed& f : feeds_)
      all.insert(all.end(), f.placeholders.begin(), f.placeholders.end());
    return all;
  }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::vector<Node*>& targets() const { return targets_; }

 private:
  struct Feed {
    Outs placeholders;
    std::function<std::vector<Tensor>(Rng&)> draw;
  };
  Rng& rng_;
  std::vector<Feed> feeds_;
  std::vector<Variable> variables_;
  std::vector<Node*> targets_;
};

using B = CaseBuilder;
using Build = std::function<Outs(B&)>;

// ---- Cases --------------------------------------------------------------------------------------

// Float tolerance: |cpu - device| <= atol + rtol * |cpu|. A zero rtol/atol takes the output
// dtype's default; k > 0 (the number of terms each output element sums: K of a MatMul,
// KH*KW*C_in of a Conv2D) adds 2 * k * epsilon to atol, as a device may add in another order or in
// a wider type. (GPU float32 matmuls and convolutions do not round to TF32 unless
// set_allow_tf32(true), see varscope/math_mode.h.)
struct Tol {
  double rtol = 0;
  double atol = 0;
  std::int64_t k = 0;
};

struct Case {
  std::string name;  // the gtest name: alphanumerics and underscores
  std::string op;    // the op under test: covered, and must run on the GPU
  Build build;       // returns the tensors to compare
  Tol tol{};
};

// The case list: add("<Op>_<variant>", [tolerance,] builder). The op under test is the name up to
// its first underscore.
class Cases {
 public:
  void add(std::string name, Build build) { add(std::move(name), {}, std::move(build)); }
  /// A case of an op its name cannot spell: a fused kernel ("_FusedBiasAddRelu") that plans run for
  /// a chain of nodes (core/fusion.h).
  void add_fused(std::string op, std::string name, Build build, Tol tol = {}) {
    list.push_back({std::move(name), std::move(op), std::move(build), tol});
  }
  void add(std::string name, Tol tol, Build build) {
    std::string op = name.substr(0, name.find('_'));
    list.push_back({std::move(name), std::move(op), std::move(build), tol});
  }
  std::vector<Case> list;
};

// "f32", "bf16", "i64", "u8", "bool": dtypes in case names.
std::string short_name(DType dtype) {
  const std::string name(dtype_name(dtype));
  const std::pair<std::string, std::string> abbreviations[] = {
      {"bfloat", "bf"}, {"float", "f"}, {"uint", "u"}, {"int", "i"}};
  for (const auto& [prefix, letter] : abbreviations) {
    if (name.starts_with(prefix)) return letter + name.substr(prefix.size());
  }
  return name;
}

bool cpu_has(const std::string& op, DType dtype) {
  return kernel_registry().find(op, DeviceType::kCPU, dtype) != nullptr;
}

// The variable itself (its VariableV2 output), as the update ops take it.
Output ref(const Variable& v) { return v.op()->output(0); }

// An op without a public builder, as its OpDef (core/ops/*.cpp) expects it.
Output raw(const std::string& op, Outs inputs, AttrMap attrs) {
  return get_default_graph()
      .create_node(
          NodeSpec{.op = op, .name = op, .inputs = std::move(inputs), .attrs = std::move(attrs)})
      .output(0);
}
Output exp_op(const Output& x, std::string_view) { return raw("Exp", {x}, {{"T", x.dtype()}}); }
Output expand_dims(const Output& x, std::int32_t axis) {
  return raw("ExpandDims", {x, constant(Tensor::scalar(axis), "dim")},
             {{"T", x.dtype()}, {"Tdim", DType::kInt32}});
}
// The optimizer update ops, as train::*Optimizer::apply_dense builds them.
Output apply(const std::string& op, Outs inputs, AttrMap attrs = {}) {
  attrs.emplace("T", inputs.front().dtype());
  attrs.emplace("use_locking", false);
  return raw(op, std::move(inputs), std::move(attrs));
}

// Every output of the first `op` node of the default graph (ops a builder wraps in others).
Outs outputs_of(std::string_view op) {
  for (Node* n : get_default_graph().nodes()) {
    if (n->op() != op) continue;
    Outs outs;
    for (int i = 0; i < n->num_outputs(); ++i) outs.push_back(n->output(i));
    return outs;
  }
  throw std::logic_error("no " + std::string(op) + " node in the graph");
}

// Shared builders of the repeated shapes of cases.
using UnaryFn = Output (*)(const Output&, std::string_view);
using BinaryFn = Output (*)(const Output&, const Output&, std::string_view);
using ReduceFn = Output (*)(const Output&, std::optional<std::vector<std::int64_t>>, bool,
                            std::string_view);
using PoolFn = Output (*)(const Output&, const std::vector<std::int64_t>&,
                          const std::vector<std::int64_t>&, std::string_view, std::string_view);
using Ints = std::vector<std::int64_t>;

Build unary(UnaryFn f, DType t, Shape s, Dist d = {}) {
  return [=](B& b) -> Outs { return {f(b.in(t, s, d), "y")}; };
}
Build binary(BinaryFn f, DType t, Shape sx, Shape sy, Dist dx = {}, Dist dy = {}) {
  return [=](B& b) -> Outs { return {f(b.in(t, sx, dx), b.in(t, sy, dy), "z")}; };
}
Build reduce(ReduceFn f, DType t, Shape s, std::optional<Ints> axes, bool keep, Dist d = {}) {
  return [=](B& b) -> Outs { return {f(b.in(t, s, d), axes, keep, "r")}; };
}
// a [m, k] (its transpose when ta) times b [k, n] (its transpose when tb).
Build matmul_of(DType t, std::int64_t m, std::int64_t k, std::int64_t n, bool ta, bool tb) {
  return [=](B& b) -> Outs {
    return {matmul(b.in(t, ta ? Shape{k, m} : Shape{m, k}), b.in(t, tb ? Shape{n, k} : Shape{k, n}),
                   ta, tb)};
  };
}
// Conv2D of x by w, or (for kInput / kFilter) its gradient for a fed dy, through gradients(): the
// Conv2DBackpropInput / Conv2DBackpropFilter nodes TF's gradient rule builds.
enum class Grad { kNone, kInput, kFilter };
Build conv(DType t, Shape x, Shape w, Ints strides, std::string padding, Grad grad = Grad::kNone,
           Ints dilations = {1, 1, 1, 1}) {
  return [=](B& b) -> Outs {
    const Output in = b.in(t, x), filter = b.in(t, w);
    const Output y = nn::conv2d(in, filter, strides, padding, dilations);
    if (grad == Grad::kNone) return {y};
    return gradients({y}, Outs{grad == Grad::kInput ? in : filter}, {b.in(t, y.shape())});
  };
}
// A pool over x, or (grad) its gradient for a fed dy: MaxPoolGrad / AvgPoolGrad.
Build pool(PoolFn f, DType t, Shape x, Ints ksize, Ints strides, std::string padding,
           bool grad = false) {
  return [=](B& b) -> Outs {
    const Output in = b.in(t, x);
    const Output y = f(in, ksize, strides, padding, "pool");
    if (!grad) return {y};
    return gradients({y}, Outs{in}, {b.in(t, y.shape())});
  };
}
// Both outputs (loss, backprop) of the softmax cross entropies; labels are a distribution per row
// or class indices.
Build xent(DType t, Shape logits, Dist d = {}) {
  return [=](B& b) -> Outs {
    nn::softmax_cross_entropy_with_logits(b.in(t, logits, {0, 1}), b.in(t, logits, d));
    return outputs_of("SoftmaxCrossEntropyWithLogits");
  };
}
Build sparse_xent(DType t, DType labels, std::int64_t batch, std::int64_t classes, Dist d = {}) {
  return [=](B& b) -> Outs {
    nn::sparse_softmax_cross_entropy_with_logits(
        b.in(labels, {batch}, {0, static_cast<double>(classes - 1)}), b.in(t, {batch, classes}, d));
    return outputs_of("SparseSoftmaxCrossEntropyWithLogits");
  };
}
// The sum of n fed tensors.
Build add_n_of(DType t, int n) {
  return [=](B& b) {
    Outs terms;
    for (int i = 0; i < n; ++i) terms.push_back(b.in(t, {4, 5}));
    return Outs{add_n(terms)};
  };
}
// variable op= value (Assign, AssignAdd, AssignSub): the output; the variable is compared too.
Build update(Output (*f)(const Variable&, const Output&, std::string_view), DType t) {
  return [=](B& b) -> Outs { return {f(b.var(t, {3, 4}), b.in(t, {3, 4}), "update")}; };
}
Output assign_checked(const Variable& v, const Output& x, std::string_view name) {
  return assign(v, x, true, name);
}

// Optimizer updates on variables with fed starting values and hyper-parameters.
Build gradient_descent(DType t) {
  return [=](B& b) -> Outs {
    const Variable v = b.var(t, {3, 5});
    return {apply("ApplyGradientDescent", {ref(v), b.in(t, {}, {0.01, 0.5}), b.in(t, {3, 5})})};
  };
}
Build momentum(DType t, bool nesterov) {
  return [=](B& b) -> Outs {
    const Variable v = b.var(t, {4, 3}), accum = b.var(t, {4, 3});
    return {apply(
        "ApplyMomentum",
        {ref(v), ref(accum), b.in(t, {}, {0.01, 0.5}), b.in(t, {4, 3}), b.in(t, {}, {0.5, 0.99})},
        {{"use_nesterov", nesterov}})};
  };
}
Build adam(DType t) {
  return [=](B& b) -> Outs {
    const Variable v = b.var(t, {5, 2}), m = b.var(t, {5, 2}), s = b.var(t, {5, 2}, {0, 1});
    return {apply("ApplyAdam",
                  {ref(v), ref(m), ref(s), b.in(t, {}, {0.1, 0.9}), b.in(t, {}, {0.5, 0.999}),
                   b.in(t, {}, {0.001, 0.1}), b.in(t, {}, {0.8, 0.95}), b.in(t, {}, {0.9, 0.999}),
                   b.in(t, {}, {1e-8, 1e-6}), b.in(t, {5, 2})},
                  {{"use_nesterov", false}})};
  };
}

// Int32 Consts for shape-like inputs.
Output i32s(const std::vector<std::int32_t>& v, Shape s) {
  return constant(Tensor::from_vector(v, std::move(s)), "c");
}
Output i32s(const std::vector<std::int32_t>& v) {
  return i32s(v, Shape{static_cast<std::int64_t>(v.size())});
}

constexpr DType f16 = DType::kFloat16, bf16 = DType::kBFloat16, f32 = DType::kFloat32,
                f64 = DType::kFloat64, i32 = DType::kInt32, i64 = DType::kInt64,
                boolean = DType::kBool;

// Cases written out one by one.
void table(Cases& t) {
  const Dist large{990, 1010};  // logits far from 0: exp() overflows unless max is subtracted
  const Dist wide{-300, 300};   // a row's largest logit dominates: the others underflow to 0
  const Dist positive{0.1, 4};

  // Graph plumbing.
  t.add("Const_f32", [](B& b) -> Outs { return {constant(b.value(f32, {3, 4}))}; });
  t.add("Const_f16", [](B& b) -> Outs { return {constant(b.value(f16, {5}))}; });
  t.add("Const_i64", [](B& b) -> Outs { return {constant(b.value(i64, {2, 3}))}; });
  t.add("Const_bool", [](B& b) -> Outs { return {constant(b.value(boolean, {7}))}; });
  t.add("Identity_f32", unary(&identity, f32, {3, 4}));
  t.add("Identity_i32", unary(&identity, i32, {6}));
  t.add("Identity_bool", unary(&identity, boolean, {2, 3}));
  t.add("StopGradient_f32", unary(&stop_gradient, f32, {3, 4}));
  t.add("PreventGradient_f64", [](B& b) -> Outs {
    return {raw("PreventGradient", {b.in(f64, {4})}, {{"T", f64}})};
  });
  // A target only: a group running an update, checked through the variable.
  t.add("NoOp_group", [](B& b) -> Outs {
    b.target(group({assign_add(b.var(f32, {3}), b.in(f32, {3})).node}));
    return {};
  });
  t.add("Reshape_f32", [](B& b) -> Outs { return {reshape(b.in(f32, {3, 4}), Shape{2, -1, 3})}; });
  t.add("Reshape_i64_computed", [](B& b) -> Outs {
    return {reshape(b.in(i64, {4, 6}), shape(b.in(f32, {8, 3})))};
  });
  t.add("ExpandDims_f32_axis0", [](B& b) -> Outs { return {expand_dims(b.in(f32, {3, 4}), 0)}; });
  t.add("ExpandDims_i32_last", [](B& b) -> Outs { return {expand_dims(b.in(i32, {3, 4}), -1)}; });
  t.add("Shape_f32_partial", [](B& b) -> Outs { return {shape(b.in(f32, {-1, 3, -1}))}; });
  t.add("Shape_i32_out_i64", [](B& b) -> Outs { return {shape(b.in(i32, {2, -1}), i64)}; });
  t.add("ShapeN_two", [](B& b) { return shape_n({b.in(f32, {-1, 2}), b.in(f32, {3, -1, 1})}); });
  t.add("ShapeN_i64_out", [](B& b) {
    return shape_n({b.in(i64, {-1}), b.in(i64, Shape::unknown()), b.in(i64, {2})}, i64);
  });
  t.add("Size_f32_partial", [](B& b) -> Outs { return {size(b.in(f32, {-1, -1}))}; });
  t.add("Size_i64_out", [](B& b) -> Outs { return {size(b.in(i32, {3, -1}), i64)}; });
  t.add("Rank_unknown", [](B& b) -> Outs { return {rank(b.in(f32, Shape::unknown()))}; });
  t.add("VariableV2_f32", [](B& b) -> Outs {
    const Variable v = b.var(f32, {3, 4});
    return {ref(v), v.value()};
  });
  t.add("VariableV2_i64", [](B& b) -> Outs { return {ref(b.var(i64, {5}))}; });
  t.add("Assign_f32", update(&assign_checked, f32));
  t.add("Assign_f16", update(&assign_checked, f16));
  t.add("Assign_i64", update(&assign_checked, i64));

  // Array ops.
  t.add("Fill_f32", [](B& b) -> Outs { return {fill(Shape{3, 4}, b.in(f32, {}))}; });
  t.add("Fill_i64", [](B& b) -> Outs { return {fill(Shape{5}, b.in(i64, {}))}; });
  t.add("Fill_bool", [](B& b) -> Outs { return {fill(Shape{2, 3}, b.in(boolean, {}))}; });
  t.add("Fill_f16_fed_dims", [](B& b) -> Outs {
    return {fill(b.in(i32, {3}, {0, 4}), b.in(f16, {}))};
  });
  t.add("ConcatV2_f32_axis0", [](B& b) -> Outs {
    return {concat({b.in(f32, {2, 3}), b.in(f32, {4, 3})}, 0)};
  });
  t.add("ConcatV2_f32_axis1", [](B& b) -> Outs {
    return {concat({b.in(f32, {3, 2}), b.in(f32, {3, 5}), b.in(f32, {3, 1})}, 1)};
  });
  t.add("ConcatV2_i32_last", [](B& b) -> Outs {
    return {concat({b.in(i32, {2, 3, 1}), b.in(i32, {2, 3, 4})}, -1)};
  });
  t.add("ConcatV2_f16_axis1", [](B& b) -> Outs {
    return {concat({b.in(f16, {2, 3, 4}), b.in(f16, {2, 1, 4})}, 1)};
  });
  t.add("Slice_f32", [](B& b) -> Outs { return {slice(b.in(f32, {5, 6}), {1, 2}, {3, -1})}; });
  t.add("Slice_i64_rank3", [](B& b) -> Outs {
    return {slice(b.in(i64, {4, 5, 6}), {1, 0, 3}, {2, 5, 2})};
  });
  t.add("Slice_f16_empty", [](B& b) -> Outs { return {slice(b.in(f16, {4, 5}), {2, 1}, {0, 3})}; });
  t.add("Transpose_f32_2d_tiled", [](B& b) -> Outs {
    return {transpose(b.in(f32, {37, 45}), {1, 0})};
  });
  t.add("Transpose_f32_021", [](B& b) -> Outs {
    return {transpose(b.in(f32, {3, 4, 5}), {0, 2, 1})};
  });
  t.add("Transpose_f16_201", [](B& b) -> Outs {
    return {transpose(b.in(f16, {3, 4, 5}), {2, 0, 1})};
  });
  t.add("Transpose_i64_nhwc_to_nchw", [](B& b) -> Outs {
    return {transpose(b.in(i64, {2, 3, 4, 5}), {0, 3, 1, 2})};
  });
  t.add("Transpose_u8_3120", [](B& b) -> Outs {
    return {transpose(b.in(DType::kUInt8, {2, 3, 4, 5}), {3, 1, 2, 0})};
  });
  t.add("Transpose_bool_10", [](B& b) -> Outs {
    return {transpose(b.in(boolean, {3, 7}), {1, 0})};
  });
  t.add("Transpose_f64_fed_perm", [](B& b) -> Outs {
    return {transpose(b.in(f64, {2, 3, 4, 5}), b.perm(4))};
  });
  t.add("Tile_f32", [](B& b) -> Outs { return {tile(b.in(f32, {2, 3}), {2, 3})}; });
  t.add("Tile_i32_rank3", [](B& b) -> Outs { return {tile(b.in(i32, {2, 1, 3}), {1, 4, 2})}; });
  t.add("Tile_f16_fed_multiples", [](B& b) -> Outs {
    return {tile(b.in(f16, {3, 2}), b.in(i32, {2}, {0, 3}))};
  });
  t.add("BroadcastTo_f32", [](B& b) -> Outs {
    return {broadcast_to(b.in(f32, {3, 1}), i32s({2, 3, 4}))};
  });
  t.add("BroadcastTo_i64_row", [](B& b) -> Outs {
    return {broadcast_to(b.in(i64, {4}), i32s({3, 4}))};
  });
  t.add("Pad_f32", [](B& b) -> Outs {
    return {pad(b.in(f32, {3, 4}), i32s({1, 2, 0, 3}, {2, 2}))};
  });
  t.add("Pad_i64_rank3_i64_paddings", [](B& b) -> Outs {
    return {pad(b.in(i64, {2, 3, 2}),
                constant(Tensor::from_vector<std::int64_t>({0, 1, 2, 0, 1, 1}, {3, 2})))};
  });
  t.add("Pad_f16_fed_paddings", [](B& b) -> Outs {
    return {pad(b.in(f16, {3, 2}), b.in(i32, {2, 2}, {0, 3}))};
  });
  t.add("GatherV2_f32_axis0", [](B& b) -> Outs {
    return {gather(b.in(f32, {5, 3}), b.in(i32, {7}, {0, 4}))};
  });
  t.add("GatherV2_f32_axis1_i64_indices", [](B& b) -> Outs {
    return {gather(b.in(f32, {3, 6, 2}), b.in(i64, {2, 4}, {0, 5}), 1)};
  });
  t.add("GatherV2_i64_last", [](B& b) -> Outs {
    return {gather(b.in(i64, {4, 3}), b.in(i32, {5}, {0, 2}), -1)};
  });
  t.add("Pack_f32_axis0", [](B& b) -> Outs {
    return {stack({b.in(f32, {3, 4}), b.in(f32, {3, 4}), b.in(f32, {3, 4})}, 0)};
  });
  t.add("Pack_i32_axis1", [](B& b) -> Outs {
    return {stack({b.in(i32, {3, 4}), b.in(i32, {3, 4})}, 1)};
  });
  t.add("Pack_f16_last", [](B& b) -> Outs {
    return {stack({b.in(f16, {2, 3}), b.in(f16, {2, 3})}, -1)};
  });
  t.add("DynamicStitch_f32", [](B& b) -> Outs {
    const Outs indices = b.permutation({{2, 3}, {4}});
    return {dynamic_stitch(indices, {b.in(f32, {2, 3, 5}), b.in(f32, {4, 5})})};
  });
  t.add("DynamicStitch_i32_scalars", [](B& b) -> Outs {
    const Outs indices = b.permutation({{3}, {2, 2}, {1}});
    return {dynamic_stitch(indices, {b.in(i32, {3}), b.in(i32, {2, 2}), b.in(i32, {1})})};
  });
  // A fully defined shape would make zeros_like a Const: the dimensions are left to the feed.
  t.add("ZerosLike_f32", unary(&zeros_like, f32, {-1, 4}));
  t.add("ZerosLike_i64", unary(&zeros_like, i64, {-1}));
  t.add("ZerosLike_bool", unary(&zeros_like, boolean, {2, -1}));
  t.add("OnesLike_f32", unary(&ones_like, f32, {-1, 4}));
  t.add("OnesLike_i32", unary(&ones_like, i32, {-1}));
  t.add("OnesLike_bf16", unary(&ones_like, bf16, {-1, 3}));
  t.add("BroadcastGradientArgs_fed_shapes", [](B& b) {
    return broadcast_gradient_args(shape(b.in(f32, {-1, 1, 3})), shape(b.in(f32, {5, 3})));
  });
  t.add("BroadcastGradientArgs_const", [](B&) {
    return broadcast_gradient_args(i32s({2, 1, 4, 1}), i32s({3, 1, 5}));
  });
  t.add("ConcatOffset_axis1", [](B& b) {
    return concat_offset(constant(Tensor::scalar(std::int32_t{1})),
                         {shape(b.in(f32, {2, -1, 3})), shape(b.in(f32, {2, -1, 3}))});
  });
  t.add("InvertPermutation_i32", [](B& b) -> Outs { return {invert_permutation(b.perm(9))}; });
  t.add("InvertPermutation_i64", [](B& b) -> Outs { return {invert_permutation(b.perm(6, i64))}; });

  // Math ops that the sweeps below leave out, and big shapes (the threaded paths).
  t.add("Select_f32_same", [](B& b) -> Outs {
    return {where(b.in(boolean, {3, 4}), b.in(f32, {3, 4}), b.in(f32, {3, 4}))};
  });
  t.add("Select_i64_rows", [](B& b) -> Outs {
    return {where(b.in(boolean, {3}), b.in(i64, {3, 4}), b.in(i64, {3, 4}))};
  });
  t.add("Select_f16_scalar", [](B& b) -> Outs {
    return {where(b.in(boolean, {}), b.in(f16, {2, 5}), b.in(f16, {2, 5}))};
  });
  t.add("Select_bool_same", [](B& b) -> Outs {
    return {where(b.in(boolean, {6}), b.in(boolean, {6}), b.in(boolean, {6}))};
  });
  t.add("Range_i32", [](B& b) -> Outs {
    return {range(b.in(i32, {}, {-5, 5}), b.in(i32, {}, {6, 20}), b.in(i32, {}, {1, 3}))};
  });
  t.add("Range_i64_descending", [](B& b) -> Outs {
    return {range(b.in(i64, {}, {10, 20}), b.in(i64, {}, {-5, 0}), b.in(i64, {}, {-3, -1}))};
  });
  t.add("Range_f32", [](B& b) -> Outs {
    return {range(b.in(f32, {}, {-1, 1}), b.in(f32, {}, {5, 10}), b.in(f32, {}, {0.5, 1.5}))};
  });
  t.add("Range_f64", [](B& b) -> Outs {
    return {range(b.in(f64, {}, {-1, 1}), b.in(f64, {}, {5, 10}), b.in(f64, {}, {0.3, 1}))};
  });
  t.add("SqrtGrad_f32", binary(&sqrt_grad, f32, {4, 7}, {4, 7}, positive));
  t.add("SqrtGrad_f64", binary(&sqrt_grad, f64, {3, 5}, {3, 5}, positive));
  t.add("SqrtGrad_f16", binary(&sqrt_grad, f16, {3, 5}, {3, 5}, positive));
  t.add("SqrtGrad_bf16", binary(&sqrt_grad, bf16, {3, 5}, {3, 5}, positive));
  t.add("Add_f32_big", binary(&add, f32, {300, 257}, {300, 257}));
  t.add("Add_f32_big_row", binary(&add, f32, {300, 257}, {257}));
  t.add("Mul_f32_big_col", binary(&multiply, f32, {300, 257}, {300, 1}));
  t.add("Sum_f32_big_rows", {.k = 300}, reduce(&reduce_sum, f32, {64, 300}, Ints{1}, false));
  t.add("Sum_f32_big_cols", {.k = 300}, reduce(&reduce_sum, f32, {300, 64}, Ints{0}, false));
  t.add("Sum_f32_big_all", {.k = 64 * 300},
        reduce(&reduce_sum, f32, {64, 300}, std::nullopt, false));
  t.add("Mean_f32_big_cols", {.k = 300}, reduce(&reduce_mean, f32, {300, 64}, Ints{0}, false));
  t.add("Max_f32_big_rows", reduce(&reduce_max, f32, {64, 300}, Ints{1}, false));
  t.add("Max_f32_big_all", reduce(&reduce_max, f32, {64, 300}, std::nullopt, false));
  t.add("ArgMax_f32_big", [](B& b) -> Outs { return {argmax(b.in(f32, {64, 300}), 1)}; });

  // MatMul: the transpose flags, sizes that are not multiples of 8, and more dtypes.
  t.add("MatMul_f32", {.k = 37}, matmul_of(f32, 5, 37, 11, false, false));
  t.add("MatMul_f32_ta", {.k = 37}, matmul_of(f32, 5, 37, 11, true, false));
  t.add("MatMul_f32_tb", {.k = 37}, matmul_of(f32, 5, 37, 11, false, true));
  t.add("MatMul_f32_ta_tb", {.k = 37}, matmul_of(f32, 5, 37, 11, true, true));
  t.add("MatMul_f32_vector", {.k = 129}, matmul_of(f32, 1, 129, 1, false, false));
  t.add("MatMul_f32_big", {.k = 131}, matmul_of(f32, 67, 131, 45, false, true));
  t.add("MatMul_f64_ta_tb", {.k = 21}, matmul_of(f64, 9, 21, 7, true, true));
  t.add("MatMul_f16_ta", {.k = 13}, matmul_of(f16, 6, 13, 9, true, false));
  t.add("MatMul_bf16", {.k = 7}, matmul_of(bf16, 3, 7, 4, false, false));
  t.add("MatMul_i32_tb", matmul_of(i32, 4, 19, 6, false, true));
  t.add("MatMul_i64_ta", matmul_of(i64, 3, 10, 5, true, false));

  // Random ops with fixed seeds. The GPU kernels draw the CPU's Philox stream (documented in
  // cuda/kernels/random_kernels.cu: uniform values are bit-identical, normal ones differ only by
  // the rounding of the device's log/sin/cos), so values are compared one by one, each run
  // advancing both sessions' streams alike. Odd sizes end in a partial group of 4 values.
  const Tol box_muller{.rtol = 1e-5, .atol = 1e-5};
  t.add("RandomUniform_f32", [](B&) -> Outs {
    return {random_uniform(Shape{33, 65}, f32, -2, 3, 7)};
  });
  t.add("RandomUniform_f64", [](B&) -> Outs {
    return {random_uniform(Shape{7, 3}, f64, 0, 1, 8)};
  });
  t.add("RandomUniform_f16", [](B&) -> Outs { return {random_uniform(Shape{11}, f16, 0, 1, 9)}; });
  t.add("RandomUniform_bf16", [](B&) -> Outs {
    return {random_uniform(Shape{2, 5}, bf16, -1, 1, 10)};
  });
  t.add("RandomUniform_f32_fed_shape", [](B& b) -> Outs {
    return {random_uniform(shape(b.in(f32, {-1, 3})), f32, 0, 1, 11)};
  });
  t.add("RandomStandardNormal_f32", box_muller, [](B&) -> Outs {
    return {random_normal(Shape{17, 9}, f32, 0.5, 2, 12)};
  });
  t.add("RandomStandardNormal_f64", [](B&) -> Outs {
    return {random_normal(Shape{5, 3}, f64, 0, 1, 13)};
  });
  t.add("TruncatedNormal_f32", box_muller, [](B&) -> Outs {
    return {truncated_normal(Shape{13, 21}, f32, 0, 1, 14)};
  });
  t.add("TruncatedNormal_f64",
        [](B&) -> Outs { return {truncated_normal(Shape{9}, f64, 1, 3, 15)}; });

  // Conv2D and its gradients: SAME / VALID, strides 1 and 2, odd sizes (SAME pads one more after
  // than before), an even kernel, dilation, 1x1. k: the terms of each output element.
  const Ints s1{1, 1, 1, 1}, s2{1, 2, 2, 1};
  const Ints dilated{1, 2, 2, 1};
  t.add("Conv2D_f32_same_s1", {.k = 27}, conv(f32, {2, 7, 9, 3}, {3, 3, 3, 4}, s1, "SAME"));
  t.add("Conv2D_f32_valid_s1", {.k = 27}, conv(f32, {2, 6, 8, 3}, {3, 3, 3, 5}, s1, "VALID"));
  t.add("Conv2D_f32_same_s2_odd", {.k = 32}, conv(f32, {1, 7, 9, 2}, {4, 4, 2, 3}, s2, "SAME"));
  t.add("Conv2D_f32_valid_s2", {.k = 18}, conv(f32, {2, 9, 8, 3}, {3, 2, 3, 5}, s2, "VALID"));
  t.add("Conv2D_f32_same_s12", {.k = 27},
        conv(f32, {1, 5, 8, 3}, {3, 3, 3, 2}, {1, 1, 2, 1}, "SAME"));
  t.add("Conv2D_f32_dilated", {.k = 18},
        conv(f32, {1, 9, 9, 2}, {3, 3, 2, 3}, s1, "SAME", Grad::kNone, dilated));
  t.add("Conv2D_f32_1x1", {.k = 8}, conv(f32, {2, 5, 5, 8}, {1, 1, 8, 6}, s1, "VALID"));
  t.add("Conv2D_f64_same_s2", {.k = 27}, conv(f64, {2, 7, 7, 3}, {3, 3, 3, 4}, s2, "SAME"));
  t.add("Conv2DBackpropInput_f32_same_s1", {.k = 36},
        conv(f32, {2, 7, 9, 3}, {3, 3, 3, 4}, s1, "SAME", Grad::kInput));
  t.add("Conv2DBackpropInput_f32_valid_s2", {.k = 30},
        conv(f32, {2, 9, 8, 3}, {3, 2, 3, 5}, s2, "VALID", Grad::kInput));
  t.add("Conv2DBackpropInput_f32_same_s2_odd", {.k = 48},
        conv(f32, {1, 7, 9, 2}, {4, 4, 2, 3}, s2, "SAME", Grad::kInput));
  t.add("Conv2DBackpropInput_f32_dilated", {.k = 27},
        conv(f32, {1, 9, 9, 2}, {3, 3, 2, 3}, s1, "SAME", Grad::kInput, dilated));
  t.add("Conv2DBackpropInput_f64_same_s2", {.k = 36},
        conv(f64, {2, 7, 7, 3}, {3, 3, 3, 4}, s2, "SAME", Grad::kInput));
  t.add("Conv2DBackpropFilter_f32_same_s1", {.k = 126},
        conv(f32, {2, 7, 9, 3}, {3, 3, 3, 4}, s1, "SAME", Grad::kFilter));
  t.add("Conv2DBackpropFilter_f32_valid_s2", {.k = 32},
        conv(f32, {2, 9, 8, 3}, {3, 2, 3, 5}, s2, "VALID", Grad::kFilter));
  t.add("Conv2DBackpropFilter_f32_same_s2_odd", {.k = 20},
        conv(f32, {1, 7, 9, 2}, {4, 4, 2, 3}, s2, "SAME", Grad::kFilter));
  t.add("Conv2DBackpropFilter_f32_dilated", {.k = 81},
        conv(f32, {1, 9, 9, 2}, {3, 3, 2, 3}, s1, "SAME", Grad::kFilter, dilated));
  t.add("Conv2DBackpropFilter_f64_same_s2", {.k = 32},
        conv(f64, {2, 7, 7, 3}, {3, 3, 3, 4}, s2, "SAME", Grad::kFilter));

  // Pooling and its gradients: overlapping windows, asymmetric SAME padding, a 3x2 window.
  const Ints k2{1, 2, 2, 1}, k3{1, 3, 3, 1}, k32{1, 3, 2, 1};
  const auto max_pool = &nn::max_pool;
  const auto avg_pool = &nn::avg_pool;
  t.add("MaxPool_f32_same_k3s2", pool(max_pool, f32, {2, 7, 9, 3}, k3, s2, "SAME"));
  t.add("MaxPool_f32_same_k2s2_odd", pool(max_pool, f32, {1, 7, 9, 2}, k2, s2, "SAME"));
  t.add("MaxPool_f32_valid_k2s2_odd", pool(max_pool, f32, {2, 7, 9, 3}, k2, s2, "VALID"));
  t.add("MaxPool_f32_valid_k3x2s1", pool(max_pool, f32, {2, 6, 5, 4}, k32, s1, "VALID"));
  t.add("MaxPool_f64_same_k3s1", pool(max_pool, f64, {1, 5, 6, 2}, k3, s1, "SAME"));
  t.add("AvgPool_f32_same_k3s2", {.k = 9}, pool(avg_pool, f32, {2, 7, 9, 3}, k3, s2, "SAME"));
  t.add("AvgPool_f32_same_k2s2_odd", {.k = 4}, pool(avg_pool, f32, {1, 7, 9, 2}, k2, s2, "SAME"));
  t.add("AvgPool_f32_valid_k3x2s1", {.k = 6}, pool(avg_pool, f32, {2, 6, 5, 4}, k32, s1, "VALID"));
  t.add("AvgPool_f64_valid_k2s2", {.k = 4}, pool(avg_pool, f64, {1, 6, 7, 2}, k2, s2, "VALID"));
  t.add("MaxPoolGrad_f32_same_k3s2", {.k = 4},
        pool(max_pool, f32, {2, 7, 9, 3}, k3, s2, "SAME", true));
  t.add("MaxPoolGrad_f32_same_k2s2_odd", pool(max_pool, f32, {1, 7, 9, 2}, k2, s2, "SAME", true));
  t.add("MaxPoolGrad_f32_valid_k3x2s1", {.k = 6},
        pool(max_pool, f32, {2, 6, 5, 4}, k32, s1, "VALID", true));
  t.add("MaxPoolGrad_f64_same_k3s1", {.k = 9},
        pool(max_pool, f64, {1, 5, 6, 2}, k3, s1, "SAME", true));
  t.add("AvgPoolGrad_f32_same_k3s2", {.k = 4},
        pool(avg_pool, f32, {2, 7, 9, 3}, k3, s2, "SAME", true));
  t.add("AvgPoolGrad_f32_same_k2s2_odd", pool(avg_pool, f32, {1, 7, 9, 2}, k2, s2, "SAME", true));
  t.add("AvgPoolGrad_f32_valid_k3x2s1", {.k = 6},
        pool(avg_pool, f32, {2, 6, 5, 4}, k32, s1, "VALID", true));
  t.add("AvgPoolGrad_f64_valid_k2s2", pool(avg_pool, f64, {1, 6, 7, 2}, k2, s2, "VALID", true));

  // Activation gradients, BiasAdd, softmax and the cross entropies (large and wide logits).
  t.add("ReluGrad_f32", binary(&nn::relu_grad, f32, {4, 7}, {4, 7}));
  t.add("ReluGrad_f64", binary(&nn::relu_grad, f64, {3, 5}, {3, 5}));
  t.add("SigmoidGrad_f32", binary(&nn::sigmoid_grad, f32, {4, 7}, {4, 7}, {0, 1}));
  t.add("SigmoidGrad_f64", binary(&nn::sigmoid_grad, f64, {3, 5}, {3, 5}, {0, 1}));
  t.add("TanhGrad_f32", binary(&nn::tanh_grad, f32, {4, 7}, {4, 7}));
  t.add("TanhGrad_f64", binary(&nn::tanh_grad, f64, {3, 5}, {3, 5}));
  t.add("BiasAdd_f32", binary(&nn::bias_add, f32, {4, 5}, {5}));
  t.add("BiasAdd_f32_rank4", binary(&nn::bias_add, f32, {2, 3, 4, 6}, {6}));
  t.add("BiasAdd_f64", binary(&nn::bias_add, f64, {3, 7}, {7}));
  t.add("BiasAdd_i32", binary(&nn::bias_add, i32, {4, 5}, {5}));
  t.add("BiasAdd_i64_rank3", binary(&nn::bias_add, i64, {2, 3, 4}, {4}));
  // BiasAdd + Relu, which plans fuse into one kernel where nothing else reads the sum.
  for (const auto& dtype_and_shape : {std::pair{f32, Shape{4, 5}}, std::pair{f32, Shape{2, 3, 4, 6}},
                                      std::pair{f32, Shape{300, 257}}, std::pair{f64, Shape{3, 7}}}) {
    const DType dtype = dtype_and_shape.first;  // a copy: lambdas cannot capture structured bindings in Clang 14
    const Shape shape = dtype_and_shape.second;
    t.add_fused("_FusedBiasAddRelu", "FusedBiasAddRelu_" + short_name(dtype) + "_rank" + std::to_string(shape.rank()) +
                                         "_" + std::to_string(shape.num_elements()),
                [dtype, shape](B& b) -> Outs {
                  return {nn::relu(nn::bias_add(b.in(dtype, shape), b.in(dtype, Shape{shape.dim(-1)})))};
                });
  }
  // ReluGrad + BiasAddGrad of its output (a layer's backward pass), which plans fuse into one
  // kernel: both values are compared. Rows from one to several chunks of the GPU's first pass.
  for (const auto& dtype_and_shape :
       {std::pair{f32, Shape{4, 5}}, std::pair{f32, Shape{2, 3, 4, 6}}, std::pair{f32, Shape{300, 257}},
        std::pair{f32, Shape{2, 28, 28, 32}}, std::pair{f64, Shape{3, 7}}}) {
    const DType dtype = dtype_and_shape.first;  // a copy: lambdas cannot capture structured bindings in Clang 14
    const Shape shape = dtype_and_shape.second;
    t.add_fused(
        "_FusedReluGradBiasAddGrad",
        "FusedReluGradBiasAddGrad_" + short_name(dtype) + "_rank" + std::to_string(shape.rank()) + "_" +
            std::to_string(shape.num_elements()),
        [dtype, shape](B& b) -> Outs {
          const Output backprops = nn::relu_grad(b.in(dtype, shape), b.in(dtype, shape));
          return {backprops, nn::bias_add_grad(backprops)};
        },
        {.k = shape.num_elements() / shape.dim(-1)});
  }
  // tf.nn.dropout (a seeded RandomUniform, Mul, Add, GreaterEqual, Cast, Mul, Mul), which plans fuse
  // into one kernel: the result and the mask are compared. Both sessions draw the same stream.
  for (const auto& dtype_and_shape :
       {std::pair{f32, Shape{3, 40}}, std::pair{f32, Shape{64, 1024}}, std::pair{f32, Shape{2, 5, 7}},
        std::pair{f64, Shape{9, 11}}}) {
    const DType dtype = dtype_and_shape.first;  // a copy: lambdas cannot capture structured bindings in Clang 14
    const Shape shape = dtype_and_shape.second;
    t.add_fused("_FusedDropout",
                "FusedDropout_" + short_name(dtype) + "_rank" + std::to_string(shape.rank()) + "_" +
                    std::to_string(shape.num_elements()),
                [dtype, shape](B& b) -> Outs {
                  const Output y = nn::dropout(b.in(dtype, shape), 0.4, 11);
                  return {y, outputs_of("Cast").front()};
                });
  }
  // MatMul + BiasAdd [+ Relu] (a dense layer), which plans fuse into one kernel (a cuBLASLt bias
  // epilogue on the GPU): plain, transposed, the reference CNN's dense and logits layers, float64.
  struct DenseCase {
    const char* name;
    DType dtype;
    std::int64_t m, k, n;
    bool ta, tb, relu;
  };
  for (const DenseCase& d : {DenseCase{"f32_relu", f32, 4, 6, 5, false, false, true},
                             DenseCase{"f32_ta_tb", f32, 3, 7, 9, true, true, false},
                             DenseCase{"f32_dense_b64", f32, 64, 3136, 1024, false, false, true},
                             DenseCase{"f32_logits_b64", f32, 64, 1024, 10, false, false, false},
                             DenseCase{"f64_relu", f64, 5, 4, 3, false, true, true}}) {
    t.add_fused(d.relu ? "_FusedMatMulBiasAddRelu" : "_FusedMatMulBiasAdd",
                std::string("FusedMatMulBiasAdd_") + d.name,
                [d](B& b) -> Outs {
                  const Output a = b.in(d.dtype, d.ta ? Shape{d.k, d.m} : Shape{d.m, d.k});
                  const Output w = b.in(d.dtype, d.tb ? Shape{d.n, d.k} : Shape{d.k, d.n});
                  const Output sum = nn::bias_add(matmul(a, w, d.ta, d.tb), b.in(d.dtype, {d.n}));
                  return {d.relu ? nn::relu(sum) : sum};
                },
                {.k = d.k});
  }
  t.add("BiasAddGrad_f32", {.k = 4}, unary(&nn::bias_add_grad, f32, {4, 5}));
  t.add("BiasAddGrad_f32_rank4", {.k = 24}, unary(&nn::bias_add_grad, f32, {2, 3, 4, 6}));
  t.add("BiasAddGrad_f64", {.k = 9}, unary(&nn::bias_add_grad, f64, {9, 7}));
  t.add("BiasAddGrad_i32", unary(&nn::bias_add_grad, i32, {4, 5}));
  t.add("BiasAddGrad_i64_rank3", unary(&nn::bias_add_grad, i64, {2, 3, 4}));
  t.add("Softmax_f32", {.k = 10}, unary(&nn::softmax, f32, {4, 10}));
  t.add("Softmax_f32_rank3", {.k = 7}, unary(&nn::softmax, f32, {2, 3, 7}));
  t.add("Softmax_f32_large_logits", {.k = 10}, unary(&nn::softmax, f32, {4, 10}, large));
  t.add("Softmax_f32_wide_logits", {.k = 8}, unary(&nn::softmax, f32, {5, 8}, wide));
  t.add("Softmax_f64_long_rows", {.k = 1000}, unary(&nn::softmax, f64, {3, 1000}));
  t.add("LogSoftmax_f32", {.k = 10}, unary(&nn::log_softmax, f32, {4, 10}));
  t.add("LogSoftmax_f32_large_logits", {.k = 10}, unary(&nn::log_softmax, f32, {4, 10}, large));
  t.add("LogSoftmax_f32_wide_logits", {.k = 8}, unary(&nn::log_softmax, f32, {5, 8}, wide));
  t.add("LogSoftmax_f64_rank3", {.k = 7}, unary(&nn::log_softmax, f64, {2, 3, 7}));
  t.add("SoftmaxCrossEntropyWithLogits_f32", {.k = 10}, xent(f32, {4, 10}));
  t.add("SoftmaxCrossEntropyWithLogits_f32_large_logits", {.k = 10}, xent(f32, {4, 10}, large));
  t.add("SoftmaxCrossEntropyWithLogits_f32_wide_logits", {.k = 8}, xent(f32, {5, 8}, wide));
  t.add("SoftmaxCrossEntropyWithLogits_f64", {.k = 17}, xent(f64, {3, 17}));
  t.add("SparseSoftmaxCrossEntropyWithLogits_f32_i32", {.k = 10}, sparse_xent(f32, i32, 6, 10));
  t.add("SparseSoftmaxCrossEntropyWithLogits_f32_i64_large_logits", {.k = 10},
        sparse_xent(f32, i64, 6, 10, large));
  t.add("SparseSoftmaxCrossEntropyWithLogits_f32_i32_wide_logits", {.k = 8},
        sparse_xent(f32, i32, 5, 8, wide));
  t.add("SparseSoftmaxCrossEntropyWithLogits_f64_i64", {.k = 13}, sparse_xent(f64, i64, 4, 13));

  // Optimizer updates: the output and every variable (slots included) are compared.
  // An optimizer's updates, which plans fuse into one step: three variables, each its own rate.
  for (DType dtype : {f32, f64}) {
    t.add_fused("_FusedApplyGradientDescent", "FusedApplyGradientDescent_" + short_name(dtype), [dtype](B& b) -> Outs {
      for (const Shape& shape : {Shape{3, 5}, Shape{7}, Shape{2, 3, 4}}) {
        const Variable v = b.var(dtype, shape);
        b.target(apply("ApplyGradientDescent", {ref(v), b.in(dtype, {}, {0.01, 0.5}), b.in(dtype, shape)}).node);
      }
      return {};
    });
  }
  // An Adam optimizer's updates (shared scalars, as TF's), which plans fuse into one step, with and
  // without Nesterov.
  for (DType dtype : {f32, f64}) {
    for (bool nesterov : {false, true}) {
      t.add_fused("_FusedApplyAdam",
                  "FusedApplyAdam_" + short_name(dtype) + (nesterov ? "_nesterov" : ""),
                  [dtype, nesterov](B& b) -> Outs {
                    const Output beta1_power = b.in(dtype, {}, {0.1, 0.9});
                    const Output beta2_power = b.in(dtype, {}, {0.5, 0.999});
                    const Output lr = b.in(dtype, {}, {0.001, 0.1});
                    const Output beta1 = b.in(dtype, {}, {0.8, 0.95});
                    const Output beta2 = b.in(dtype, {}, {0.9, 0.999});
                    const Output epsilon = b.in(dtype, {}, {1e-8, 1e-6});
                    for (const Shape& shape : {Shape{3, 5}, Shape{7}, Shape{2, 3, 4}}) {
                      const Variable v = b.var(dtype, shape), m = b.var(dtype, shape),
                                     s = b.var(dtype, shape, {0, 1});
                      b.target(apply("ApplyAdam",
                                     {ref(v), ref(m), ref(s), beta1_power, beta2_power, lr, beta1,
                                      beta2, epsilon, b.in(dtype, shape)},
                                     {{"use_nesterov", nesterov}})
                                   .node);
                    }
                    return {};
                  });
    }
  }
  t.add("ApplyGradientDescent_f32", gradient_descent(f32));
  t.add("ApplyGradientDescent_f64", gradient_descent(f64));
  t.add("ApplyMomentum_f32", momentum(f32, false));
  t.add("ApplyMomentum_f32_nesterov", momentum(f32, true));
  t.add("ApplyMomentum_f64", momentum(f64, false));
  t.add("ApplyAdam_f32", adam(f32));
  t.add("ApplyAdam_f64", adam(f64));
}

// ---- Sweeps: the element-wise ops, reductions, AddN, Cast and in-place updates over every dtype
// the CPU registers for them (and every broadcast pattern / axis set).

constexpr DType kSweepDtypes[] = {f32, f64, f16, bf16, i32, i64, boolean};

// Shapes of x and y of a binary op.
struct Broadcast {
  const char* name;
  Shape x, y;
};
const Broadcast kBroadcasts[] = {
    {"same", {7, 33}, {7, 33}},    {"scalar", {7, 33}, {}},  {"scalar_x", {}, {7, 33}},
    {"row", {7, 33}, {33}},        {"col", {7, 33}, {7, 1}}, {"outer", {7, 1}, {1, 33}},
    {"rank3", {2, 7, 33}, {7, 1}},
};

struct BinaryOp {
  const char* op;
  BinaryFn fn;
  Dist x{}, y{};
  Tol tol{};
};

struct UnaryOp {
  const char* op;
  UnaryFn fn;
  Dist x{};
};

struct ReduceOp {
  const char* op;
  ReduceFn fn;
  Dist x{};
  Dist integers{};  // x for integer dtypes
};

// Axis sets of a reduction over [2, 3, 5] (nullopt: all axes).
struct Axes {
  const char* name;
  std::optional<Ints> axes;
  bool keep;
};
const Axes kAxes[] = {
    {"all", std::nullopt, false}, {"all_keep", std::nullopt, true}, {"ax0", Ints{0}, false},
    {"ax1_keep", Ints{1}, true},  {"ax02", Ints{0, 2}, false},      {"axm1", Ints{-1}, false},
};

std::int64_t reduced(const Shape& s, const std::optional<Ints>& axes) {
  if (!axes) return s.num_elements();
  std::int64_t n = 1;
  for (std::int64_t a : *axes) n *= s.dim(static_cast<int>(a < 0 ? a + s.rank() : a));
  return n;
}

void sweeps(Cases& cases) {
  // "<Op>_<dtype>[_<variant>]".
  const auto add_case = [&](const std::string& op, DType t, const std::string& variant, Build build,
                            Tol tol = {}) {
    cases.add(op + "_" + short_name(t) + (variant.empty() ? "" : "_" + variant), tol,
              std::move(build));
  };

  const Dist divisor{.lo = 0.5, .hi = 2, .random_sign = true};
  const Dist small_integers{.lo = -2, .hi = 2, .integral = true};  // so that some are equal
  const BinaryOp binaries[] = {
      {"Add", &add},
      {"Sub", &subtract},
      {"Mul", &multiply},
      {"Maximum", &maximum},
      {"RealDiv", &divide, {}, divisor},
      // x - floor(x / y) * y rounds like x (up to 10), not like the result.
      {"FloorMod", &floormod, {-10, 10}, {.lo = 1, .hi = 4, .random_sign = true}, {.k = 8}},
      {"Equal", &equal, small_integers, small_integers},
      {"GreaterEqual", &greater_equal, small_integers, small_integers},
  };
  for (const BinaryOp& op : binaries) {
    for (DType t : kSweepDtypes) {
      if (!cpu_has(op.op, t)) continue;
      for (const Broadcast& s : kBroadcasts)
        add_case(op.op, t, s.name, binary(op.fn, t, s.x, s.y, op.x, op.y), op.tol);
    }
  }

  const UnaryOp unaries[] = {
      {"Abs", &varscope::abs},
      {"Square", &square},
      {"Neg", &negative},
      {"Sign", &sign, small_integers},
      {"Sqrt", &varscope::sqrt, {0, 4}},
      {"Relu", &nn::relu},
      {"Sigmoid", &nn::sigmoid, {-8, 8}},
      {"Tanh", &nn::tanh, {-4, 4}},
      {"Exp", &exp_op, {-5, 5}},
  };
  for (const UnaryOp& op : unaries) {
    for (DType t : kSweepDtypes) {
      if (cpu_has(op.op, t)) add_case(op.op, t, "", unary(op.fn, t, {5, 7}, op.x));
    }
    add_case(op.op, f32, "big", unary(op.fn, f32, {300, 257}, op.x));  // the threaded path
  }

  // Prod of up to 30 factors: |x| in [0.8, 1.25] keeps floats near 1 (so float16 products
  // neither overflow nor lose more than atol), integers +-1 and +-2 stay within int32.
  const ReduceOp reductions[] = {
      {"Sum", &reduce_sum},
      {"Mean", &reduce_mean},
      {"Prod",
       &reduce_prod,
       {.lo = 0.8, .hi = 1.25, .random_sign = true},
       {.lo = 1, .hi = 2, .random_sign = true}},
      {"Max", &reduce_max},
  };
  const Shape r{2, 3, 5};
  for (const ReduceOp& op : reductions) {
    for (DType t : kSweepDtypes) {
      if (!cpu_has(op.op, t)) continue;
      for (const Axes& a : kAxes) {
        const Dist d = is_floating(t) ? op.x : op.integers;
        add_case(op.op, t, a.name, reduce(op.fn, t, r, a.axes, a.keep, d),
                 {.k = reduced(r, a.axes)});
      }
    }
  }
  // ArgMax of distinct values (a permutation of 0..119, exact in every dtype): TF leaves the index
  // a tie returns unspecified, so a GPU may pick another one.
  const std::pair<const char*, std::int64_t> argmax_axes[] = {{"ax0", 0}, {"ax1", 1}, {"axm1", -1}};
  for (DType t : kSweepDtypes) {
    if (!cpu_has("ArgMax", t)) continue;
    for (const auto& a : argmax_axes) {
      const std::int64_t axis = a.second;
      add_case("ArgMax", t, a.first, [t, axis](B& b) -> Outs {
        return {argmax(b.permutation({{4, 5, 6}}, t).front(), axis)};
      });
    }
  }
  for (DType t : kSweepDtypes) {
    if (cpu_has("L2Loss", t)) add_case("L2Loss", t, "", unary(&l2_loss, t, {6, 7}), {.k = 42});
    if (cpu_has("AddN", t)) add_case("AddN", t, "", add_n_of(t, 3), {.k = 3});
    if (cpu_has("AssignAdd", t)) add_case("AssignAdd", t, "", update(&assign_add, t));
    if (cpu_has("AssignSub", t)) add_case("AssignSub", t, "", update(&assign_sub, t));
  }

  // Cast between the dtypes of kSweepDtypes, and the small integers to and from float32, of values
  // in [0, 100] that every dtype holds (floats have fractions: truncation is checked too).
  std::vector<std::pair<DType, DType>> casts;
  for (DType from : kSweepDtypes) {
    for (DType to : kSweepDtypes) {
      if (from != to) casts.emplace_back(from, to);
    }
  }
  for (DType small : {DType::kInt8, DType::kInt16, DType::kUInt8, DType::kUInt16}) {
    casts.emplace_back(small, f32);
    casts.emplace_back(f32, small);
  }
  for (const auto& pair : casts) {
    const DType from = pair.first, to = pair.second;
    add_case("Cast", from, "to_" + short_name(to), [from, to](B& b) -> Outs {
      return {cast(b.in(from, {4, 9}, {0, 100}), to)};
    });
  }
  add_case("Cast", f32, "to_i32_negative", [](B& b) -> Outs {
    return {cast(b.in(f32, {4, 9}, {-100, 100}), i32)};
  });
}

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = [] {
    Cases all;
    table(all);
    sweeps(all);
    return std::move(all.list);
  }();
  return cases;
}

// ---- Comparison ---------------------------------------------------------------------------------

struct Limits {
  double rtol;
  double atol;
};

Limits limits(const Tol& tol, DType dtype) {
  // Defaults: float32 1e-5 / 1e-6; float16 and bfloat16 about two units in the last place.
  Limits l{1e-5, 1e-6};
  double epsilon = 1.19e-7;
  if (dtype == DType::kFloat64) {
    l = {1e-10, 1e-12};
    epsilon = 2.2e-16;
  } else if (dtype == DType::kFloat16) {
    l = {2e-3, 2e-3};
    epsilon = 9.8e-4;
  } else if (dtype == DType::kBFloat16) {
    l = {1.6e-2, 1.6e-2};
    epsilon = 7.9e-3;
  }
  if (tol.rtol > 0) l.rtol = tol.rtol;
  if (tol.atol > 0) l.atol = tol.atol;
  l.atol += 2.0 * epsilon * static_cast<double>(tol.k);
  return l;
}

std::string index_string(std::int64_t flat, const Shape& shape) {
  std::vector<std::int64_t> index(static_cast<std::size_t>(shape.rank()));
  for (int d = shape.rank() - 1; d >= 0; --d) {
    index[static_cast<std::size_t>(d)] = flat % shape.dim(d);
    flat /= shape.dim(d);
  }
  return list_to_string(index);
}

// The device's tensor against the CPU's: dtype, shape, then every element (floats within the
// limits, NaN only where the CPU has NaN; integers and bools exactly). Lists the first few
// differing elements.
::testing::AssertionResult same_tensor(const Tensor& cpu, const Tensor& device, const Tol& tol) {
  if (cpu.dtype() != device.dtype()) {
    return ::testing::AssertionFailure() << "dtype " << device.dtype() << ", cpu " << cpu.dtype();
  }
  if (cpu.shape() != device.shape()) {
    return ::testing::AssertionFailure() << "shape " << device.shape() << ", cpu " << cpu.shape();
  }
  std::ostringstream first;
  first << std::setprecision(10);
  std::int64_t differ = 0;
  const auto report = [&](std::int64_t i, auto expected, auto actual) {
    if (++differ <= 5) {
      first << "\n    " << index_string(i, cpu.shape()) << ": cpu " << expected << ", device "
            << actual;
    }
  };
  std::string bounds = "exactly";
  if (is_floating(cpu.dtype())) {
    const Limits l = limits(tol, cpu.dtype());
    std::ostringstream within;
    within << "within atol " << l.atol << " + rtol " << l.rtol << " * |cpu|";
    bounds = within.str();
    const std::vector<double> a = cpu.to_vector<double>(), b = device.to_vector<double>();
    for (std::size_t i = 0; i < a.size(); ++i) {
      const bool ok = std::isnan(a[i]) ? std::isnan(b[i])
                                       : a[i] == b[i] || std::abs(a[i] - b[i]) <=
                                                             l.atol + l.rtol * std::abs(a[i]);
      if (!ok) report(static_cast<std::int64_t>(i), a[i], b[i]);
    }
  } else {
    const std::vector<std::int64_t> a = cpu.to_vector<std::int64_t>(),
                                    b = device.to_vector<std::int64_t>();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i]) report(static_cast<std::int64_t>(i), a[i], b[i]);
    }
  }
  if (differ == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << differ << " of " << cpu.num_elements() << " " << cpu.dtype() << " elements differ ("
         << bounds << "), first:" << first.str();
}

// The inputs are finite, so a NaN in the reference is a CPU kernel that left an element unwritten
// (the poison) or overflowed.
::testing::AssertionResult no_nan(const Tensor& t) {
  if (!is_floating(t.dtype())) return ::testing::AssertionSuccess();
  const std::vector<double> v = t.to_vector<double>();
  const auto it = std::find_if(v.begin(), v.end(), [](double x) { return std::isnan(x); });
  if (it == v.end()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "the CPU reference has NaN at " << index_string(it - v.begin(), t.shape());
}

// ---- The suite ----------------------------------------------------------------------------------

struct Param {
  const Case* c;
  std::string device;  // "fake_gpu" or "cuda"
};

void PrintTo(const Param& p, std::ostream* os) { *os << p.device << " " << p.c->name; }

// The devices under test, or nullptr when there is no such device here.
std::shared_ptr<const DeviceSet> devices_for(const std::string& device) {
  if (device == "fake_gpu") return testing::cpu_and_fake_gpu({.poison_activations = true});
  if (DeviceSet::local()->find(DeviceType::kGPU) < 0) return nullptr;
  return std::make_shared<const DeviceSet>(
      std::vector<Backend*>{&cpu_backend(), cuda_backend()},
      std::shared_ptr<const KernelRegistry>(&kernel_registry(), [](const KernelRegistry*) {}),
      DeviceSetOptions{.poison_activations = true});
}

std::uint64_t parity_seed() {
  if (const char* env = std::getenv("VARSCOPE_PARITY_SEED")) return std::stoull(env);
  std::random_device device;
  return (std::uint64_t{device()} << 32) | device();
}

// Checks that the plan's steps running `op` are on the GPU, except kernels the GPU registers
// add_on_host (int32 shape arithmetic runs on the host by design). Returns how many there are.
int expect_on_gpu(const std::vector<PlacedNode>& placed, const std::string& op, const Graph& g,
                  const KernelRegistry& kernels) {
  int count = 0;
  for (const PlacedNode& p : placed) {
    if (p.op != op) continue;
    ++count;
    const Node* node = g.find_node(p.name);
    const KernelDef* def = node ? kernels.find(op, DeviceType::kGPU, kernel_dtype(*node)) : nullptr;
    if (def && def->on_host) continue;
    EXPECT_EQ(p.device, kGpu) << "node '" << p.name << "' (" << op << ") did not run on the GPU";
  }
  return count;
}

// Runs case `c` twice on the CPU and on `devices`' GPU and compares (the body of the suite's
// tests, and of the harness self-test).
void expect_parity(const Case& c, const std::shared_ptr<const DeviceSet>& devices,
                   std::uint64_t seed) {
  SCOPED_TRACE("inputs drawn with VARSCOPE_PARITY_SEED=" + std::to_string(seed));
  Rng rng(seed);
  Graph g;
  DefaultGraph use{g};
  CaseBuilder b(rng);
  const Outs fetches = c.build(b);
  Node* init = b.variables().empty() ? nullptr : variables_initializer(b.variables(), "init");

  Session cpu(g, {}, testing::cpu_only({.poison_activations = true}));
  Session device(g, {.device = "/gpu:0", .allow_soft_placement = false}, devices);

  // The op under test runs on the GPU (in the update run, or in the initializer run).
  std::vector<PlacedNode> placed = device.placed_graph(fetches, b.placeholders(), b.targets());
  if (init) {
    const std::vector<PlacedNode> init_placed = device.placed_graph({}, b.placeholders(), {init});
    placed.insert(placed.end(), init_placed.begin(), init_placed.end());
  }
  // VariableV2 is no step of a plan (it is read in place): its Assign, colocated with it, shows
  // where its value lives.
  const std::string op = c.op == "VariableV2" ? "Assign" : c.op;
  ASSERT_GT(expect_on_gpu(placed, op, g, devices->kernels()), 0)
      << "the case runs no " << op << " node";

  for (int run = 1; run <= 2; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    const FeedDict feeds = b.draw();
    if (init) {
      cpu.run_targets({init}, feeds);
      device.run_targets({init}, feeds);
    }
    const std::vector<Tensor> expected = cpu.run(fetches, feeds, b.targets());
    const std::vector<Tensor> actual = device.run(fetches, feeds, b.targets());
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < fetches.size(); ++i) {
      EXPECT_TRUE(no_nan(expected[i])) << fetches[i].name();
      EXPECT_TRUE(same_tensor(expected[i], actual[i], c.tol)) << fetches[i].name();
    }
    for (const Variable& v : b.variables()) {
      const Tensor value = cpu.variable_value(v);
      EXPECT_TRUE(no_nan(value)) << "variable " << v.name();
      EXPECT_TRUE(same_tensor(value, device.variable_value(v), c.tol)) << "variable " << v.name();
    }
  }
}

class Parity : public ::testing::TestWithParam<Param> {};

TEST_P(Parity, MatchesCpu) {
  const std::shared_ptr<const DeviceSet> devices = devices_for(GetParam().device);
  if (!devices) {
    if (test::cuda_required()) {
      FAIL() << "no CUDA device: " << test::cuda_unavailable_reason()
             << ", but VARSCOPE_REQUIRE_CUDA=1";
    }
    GTEST_SKIP() << "no CUDA device: " << test::cuda_unavailable_reason();
  }
  expect_parity(*GetParam().c, devices, parity_seed());
}

std::vector<Param> params() {
  std::vector<Param> out;
  for (const char* device : {"fake_gpu", "cuda"}) {
    for (const Case& c : all_cases()) out.push_back({&c, device});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Ops, Parity, ::testing::ValuesIn(params()),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           return info.param.device + "_" + info.param.c->name;
                         });

// Every op the CPU registers has a case (Placeholder is fed, never run), and every case names an
// op the CPU registers.
TEST(ParityCoverage, EveryCpuOpHasACase) {
  std::set<std::string> covered;
  for (const Case& c : all_cases()) covered.insert(c.op);
  const std::vector<std::string> ops = kernel_registry().ops(DeviceType::kCPU);
  std::string missing;
  for (const std::string& op : ops) {
    if (op != "Placeholder" && !covered.contains(op)) missing += " " + op;
  }
  EXPECT_TRUE(missing.empty()) << "CPU ops without a parity case:" << missing;
  std::string unknown;
  for (const std::string& op : covered) {
    if (std::find(ops.begin(), ops.end(), op) == ops.end()) unknown += " " + op;
  }
  EXPECT_TRUE(unknown.empty()) << "cases of ops the CPU does not register:" << unknown;
}

// ---- The harness can fail -----------------------------------------------------------------------

// Neg kernels of a broken GPU: one leaves the last element unwritten (the arena's poison, NaN,
// shows through), one is off by 1e-4 relative.
void neg_forgets_last(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.allocate_output(0, x.shape());
  const auto* in = static_cast<const float*>(x.raw_data());
  auto* out = static_cast<float*>(y.raw_data());
  for (std::int64_t i = 0; i + 1 < x.num_elements(); ++i) out[i] = -in[i];
}
void neg_imprecise(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.allocate_output(0, x.shape());
  const auto* in = static_cast<const float*>(x.raw_data());
  auto* out = static_cast<float*>(y.raw_data());
  for (std::int64_t i = 0; i < x.num_elements(); ++i) out[i] = -in[i] * 1.0001f;
}

// The stand-in GPU with `fn` as its `op` kernel (host memory, so the kernel reads it directly).
std::shared_ptr<const DeviceSet> fake_gpu_with(const std::string& op, DType dtype, KernelFn fn) {
  struct Owner {
    std::shared_ptr<const DeviceSet> fake, devices;
  };
  auto owner = std::make_shared<Owner>();
  owner->fake = testing::cpu_and_fake_gpu({.ops_without_kernel = {op}, .poison_activations = true});
  auto kernels = std::make_shared<KernelRegistry>(owner->fake->kernels());
  kernels->add(op, DeviceType::kGPU, dtype, fn);
  owner->devices = std::make_shared<const DeviceSet>(
      std::vector<Backend*>{&owner->fake->backend(0), &owner->fake->backend(1)}, kernels,
      DeviceSetOptions{.poison_activations = true});
  return std::shared_ptr<const DeviceSet>(owner, owner->devices.get());
}

TEST(ParityHarness, CatchesBrokenKernels) {
  const Case neg{"Neg_f32", "Neg", unary(&negative, f32, {5, 7})};
  for (const auto& [fn, expected] :
       {std::pair{&neg_forgets_last, "1 of 35 float32 elements differ"},
        std::pair{&neg_imprecise, "elements differ"}}) {
    ::testing::TestPartResultArray failures;
    {
      const ::testing::ScopedFakeTestPartResultReporter intercept(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
      expect_parity(neg, fake_gpu_with("Neg", f32, fn), parity_seed());
    }
    ASSERT_GT(failures.size(), 0) << "a broken Neg passed";
    EXPECT_THAT(failures.GetTestPartResult(0).message(), ::testing::HasSubstr(expected));
  }
}

// A GPU without the op's kernel fails placement, naming the node (no soft placement).
TEST(ParityHarness, MissingGpuKernelFails) {
  const Case neg{"Neg_f32", "Neg", unary(&negative, f32, {5, 7})};
  const auto devices =
      testing::cpu_and_fake_gpu({.ops_without_kernel = {"Neg"}, .poison_activations = true});
  VS_EXPECT_ERROR_CONTAINS(expect_parity(neg, devices, parity_seed()), InvalidArgumentError,
                           "Cannot assign a device for operation y:");
}

}  // namespace
}  // namespace varscope
