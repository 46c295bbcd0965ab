// Shared pieces of the op builders (see core/op_builder.h).
#include "core/op_builder.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "varscope/error.h"

namespace varscope::builder {


/// The graph of the inputs (all must share one), else the default graph.
Graph& graph_of(std::string_view op, const std::vector<Output>& inputs) {
  Graph* graph = nullptr;
  const Output* first = nullptr;
  for (const Output& in : inputs) {
    if (!in.valid()) throw ValueError("[" + std::string(op) + "] an input is a null Output");
    if (graph == nullptr) {
      graph = &in.graph();
      first = &in;
    } else if (graph != &in.graph()) {
      throw ValueError("[" + std::string(op) + "] Tensor " + in.name() + " must be from the same graph as Tensor " +
                       first->name());
    }
  }
  return graph ? *graph : get_default_graph();
}

Output make_node(Graph& graph, std::string op, std::string_view name, std::vector<Output> inputs, AttrMap attrs) {
  NodeSpec spec;
  spec.op = std::move(op);
  spec.name = std::string(name);
  spec.inputs = std::move(inputs);
  spec.attrs = std::move(attrs);
  return graph.create_node(std::move(spec)).output(0);
}

Output make_const(Graph& graph, Tensor value, std::string_view name) {
  const DType dtype = value.dtype();
  return make_node(graph, "Const", name, {}, {{"value", std::move(value)}, {"dtype", dtype}});
}

/// A 1-D index Const: int32 as Python ints convert in TF, int64 when a value does not fit.
Tensor index_tensor(const std::vector<std::int64_t>& values) {
  bool fits = true;
  for (std::int64_t v : values) {
    fits = fits && v >= std::numeric_limits<std::int32_t>::min() && v <= std::numeric_limits<std::int32_t>::max();
  }
  if (!fits) return Tensor::from_vector(values);
  std::vector<std::int32_t> narrow(values.begin(), values.end());
  return Tensor::from_vector(narrow);
}

/// A shape that must be fully defined to become a shape tensor.
const std::vector<std::int64_t>& defined_dims(std::string_view op, const Shape& shape) {
  if (!shape.is_fully_defined()) {
    throw ValueError("[" + std::string(op) + "] shape must be fully defined, got " + shape.to_string());
  }
  return shape.dims();
}

/// A Python number as a scalar of `dtype`, as ops.convert_to_tensor(value, dtype=...) does:
/// a fractional value cannot become an integer (TF's TypeError text).
Tensor number_as(double value, DType dtype) {
  if ((is_integer(dtype) || dtype == DType::kBool) && std::trunc(value) != value) {
    std::ostringstream text;
    text << "Expected " << dtype_name(dtype) << ", got " << value << " of type 'float' instead.";
    throw TypeError(text.str());
  }
  return Tensor::filled(dtype, Shape{}, value);
}

std::optional<std::string_view> scope_arg(std::string_view name) {
  if (name.empty()) return std::nullopt;
  return name;
}


Output binary(const char* op, const Output& x, const Output& y, std::string_view name) {
  Graph& graph = graph_of(op, {x, y});
  return make_node(graph, op, name, {x, y}, {{"T", x.dtype()}});
}

Output unary(const char* op, const Output& x, std::string_view name) {
  Graph& graph = graph_of(op, {x});
  return make_node(graph, op, name, {x}, {{"T", x.dtype()}});
}

void expect_floating_dtype(const char* op, DType dtype) {
  if (!is_floating(dtype)) {
    throw InvalidArgumentError("[" + std::string(op) + "] dtype " + std::string(dtype_name(dtype)) +
                               " is not supported (needs float16, bfloat16, float32 or float64)");
  }
}

std::vector<Output> make_multi_output_node(Graph& graph, std::string op, std::string_view name,
                                           std::vector<Output> inputs, AttrMap attrs) {
  NodeSpec spec;
  spec.op = std::move(op);
  spec.name = std::string(name);
  spec.inputs = std::move(inputs);
  spec.attrs = std::move(attrs);
  Node& node = graph.create_node(std::move(spec));
  std::vector<Output> outputs;
  for (int i = 0; i < node.num_outputs(); ++i) outputs.push_back(node.output(i));
  return outputs;
}

}  // namespace varscope::builder
