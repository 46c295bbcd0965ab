// What every functional layer shares (TF's legacy tf.layers base Layer): the variable scope and
// name scope a call builds in, weight creation with the layer's regularizer, and the argument and
// input checks of tf_keras with their texts.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "varscope/layers.h"
#include "varscope/variable_scope.h"

namespace varscope::layers {

/// Opens a layer's scope for the duration of one call (TF's Layer._set_scope and the re-entry in
/// Layer.__call__): variable_scope(name) when `name_opens_scope` and a name is given (conv2d and
/// dense pass `_scope=name`), variable_scope(name or class) when `reuse` is truthy, else
/// variable_scope(None, default_name=name or class). Ops built while it lives go under the scope's
/// original name scope.
class LayerScope {
 public:
  LayerScope(std::string_view class_name, std::string_view name, Reuse reuse,
             bool name_opens_scope);

  /// The layer's name for messages: the last component of its variable scope ("conv2d_1").
  std::string layer_name() const;

  /// Layer.add_weight: get_variable(name, shape) in the layer's scope (the scope's own regularizer
  /// and initializer apply as in TF); `regularizer` adds its loss under "<name>/Regularizer/" to
  /// REGULARIZATION_LOSSES only when the variable is new. Throws TypeError when the getter returns
  /// something other than a Variable (a partitioned variable).
  Variable add_weight(const std::string& name, const Shape& shape, DType dtype,
                      const Initializer& initializer, const Regularizer& regularizer,
                      bool trainable);

 private:
  std::optional<VariableScope> scope_;
};

/// conv_utils.normalize_tuple(value, 2, name, allow_zero): two positive (non-negative with
/// allow_zero) integers; ValueError "The `kernel_size` argument must be a tuple of 2 integers.
/// Received: ..." otherwise.
std::array<std::int64_t, 2> normalize_pair(const IntPair& value, std::string_view name,
                                           bool allow_zero);
/// conv_utils.normalize_padding: "valid", "same" or "causal" in lower case; ValueError otherwise.
std::string normalize_padding(std::string_view padding);
/// "(2, 2)": a Python tuple.
std::string tuple_repr(const std::array<std::int64_t, 2>& values);
/// InputSpec checks: ValueError "Input 0 of layer \"<layer>\" is incompatible with the layer:
/// expected ndim=4, found ndim=3. Full shape received: (?, 8, 8)" (min_ndim likewise). An unknown
/// rank passes, as in TF.
void expect_ndim(const Output& inputs, const std::string& layer, int ndim);
void expect_min_ndim(const Output& inputs, const std::string& layer, int min_ndim);

}  // namespace varscope::layers
