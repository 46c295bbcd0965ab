// The op builders of varscope/ops.h. Each follows TF1's Python naming exactly: helper Consts go
// inside a name scope named after the op ("Fill/dims", "mul/y", "random_uniform/shape") and the op
// then takes the scope's name verbatim (a trailing "/" tells Graph::create_node so).
#include "varscope/ops.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

#include "varscope/error.h"
#include "varscope/gradients.h"
#include "varscope/name_scope.h"
#include "core/op_builder.h"

namespace varscope {
namespace {

using namespace builder;

// `x op y` on tensors: `with name_scope(None, "add") as name: return add(x, y, name=name)`.
Output binary_operator(const char* op, const char* scope_name, const Output& x, const Output& y) {
  Graph& graph = graph_of(op, {x, y});
  UseGraph use{graph};
  NameScope ns{std::nullopt, scope_name};
  return make_node(graph, op, ns.name(), {x, y}, {{"T", x.dtype()}});
}

// `x op 2.0`: the number becomes the Const "<scope>/y" of x's dtype; `2.0 op x` makes "<scope>/x".
Output scalar_operator(const char* op, const char* scope_name, const Output& tensor, double number,
                       bool number_on_left) {
  Graph& graph = graph_of(op, {tensor});
  UseGraph use{graph};
  NameScope ns{std::nullopt, scope_name};
  Output c = make_const(graph, number_as(number, tensor.dtype()), number_on_left ? "x" : "y");
  std::vector<Output> inputs = number_on_left ? std::vector<Output>{c, tensor} : std::vector<Output>{tensor, c};
  return make_node(graph, op, ns.name(), std::move(inputs), {{"T", tensor.dtype()}});
}



// tf.reduce_sum / reduce_mean: explicit axes become "<op>/reduction_indices" inside the op's
// scope; all axes become a Const "Const" made before the op (TF's _ReductionDims).
Output reduction(const char* op, const Output& x, const std::optional<std::vector<std::int64_t>>& axis,
                 bool keepdims, std::string_view name) {
  Graph& graph = graph_of(op, {x});
  UseGraph use{graph};
  AttrMap attrs{{"T", x.dtype()}, {"Tidx", DType::kInt32}, {"keep_dims", keepdims}};
  if (axis) {
    NameScope ns{scope_arg(name), op};
    Tensor indices = index_tensor(*axis);
    attrs["Tidx"] = indices.dtype();
    Output idx = make_const(graph, std::move(indices), "reduction_indices");
    return make_node(graph, op, ns.name(), {x, idx}, std::move(attrs));
  }
  const int rank = x.shape().rank();
  if (rank <= 0) {
    // TF's _ReductionDims: range(0, rank(x)) when the rank is unknown (or 0, which Python reads as false).
    Output idx = range(std::int64_t{0}, varscope::rank(x));
    return make_node(graph, op, name, {x, idx}, std::move(attrs));
  }
  std::vector<std::int32_t> all(static_cast<std::size_t>(rank));
  for (int i = 0; i < rank; ++i) all[static_cast<std::size_t>(i)] = i;
  Output idx = make_const(graph, Tensor::from_vector(all), "Const");
  return make_node(graph, op, name, {x, idx}, std::move(attrs));
}

// tf.zeros / tf.ones (TF1 array_ops): below 1000 elements a single Const named after the scope
// (_constant_if_small); otherwise Fill(Const "shape_as_tensor", Const "Const") named after it.
Output filled(const char* what, const Shape& shape, DType dtype, double value, std::string_view name,
              const char* default_name) {
  const std::vector<std::int64_t>& dims = defined_dims(what, shape);
  Graph& graph = get_default_graph();
  NameScope ns{scope_arg(name), default_name};
  if (shape.num_elements() < 1000) return make_const(graph, Tensor::filled(dtype, shape, value), ns.name());
  Tensor dims_tensor = index_tensor(dims);
  const DType index_type = dims_tensor.dtype();
  Output shape_tensor = make_const(graph, std::move(dims_tensor), "shape_as_tensor");
  Output scalar = make_const(graph, Tensor::filled(dtype, Shape{}, value), "Const");
  return make_node(graph, "Fill", ns.name(), {shape_tensor, scalar}, {{"T", dtype}, {"index_type", index_type}});
}


}  // namespace

Output constant(const Tensor& value, std::string_view name) {
  if (!value.defined()) throw InvalidArgumentError("[Const] the value is an undefined tensor");
  // A deep copy: the graph must not change when the caller later writes into its tensor.
  return make_const(get_default_graph(), value.clone(), name);
}

Output constant(double value, DType dtype, std::string_view name) {
  return make_const(get_default_graph(), number_as(value, dtype), name);
}

Output placeholder(DType dtype, const Shape& shape, std::string_view name) {
  return make_node(get_default_graph(), "Placeholder", name, {}, {{"dtype", dtype}, {"shape", shape}});
}

Node* no_op(std::string_view name) {
  NodeSpec spec;
  spec.op = "NoOp";
  spec.name = std::string(name);
  return &get_default_graph().create_node(std::move(spec));
}

Node* group(const std::vector<Node*>& ops, std::string_view name) {
  Graph* graph = nullptr;
  for (Node* op : ops) {
    if (op == nullptr) throw ValueError("[group] an op is null");
    if (graph != nullptr && graph != &op->graph()) throw ValueError("[group] ops must be from the same graph");
    graph = &op->graph();
  }
  Graph& g = graph ? *graph : get_default_graph();
  UseGraph use{g};
  NameScope ns{scope_arg(name), "group_deps"};
  NodeSpec spec;
  spec.op = "NoOp";
  spec.name = ns.name();
  spec.control_inputs = ops;
  return &g.create_node(std::move(spec));
}

Output shape(const Output& x, DType out_type, std::string_view name) {
  Graph& graph = graph_of("Shape", {x});
  return make_node(graph, "Shape", name, {x}, {{"T", x.dtype()}, {"out_type", out_type}});
}

Output fill(const Output& dims, const Output& value, std::string_view name) {
  Graph& graph = graph_of("Fill", {dims, value});
  return make_node(graph, "Fill", name, {dims, value}, {{"T", value.dtype()}, {"index_type", dims.dtype()}});
}

Output stop_gradient(const Output& x, std::string_view name) { return unary("StopGradient", x, name); }

Output identity(const Output& x, std::string_view name) { return unary("Identity", x, name); }
Output add(const Output& x, const Output& y, std::string_view name) { return binary("Add", x, y, name); }
Output subtract(const Output& x, const Output& y, std::string_view name) { return binary("Sub", x, y, name); }
Output multiply(const Output& x, const Output& y, std::string_view name) { return binary("Mul", x, y, name); }
Output maximum(const Output& x, const Output& y, std::string_view name) { return binary("Maximum", x, y, name); }

Output add_n(const std::vector<Output>& inputs, std::string_view name) {
  if (inputs.empty()) throw ValueError("inputs must be a list of at least one Tensor with the same dtype and shape");
  Graph& graph = graph_of("AddN", inputs);
  // TF1: a single input named by the caller is an Identity of it.
  if (inputs.size() == 1) return make_node(graph, "Identity", name, inputs, {{"T", inputs[0].dtype()}});
  return make_node(graph, "AddN", name, inputs,
                   {{"N", static_cast<std::int64_t>(inputs.size())}, {"T", inputs[0].dtype()}});
}

Output abs(const Output& x, std::string_view name) { return unary("Abs", x, name); }
Output square(const Output& x, std::string_view name) { return unary("Square", x, name); }

Output cast(const Output& x, DType dtype, std::string_view name) {
  // TF returns x before opening its name scope: a no-op cast uses up no name (math_ops.cast).
  if (x.dtype() == dtype) return x;
  Graph& graph = graph_of("Cast", {x});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "Cast"};
  return make_node(graph, "Cast", ns.name(), {x}, {{"SrcT", x.dtype()}, {"DstT", dtype}});
}

