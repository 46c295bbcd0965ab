#include "core/fused_kernels.h"

#include <string>

#include "varscope/error.h"

namespace varscope {

void check_bias_add_args(const KernelContext& ctx, const Tensor& value, const Tensor& bias) {
  const Node& node = ctx.node().op() == "BiasAdd" ? ctx.node() : *ctx.node().inputs().at(0).node;
  const auto fail = [&](const std::string& message) {
    throw InvalidArgumentError("[" + node.op() + "] node '" + node.name() + "': " + message);
  };
  if (value.shape().rank() < 2)
    fail("value must be at least rank 2, got shape " + value.shape().to_string());
  if (bias.shape().rank() != 1 || bias.shape().dim(0) != value.shape().dim(-1)) {
    fail("bias shape " + bias.shape().to_string() +
         " does not match the last dimension of value shape " + value.shape().to_string());
  }
}

}  // namespace varscope
