// tf.layers.flatten (tf_keras Flatten, graph mode): Reshape to a Const shape that keeps as much
// static shape as possible, as TF 2's Flatten builds it.
#include "core/layers/layer_scope.h"
#include "core/op_builder.h"
#include "varscope/error.h"
#include "varscope/ops.h"

namespace varscope::layers {

Output flatten(const Output& inputs, std::string_view name) {
  if (!inputs.valid()) throw ValueError("[flatten] the inputs are a null tensor");
  builder::UseGraph use{inputs.graph()};
  LayerScope scope{"flatten", name, Reuse(false), /*name_opens_scope=*/false};
  const std::string layer = scope.layer_name();
  expect_min_ndim(inputs, layer, 1);
  const Shape& in = inputs.shape();
  if (!in.has_known_rank()) {
    throw ValueError("[flatten] layer \"" + layer +
                     "\": the rank of the inputs must be known, got " + in.to_string());
  }
  // TF: rank 1 becomes (n, 1) through ExpandDims; a Reshape to [-1, 1] gives the same tensor.
  std::vector<std::int64_t> target{-1, 1};
  if (in.rank() > 1) {
    const std::int64_t batch = in.dim(0);
    const Shape rest(std::vector<std::int64_t>(in.dims().begin() + 1, in.dims().end()));
    if (rest.is_fully_defined()) {
      target = {-1, rest.num_elements()};
    } else if (batch >= 0) {
      target = {batch, -1};
    } else {
      // TF: [tf.shape(inputs)[0], -1] (Shape, strided_slice, Pack); here Shape, Slice and ConcatV2.
      Output batch_dim = slice(shape(inputs), {0}, {1});
      Output minus_one = constant(Tensor::from_vector(std::vector<std::int32_t>{-1}), "Const");
      return reshape(inputs, concat({batch_dim, minus_one}, 0));
    }
  }
  Output target_tensor = constant(builder::index_tensor(target), "Const");
  return reshape(inputs, target_tensor);
}

}  // namespace varscope::layers