Output reduce_sum(const Output& x, std::optional<std::vector<std::int64_t>> axis, bool keepdims,
                  std::string_view name) {
  return reduction("Sum", x, axis, keepdims, name);
}

Output reduce_mean(const Output& x, std::optional<std::vector<std::int64_t>> axis, bool keepdims,
                   std::string_view name) {
  return reduction("Mean", x, axis, keepdims, name);
}

Output l2_loss(const Output& x, std::string_view name) { return unary("L2Loss", x, name); }

Output fill(const Shape& shape, const Output& value, std::string_view name) {
  Graph& graph = graph_of("Fill", {value});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "Fill"};
  Tensor dims = index_tensor(defined_dims("Fill", shape));
  const DType index_type = dims.dtype();
  Output dims_tensor = make_const(graph, std::move(dims), "dims");
  return make_node(graph, "Fill", ns.name(), {dims_tensor, value}, {{"T", value.dtype()}, {"index_type", index_type}});
}

Output zeros(const Shape& shape, DType dtype, std::string_view name) {
  return filled("zeros", shape, dtype, 0.0, name, "zeros");
}

Output ones(const Shape& shape, DType dtype, std::string_view name) {
  return filled("ones", shape, dtype, 1.0, name, "ones");
}

Output concat(const std::vector<Output>& values, std::int64_t axis, std::string_view name) {
  if (values.empty()) throw ValueError("[ConcatV2] concat needs at least one value");
  Graph& graph = graph_of("ConcatV2", values);
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "concat"};
  if (values.size() == 1) {
    // TF1: one value is an Identity named after the scope (after a throwaway "concat_dim" Const).
    make_const(graph, Tensor::scalar(static_cast<std::int32_t>(axis)), "concat_dim");
    return make_node(graph, "Identity", ns.name(), values, {{"T", values[0].dtype()}});
  }
  Output axis_tensor = make_const(graph, Tensor::scalar(static_cast<std::int32_t>(axis)), "axis");
  std::vector<Output> inputs = values;
  inputs.push_back(axis_tensor);
  return make_node(graph, "ConcatV2", ns.name(), std::move(inputs),
                   {{"N", static_cast<std::int64_t>(values.size())}, {"T", values[0].dtype()}, {"Tidx", DType::kInt32}});
}

