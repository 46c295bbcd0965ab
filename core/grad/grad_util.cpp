// Helpers shared by the gradient rules (see grad_util.h).
#include "core/grad/grad_util.h"

#include <optional>
#include <string>
#include <utility>

#include "core/op_builder.h"
#include "varscope/name_scope.h"
#include "varscope/ops.h"

namespace varscope::grad_util {

Output shape_of(const Output& x, DType out_type, std::string_view name) {
  if (!x.shape().is_fully_defined()) return shape(x, out_type, name);
  Graph& graph = builder::graph_of("Shape", {x});
  builder::UseGraph use{graph};
  NameScope ns{builder::scope_arg(name), "Shape"};
  Tensor dims = builder::index_tensor(x.shape().dims()).cast(out_type);
  return builder::make_const(graph, std::move(dims), ns.name());
}

bool constant_value(const Output& t, std::vector<std::int64_t>& values) {
  if (t.node == nullptr) return false;
  const std::string& op = t.node->op();
  if (op == "Const") {
    const Tensor& value = t.node->attr_as<Tensor>("value");
    if (value.dtype() != DType::kInt32 && value.dtype() != DType::kInt64) return false;
    values = value.to_vector<std::int64_t>();
    return true;
  }
  if (op == "Shape" && t.node->inputs()[0].shape().is_fully_defined()) {
    values = t.node->inputs()[0].shape().dims();
    return true;
  }
  if (op == "Range" && is_integer(t.dtype())) {  // range(0, rank) of a scalar: []
    std::vector<std::int64_t> start, limit, delta;
    if (!constant_value(t.node->inputs()[0], start) ||
        !constant_value(t.node->inputs()[1], limit) ||
        !constant_value(t.node->inputs()[2], delta) || delta.size() != 1 || delta[0] == 0) {
      return false;
    }
    values.clear();
    for (std::int64_t v = start.at(0); delta[0] > 0 ? v < limit.at(0) : v > limit.at(0);
         v += delta[0])
      values.push_back(v);
    return true;
  }
  return false;
}

Output mod(const Output& x, const Output& y) {
  NameScope ns{std::nullopt, "mod"};
  return floormod(x, y, ns.name());
}

}  // namespace varscope::grad_util
