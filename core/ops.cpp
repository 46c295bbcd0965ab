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
  if (rank < 0) {
    throw InvalidArgumentError("[" + std::string(op) + "] reducing all axes of " + x.name() +
                               " needs a known rank, got shape " + x.shape().to_string() + " (pass the axes)");
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
  Graph& graph = graph_of("Cast", {x});
  UseGraph use{graph};
  // TF opens the scope first, so a no-op cast still uses up its name.
  NameScope ns{scope_arg(name), "Cast"};
  if (x.dtype() == dtype) return x;
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

Output operator+(const Output& x, const Output& y) { return binary_operator("Add", "add", x, y); }
Output operator-(const Output& x, const Output& y) { return binary_operator("Sub", "sub", x, y); }
Output operator*(const Output& x, const Output& y) { return binary_operator("Mul", "mul", x, y); }
Output operator+(const Output& x, double y) { return scalar_operator("Add", "add", x, y, false); }
Output operator-(const Output& x, double y) { return scalar_operator("Sub", "sub", x, y, false); }
Output operator*(const Output& x, double y) { return scalar_operator("Mul", "mul", x, y, false); }
Output operator+(double x, const Output& y) { return scalar_operator("Add", "add", y, x, true); }
Output operator*(double x, const Output& y) { return scalar_operator("Mul", "mul", y, x, true); }

}  // namespace varscope