Output slice(const Output& x, const std::vector<std::int64_t>& begin, const std::vector<std::int64_t>& size,
             std::string_view name) {
  Graph& graph = graph_of("Slice", {x});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "Slice"};
  // Both index inputs share one dtype (attr Index): int64 when either needs it.
  std::vector<std::int64_t> both = begin;
  both.insert(both.end(), size.begin(), size.end());
  const DType index_type = index_tensor(both).dtype();
  Output b = make_const(graph, index_tensor(begin).cast(index_type), "begin");
  Output s = make_const(graph, index_tensor(size).cast(index_type), "size");
  return make_node(graph, "Slice", ns.name(), {x, b, s}, {{"T", x.dtype()}, {"Index", index_type}});
}

Output reshape(const Output& x, const Shape& shape, std::string_view name) {
  if (!shape.has_known_rank()) throw ValueError("[Reshape] the target shape must have a known rank");
  Graph& graph = graph_of("Reshape", {x});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "Reshape"};
  Tensor dims = index_tensor(shape.dims());  // unknown dimensions are -1: "infer this one"
  const DType index_type = dims.dtype();
  Output shape_tensor = make_const(graph, std::move(dims), "shape");
  return make_node(graph, "Reshape", ns.name(), {x, shape_tensor}, {{"T", x.dtype()}, {"Tshape", index_type}});
}

