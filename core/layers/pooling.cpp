// tf.layers.max_pooling2d (tf_keras MaxPooling2D): one MaxPool under the layer's name scope.
#include "core/layers/layer_scope.h"
#include "core/op_builder.h"
#include "varscope/error.h"
#include "varscope/nn.h"

namespace varscope::layers {

Output max_pooling2d(const Output& inputs, const IntPair& pool_size, const IntPair& strides,
                     std::string_view padding, std::string_view name) {
  if (!inputs.valid()) throw ValueError("[max_pooling2d] the inputs are a null tensor");
  const auto pool = normalize_pair(pool_size, "pool_size", false);
  const auto stride = normalize_pair(strides, "strides", true);
  const std::string pad = normalize_padding(padding);
  if (pad == "causal")
    throw ValueError("[max_pooling2d] padding \"causal\" is only supported by Conv1D");
  builder::UseGraph use{inputs.graph()};
  LayerScope scope{"max_pooling2d", name, Reuse(false), /*name_opens_scope=*/false};
  expect_ndim(inputs, scope.layer_name(), 4);
  return nn::max_pool(inputs, {1, pool[0], pool[1], 1}, {1, stride[0], stride[1], 1},
                      pad == "same" ? "SAME" : "VALID");
}

}  // namespace varscope::layers
