// tf.layers.dropout (tf_keras Dropout): nn::dropout when training with rate > 0, else an Identity.
#include <sstream>

#include "core/layers/layer_scope.h"
#include "core/op_builder.h"
#include "varscope/error.h"
#include "varscope/nn.h"
#include "varscope/ops.h"

namespace varscope::layers {

Output dropout(const Output& inputs, double rate, bool training, std::optional<std::int64_t> seed,
               std::string_view name) {
  if (!inputs.valid()) throw ValueError("[dropout] the inputs are a null tensor");
  if (!(rate >= 0 && rate <= 1)) {
    std::ostringstream text;
    text << "Invalid value " << rate << " received for `rate`, expected a value between 0 and 1.";
    throw ValueError(text.str());
  }
  builder::UseGraph use{inputs.graph()};
  LayerScope scope{"dropout", name, Reuse(false), /*name_opens_scope=*/false};
  // smart_cond on a Python bool: only the taken branch is built.
  if (rate == 0 || !training) return identity(inputs);
  return nn::dropout(inputs, rate, seed);
}

}  // namespace varscope::layers