namespace {

// random_uniform / random_normal / truncated_normal (TF1 random_ops): inside the scope, Consts
// "shape", `a_name`, `b_name`, the raw op, then the affine map to the requested range.
struct RandomSpec {
  const char* op;
  const char* default_name;
  const char* a_name;  // "min" or "mean"
  const char* b_name;  // "max" or "stddev"
  bool uniform;
};

Output random_tensor(const RandomSpec& spec, const Shape& shape, DType dtype, double a, double b,
                     std::optional<std::int64_t> seed, std::string_view name) {
  expect_floating_dtype(spec.op, dtype);
  const std::vector<std::int64_t>& dims = defined_dims(spec.op, shape);
  Graph& graph = get_default_graph();
  NameScope ns{scope_arg(name), spec.default_name};
  Tensor dims_tensor = index_tensor(dims);
  const DType index_type = dims_tensor.dtype();
  Output shape_tensor = make_const(graph, std::move(dims_tensor), "shape");
  Output a_tensor = make_const(graph, Tensor::filled(dtype, Shape{}, a), spec.a_name);
  Output b_tensor = make_const(graph, Tensor::filled(dtype, Shape{}, b), spec.b_name);
  auto [seed1, seed2] = graph.get_seed(seed);
  Output rnd = make_node(graph, spec.op, spec.op, {shape_tensor},
                         {{"dtype", dtype}, {"seed", seed1}, {"seed2", seed2}, {"T", index_type}});
  // uniform: rnd * (max - min) + min; normal: rnd * stddev + mean (Python evaluates `max - min` first).
  Output scale = spec.uniform ? b_tensor - a_tensor : b_tensor;
  return add(rnd * scale, a_tensor, ns.name());
}

}  // namespace

Output random_uniform(const Shape& shape, DType dtype, double minval, double maxval,
                      std::optional<std::int64_t> seed, std::string_view name) {
  return random_tensor({"RandomUniform", "random_uniform", "min", "max", true}, shape, dtype, minval, maxval, seed,
                       name);
}

Output random_normal(const Shape& shape, DType dtype, double mean, double stddev, std::optional<std::int64_t> seed,
                     std::string_view name) {
  return random_tensor({"RandomStandardNormal", "random_normal", "mean", "stddev", false}, shape, dtype, mean, stddev,
                       seed, name);
}

Output truncated_normal(const Shape& shape, DType dtype, double mean, double stddev, std::optional<std::int64_t> seed,
                        std::string_view name) {
  return random_tensor({"TruncatedNormal", "truncated_normal", "mean", "stddev", false}, shape, dtype, mean, stddev,
                       seed, name);
}

Output assign(const Variable& variable, const Output& value, bool validate_shape, std::string_view name) {
  if (!variable) throw ValueError("[Assign] the variable is a null handle");
  Node* var = variable.op();
  Graph& graph = graph_of("Assign", {var->output(0), value});
  return make_node(graph, "Assign", name, {var->output(0), value},
                   {{"T", var->output_dtype(0)}, {"validate_shape", validate_shape}, {"use_locking", true}});
}

// ---- Math and array ops for training ----

Output reduce_sum(const Output& x, std::initializer_list<std::int64_t> axis, bool keepdims, std::string_view name) {
  return reduction("Sum", x, std::vector<std::int64_t>(axis), keepdims, name);
}
Output reduce_mean(const Output& x, std::initializer_list<std::int64_t> axis, bool keepdims, std::string_view name) {
  return reduction("Mean", x, std::vector<std::int64_t>(axis), keepdims, name);
}
Output reduce_max(const Output& x, std::initializer_list<std::int64_t> axis, bool keepdims, std::string_view name) {
  return reduction("Max", x, std::vector<std::int64_t>(axis), keepdims, name);
}
Output reduce_prod(const Output& x, std::initializer_list<std::int64_t> axis, bool keepdims, std::string_view name) {
  return reduction("Prod", x, std::vector<std::int64_t>(axis), keepdims, name);
}
Output transpose(const Output& x, std::initializer_list<std::int64_t> perm, std::string_view name) {
  return transpose(x, std::vector<std::int64_t>(perm), name);
}
Output tile(const Output& input, std::initializer_list<std::int64_t> multiples, std::string_view name) {
  return tile(input, std::vector<std::int64_t>(multiples), name);
}

