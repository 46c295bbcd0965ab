// tf.layers.dense (tf_keras Dense with the legacy tf.layers base) on rank-2 inputs: MatMul,
// BiasAdd, activation under the layer's name scope.
#include "core/layers/layer_scope.h"
#include "core/op_builder.h"
#include "varscope/error.h"
#include "varscope/nn.h"
#include "varscope/ops.h"

namespace varscope::layers {

Output dense(const Output& inputs, std::int64_t units, DenseOptions options) {
  if (!inputs.valid()) throw ValueError("[dense] the inputs are a null tensor");
  if (units < 0) {
    throw ValueError(
        "Received an invalid value for `units`, expected a positive integer. Received: units=" +
        std::to_string(units));
  }
  builder::UseGraph use{inputs.graph()};
  LayerScope scope{"dense", options.name, options.reuse, /*name_opens_scope=*/true};
  const std::string layer = scope.layer_name();
  expect_min_ndim(inputs, layer, 2);
  const DType dtype = inputs.dtype();
  if (!is_floating(dtype)) {
    throw TypeError(
        "A Dense layer can only be built with a floating-point dtype. Received: dtype=" +
        dtype_repr(dtype));
  }
  const Shape& in = inputs.shape();
  const std::int64_t features = in.has_known_rank() ? in.dim(-1) : -1;
  if (features < 0) {
    throw ValueError(
        "The last dimension of the inputs to a Dense layer should be defined. Found None. Full "
        "input shape received: " +
        in.to_string());
  }
  if (in.rank() > 2) {
    throw UnimplementedError(
        "[dense] layer \"" + layer + "\": inputs of rank " + std::to_string(in.rank()) +
        " (shape " + in.to_string() +
        ") need TF's tensordot, which varscope does not build; flatten them to rank 2 first");
  }
  Variable kernel =
      scope.add_weight("kernel", Shape{features, units}, dtype, options.kernel_initializer,
                       options.kernel_regularizer, options.trainable);
  Variable bias;
  if (options.use_bias) {
    bias = scope.add_weight("bias", Shape{units}, dtype, options.bias_initializer,
                            options.bias_regularizer, options.trainable);
  }
  Output outputs = matmul(inputs, kernel);
  if (bias) outputs = nn::bias_add(outputs, bias);
  if (options.activation) outputs = options.activation(outputs, "");
  return outputs;
}

}  // namespace varscope::layers
