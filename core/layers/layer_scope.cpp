// The shared base of the functional layers (see core/layers/layer_scope.h).
#include "core/layers/layer_scope.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "varscope/collections.h"
#include "varscope/error.h"
#include "varscope/name_scope.h"
#include "varscope/variable_store.h"

namespace varscope::layers {

LayerScope::LayerScope(std::string_view class_name, std::string_view name, Reuse reuse,
                       bool name_opens_scope) {
  const std::string_view base = name.empty() ? class_name : name;
  if ((name_opens_scope && !name.empty()) || reuse) {
    // A captured by-name scope re-entered with the layer's reuse: truthy sets it, else inherited.
    scope_.emplace(base, VariableScopeOptions{.reuse = reuse});
  } else {
    scope_.emplace(std::nullopt, VariableScopeOptions{.default_name = std::string(base)});
  }
}

std::string LayerScope::layer_name() const {
  const std::string& full = scope_->name();
  const std::size_t slash = full.rfind('/');
  return slash == std::string::npos ? full : full.substr(slash + 1);
}

Variable LayerScope::add_weight(const std::string& name, const Shape& shape, DType dtype,
                                const Initializer& initializer, const Regularizer& regularizer,
                                bool trainable) {
  Graph& graph = get_default_graph();
  const bool existed = graph.variable_store().find(scope_->name() + "/" + name).has_value();
  Variable v = get_variable(name, shape,
                            {.dtype = dtype, .initializer = initializer, .trainable = trainable})
                   .variable();
  // TF's _should_add_regularizer: only a variable this call created gets the layer's loss.
  if (regularizer && !existed) {
    NameScope ns{name + "/Regularizer"};
    if (std::optional<Output> loss = regularizer(v.value())) {
      add_to_collection(GraphKeys::REGULARIZATION_LOSSES, *loss, graph);
    }
  }
  return v;
}

std::array<std::int64_t, 2> normalize_pair(const IntPair& value, std::string_view name,
                                           bool allow_zero) {
  const std::vector<std::int64_t>& v = value.values();
  std::string received;
  if (value.scalar()) {
    received = std::to_string(v.front());
  } else {
    received = "(";
    for (std::size_t i = 0; i < v.size(); ++i) received += (i ? ", " : "") + std::to_string(v[i]);
    received += v.size() == 1 ? ",)" : ")";
  }
  std::string message = "The `" + std::string(name) +
                        "` argument must be a tuple of 2 integers. Received: " + received;
  if (!value.scalar() && v.size() != 2) throw ValueError(message);
  const std::array<std::int64_t, 2> pair =
      value.scalar() ? std::array{v[0], v[0]} : std::array{v[0], v[1]};
  std::vector<std::int64_t> bad;
  for (std::int64_t x : pair) {
    const bool ok = allow_zero ? x >= 0 : x > 0;
    if (!ok && std::find(bad.begin(), bad.end(), x) == bad.end()) bad.push_back(x);
  }
  if (!bad.empty()) {
    std::string set = "{";
    for (std::size_t i = 0; i < bad.size(); ++i) set += (i ? ", " : "") + std::to_string(bad[i]);
    throw ValueError(message + " including " + set + "} that does not satisfy the requirement `" +
                     (allow_zero ? ">= 0" : "> 0") + "`.");
  }
  return pair;
}

std::string normalize_padding(std::string_view padding) {
  std::string lower(padding);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower != "valid" && lower != "same" && lower != "causal") {
    throw ValueError(
        "The `padding` argument must be a list/tuple or one of \"valid\", \"same\" (or \"causal\", "
        "only for "
        "`Conv1D). Received: " +
        lower);
  }
  return lower;
}

std::string tuple_repr(const std::array<std::int64_t, 2>& values) {
  return "(" + std::to_string(values[0]) + ", " + std::to_string(values[1]) + ")";
}

namespace {

std::string incompatible(const Output& inputs, const std::string& layer,
                         const std::string& expected) {
  return "Input 0 of layer \"" + layer + "\" is incompatible with the layer: expected " + expected +
         ", found ndim=" + std::to_string(inputs.shape().rank()) +
         ". Full shape received: " + inputs.shape().to_string();
}

}  // namespace

void expect_ndim(const Output& inputs, const std::string& layer, int ndim) {
  const int rank = inputs.shape().rank();
  if (rank >= 0 && rank != ndim)
    throw ValueError(incompatible(inputs, layer, "ndim=" + std::to_string(ndim)));
}

void expect_min_ndim(const Output& inputs, const std::string& layer, int min_ndim) {
  const int rank = inputs.shape().rank();
  if (rank >= 0 && rank < min_ndim) {
    throw ValueError(incompatible(inputs, layer, "min_ndim=" + std::to_string(min_ndim)));
  }
}

}  // namespace varscope::layers