Output divide(const Output& x, const Output& y, std::string_view name) { return binary("RealDiv", x, y, name); }
Output negative(const Output& x, std::string_view name) { return unary("Neg", x, name); }
Output sqrt(const Output& x, std::string_view name) { return unary("Sqrt", x, name); }
Output sign(const Output& x, std::string_view name) { return unary("Sign", x, name); }
Output sqrt_grad(const Output& y, const Output& dy, std::string_view name) { return binary("SqrtGrad", y, dy, name); }
Output floormod(const Output& x, const Output& y, std::string_view name) { return binary("FloorMod", x, y, name); }
Output equal(const Output& x, const Output& y, std::string_view name) { return binary("Equal", x, y, name); }
Output greater_equal(const Output& x, const Output& y, std::string_view name) {
  return binary("GreaterEqual", x, y, name);
}

Output reduce_max(const Output& x, std::optional<std::vector<std::int64_t>> axis, bool keepdims,
                  std::string_view name) {
  return reduction("Max", x, axis, keepdims, name);
}

Output reduce_prod(const Output& x, std::optional<std::vector<std::int64_t>> axis, bool keepdims,
                   std::string_view name) {
  return reduction("Prod", x, axis, keepdims, name);
}

Output reduce_sum(const Output& x, const Output& axis, bool keepdims, std::string_view name) {
  Graph& graph = graph_of("Sum", {x, axis});
  return make_node(graph, "Sum", name, {x, axis},
                   {{"T", x.dtype()}, {"Tidx", axis.dtype()}, {"keep_dims", keepdims}});
}

Output argmax(const Output& x, std::int64_t axis, std::string_view name) {
  Graph& graph = graph_of("ArgMax", {x});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "ArgMax"};
  Tensor dimension = index_tensor({axis}).reshaped(Shape{});
  const DType index_type = dimension.dtype();
  Output dim = make_const(graph, std::move(dimension), "dimension");
  return make_node(graph, "ArgMax", ns.name(), {x, dim},
                   {{"T", x.dtype()}, {"Tidx", index_type}, {"output_type", DType::kInt64}});
}

Output matmul(const Output& a, const Output& b, bool transpose_a, bool transpose_b, std::string_view name) {
  Graph& graph = graph_of("MatMul", {a, b});
  return make_node(graph, "MatMul", name, {a, b},
                   {{"T", a.dtype()}, {"transpose_a", transpose_a}, {"transpose_b", transpose_b}});
}

Output transpose(const Output& x, const std::vector<std::int64_t>& perm, std::string_view name) {
  Graph& graph = graph_of("Transpose", {x});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "transpose"};
  std::vector<std::int64_t> p = perm;
  if (p.empty() && x.shape().rank() != 0) {
    // perm=None: reverse the dimensions (TF computes rank - 1 - range(rank) for a known rank).
    const int rank = x.shape().rank();
    if (rank < 0) throw ValueError("[Transpose] reversing the dimensions of " + x.name() + " needs a known rank");
    for (int i = rank - 1; i >= 0; --i) p.push_back(i);
  }
  Tensor perm_tensor = index_tensor(p);
  const DType index_type = perm_tensor.dtype();
  Output perm_const = make_const(graph, std::move(perm_tensor), "perm");
  return make_node(graph, "Transpose", ns.name(), {x, perm_const}, {{"T", x.dtype()}, {"Tperm", index_type}});
}

Output transpose(const Output& x, const Output& perm, std::string_view name) {
  Graph& graph = graph_of("Transpose", {x, perm});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "transpose"};
  return make_node(graph, "Transpose", ns.name(), {x, perm}, {{"T", x.dtype()}, {"Tperm", perm.dtype()}});
}

Output invert_permutation(const Output& x, std::string_view name) {
  return make_node(graph_of("InvertPermutation", {x}), "InvertPermutation", name, {x}, {{"T", x.dtype()}});
}

Output reshape(const Output& x, const Output& shape, std::string_view name) {
  Graph& graph = graph_of("Reshape", {x, shape});
  return make_node(graph, "Reshape", name, {x, shape}, {{"T", x.dtype()}, {"Tshape", shape.dtype()}});
}

