// Shared pieces of the op builders (core/ops.cpp, core/nn_ops.cpp, gradient rules): the graph of
// the inputs, node and Const creation, TF's Python-number conversions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/graph_transaction.h"
#include "varscope/graph.h"

namespace varscope::builder {

/// Makes `graph` this thread's default for the block when it is not already, so name scopes
/// opened by a builder apply to the graph of its inputs (TF's name_scope(values=...)), and makes
/// the builder all or nothing: if it throws, the nodes it made so far are removed again.
class UseGraph {
 public:
  explicit UseGraph(Graph& graph) : transaction_(graph) {
    if (&get_default_graph() != &graph) use_.emplace(graph);
  }

 private:
  GraphTransaction transaction_;
  std::optional<DefaultGraph> use_;
};

/// The graph of the inputs (all must share one), else the default graph. Throws ValueError for a
/// null input or inputs from different graphs, naming `op`.
Graph& graph_of(std::string_view op, const std::vector<Output>& inputs);
/// Creates a node and returns its output 0.
Output make_node(Graph& graph, std::string op, std::string_view name, std::vector<Output> inputs, AttrMap attrs);
/// Creates a node and returns all its outputs.
std::vector<Output> make_multi_output_node(Graph& graph, std::string op, std::string_view name,
                                           std::vector<Output> inputs, AttrMap attrs);
Output make_const(Graph& graph, Tensor value, std::string_view name);
/// A 1-D index Const value: int32 as Python ints convert in TF, int64 when a value does not fit.
Tensor index_tensor(const std::vector<std::int64_t>& values);
/// The dims of a shape that must be fully defined to become a shape tensor (ValueError otherwise).
const std::vector<std::int64_t>& defined_dims(std::string_view op, const Shape& shape);
/// A Python number as a scalar of `dtype`, as ops.convert_to_tensor(value, dtype=...) does:
/// a fractional value cannot become an integer (TF's TypeError text).
Tensor number_as(double value, DType dtype);
/// nullopt for "" (use the default name), else the name.
std::optional<std::string_view> scope_arg(std::string_view name);
/// A node of `op` with inputs (x, y) / (x) and attr T = x's dtype.
Output binary(const char* op, const Output& x, const Output& y, std::string_view name);
Output unary(const char* op, const Output& x, std::string_view name);
/// InvalidArgumentError unless dtype is float16, bfloat16, float32 or float64.
void expect_floating_dtype(const char* op, DType dtype);

}  // namespace varscope::builder