namespace {

// tf.zeros_like / tf.ones_like: a statically known shape becomes zeros()/ones() named after the
// scope (a Const below 1000 elements); otherwise the ZerosLike / OnesLike op.
Output filled_like(const char* op, const char* default_name, const Output& x, double value, std::string_view name) {
  Graph& graph = graph_of(op, {x});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), default_name};
  if (x.shape().is_fully_defined()) return filled(default_name, x.shape(), x.dtype(), value, ns.name(), default_name);
  return make_node(graph, op, ns.name(), {x}, {{"T", x.dtype()}});
}

}  // namespace

Output zeros_like(const Output& x, std::string_view name) {
  return filled_like("ZerosLike", "zeros_like", x, 0.0, name);
}

Output ones_like(const Output& x, std::string_view name) { return filled_like("OnesLike", "ones_like", x, 1.0, name); }

std::vector<Output> broadcast_gradient_args(const Output& s0, const Output& s1, std::string_view name) {
  Graph& graph = graph_of("BroadcastGradientArgs", {s0, s1});
  return make_multi_output_node(graph, "BroadcastGradientArgs", name, {s0, s1}, {{"T", s0.dtype()}});
}

Output where(const Output& condition, const Output& x, const Output& y, std::string_view name) {
  Graph& graph = graph_of("Select", {condition, x, y});
  return make_node(graph, "Select", name, {condition, x, y}, {{"T", x.dtype()}});
}

Output range(const Output& start, const Output& limit, const Output& delta, std::string_view name) {
  Graph& graph = graph_of("Range", {start, limit, delta});
  return make_node(graph, "Range", name, {start, limit, delta}, {{"Tidx", start.dtype()}});
}

Output range(std::int64_t start, const Output& limit, std::int64_t delta, std::string_view name) {
  Graph& graph = graph_of("Range", {limit});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "range"};
  Output s = make_const(graph, number_as(static_cast<double>(start), limit.dtype()), "start");
  Output d = make_const(graph, number_as(static_cast<double>(delta), limit.dtype()), "delta");
  return make_node(graph, "Range", ns.name(), {s, limit, d}, {{"Tidx", limit.dtype()}});
}

Output size(const Output& x, DType out_type, std::string_view name) {
  Graph& graph = graph_of("Size", {x});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "Size"};
  if (x.shape().is_fully_defined()) {
    return make_const(graph, number_as(static_cast<double>(x.shape().num_elements()), out_type), ns.name());
  }
  return make_node(graph, "Size", ns.name(), {x}, {{"T", x.dtype()}, {"out_type", out_type}});
}

Output rank(const Output& x, std::string_view name) {
  Graph& graph = graph_of("Rank", {x});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "Rank"};
  if (x.shape().has_known_rank()) return make_const(graph, Tensor::scalar(std::int32_t{x.shape().rank()}), ns.name());
  return make_node(graph, "Rank", ns.name(), {x}, {{"T", x.dtype()}});
}

std::vector<Output> shape_n(const std::vector<Output>& inputs, DType out_type, std::string_view name) {
  if (inputs.empty()) throw ValueError("[ShapeN] shape_n needs at least one input");
  Graph& graph = graph_of("ShapeN", inputs);
  return make_multi_output_node(
      graph, "ShapeN", name, inputs,
      {{"N", static_cast<std::int64_t>(inputs.size())}, {"T", inputs[0].dtype()}, {"out_type", out_type}});
}

Output tile(const Output& input, const std::vector<std::int64_t>& multiples, std::string_view name) {
  Graph& graph = graph_of("Tile", {input});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "Tile"};
  Tensor m = index_tensor(multiples);
  const DType index_type = m.dtype();
  Output m_const = make_const(graph, std::move(m), "multiples");
  return make_node(graph, "Tile", ns.name(), {input, m_const}, {{"T", input.dtype()}, {"Tmultiples", index_type}});
}

Output tile(const Output& input, const Output& multiples, std::string_view name) {
  Graph& graph = graph_of("Tile", {input, multiples});
  return make_node(graph, "Tile", name, {input, multiples}, {{"T", input.dtype()}, {"Tmultiples", multiples.dtype()}});
}

Output broadcast_to(const Output& input, const Output& shape, std::string_view name) {
  Graph& graph = graph_of("BroadcastTo", {input, shape});
  return make_node(graph, "BroadcastTo", name, {input, shape}, {{"T", input.dtype()}, {"Tidx", shape.dtype()}});
}

Output pad(const Output& input, const Output& paddings, std::string_view name) {
  Graph& graph = graph_of("Pad", {input, paddings});
  return make_node(graph, "Pad", name, {input, paddings}, {{"T", input.dtype()}, {"Tpaddings", paddings.dtype()}});
}

Output gather(const Output& params, const Output& indices, std::int64_t axis, std::string_view name) {
  Graph& graph = graph_of("GatherV2", {params, indices});
  UseGraph use{graph};
  NameScope ns{scope_arg(name), "GatherV2"};
  Tensor axis_value = index_tensor({axis}).reshaped(Shape{});
  const DType axis_type = axis_value.dtype();
  Output axis_const = make_const(graph, std::move(axis_value), "axis");
  return make_node(graph, "GatherV2", ns.name(), {params, indices, axis_const},
                   {{"Tparams", params.dtype()},
                    {"Tindices", indices.dtype()},
                    {"Taxis", axis_type},
                    {"batch_dims", std::int64_t{0}}});
}

Output stack(const std::vector<Output>& values, std::int64_t axis, std::string_view name) {
  if (values.empty()) throw ValueError("[Pack] stack needs at least one value");
  Graph& graph = graph_of("Pack", values);
  return make_node(graph, "Pack", name, values,
                   {{"N", static_cast<std::int64_t>(values.size())}, {"T", values[0].dtype()}, {"axis", axis}});
}

Output dynamic_stitch(const std::vector<Output>& indices, const std::vector<Output>& data, std::string_view name) {
  if (indices.empty() || indices.size() != data.size()) {
    throw ValueError("[DynamicStitch] needs as many data tensors as index tensors (at least one), got " +
                     std::to_string(indices.size()) + " and " + std::to_string(data.size()));
  }
  std::vector<Output> inputs = indices;
  inputs.insert(inputs.end(), data.begin(), data.end());
  Graph& graph = graph_of("DynamicStitch", inputs);
  return make_node(graph, "DynamicStitch", name, std::move(inputs),
                   {{"N", static_cast<std::int64_t>(indices.size())}, {"T", data[0].dtype()}});
}

std::vector<Output> concat_offset(const Output& concat_dim, const std::vector<Output>& shapes, std::string_view name) {
  std::vector<Output> inputs{concat_dim};
  inputs.insert(inputs.end(), shapes.begin(), shapes.end());
  Graph& graph = graph_of("ConcatOffset", inputs);
  return make_multi_output_node(graph, "ConcatOffset", name, std::move(inputs),
                                {{"N", static_cast<std::int64_t>(shapes.size())}});
}

Output operator+(const Output& x, const Output& y) { return binary_operator("Add", "add", x, y); }
Output operator-(const Output& x, const Output& y) { return binary_operator("Sub", "sub", x, y); }
Output operator*(const Output& x, const Output& y) { return binary_operator("Mul", "mul", x, y); }
Output operator+(const Output& x, double y) { return scalar_operator("Add", "add", x, y, false); }
Output operator-(const Output& x, double y) { return scalar_operator("Sub", "sub", x, y, false); }
Output operator*(const Output& x, double y) { return scalar_operator("Mul", "mul", x, y, false); }
Output operator+(double x, const Output& y) { return scalar_operator("Add", "add", y, x, true); }
Output operator*(double x, const Output& y) { return scalar_operator("Mul", "mul", y, x, true); }
Output operator/(const Output& x, const Output& y) { return binary_operator("RealDiv", "truediv", x, y); }
Output operator/(const Output& x, double y) { return scalar_operator("RealDiv", "truediv", x, y, false); }
Output operator-(const Output& x) { return unary("Neg", x, "Neg"); }

}  // namespace varscope
