// tf.compat.v1.train.MomentumOptimizer (momentum.py): one slot "momentum" per variable.
#include "core/op_builder.h"
#include "varscope/train.h"

namespace varscope::train {

MomentumOptimizer::MomentumOptimizer(HyperParameter learning_rate, HyperParameter momentum,
                                     MomentumOptions options)
    : Optimizer(options.use_locking, std::move(options.name)),
      learning_rate_(std::move(learning_rate)),
      momentum_(std::move(momentum)),
      use_nesterov_(options.use_nesterov) {}

MomentumOptimizer::MomentumOptimizer(HyperParameter learning_rate, HyperParameter momentum,
                                     bool use_nesterov)
    : MomentumOptimizer(std::move(learning_rate), std::move(momentum),
                        MomentumOptions{.use_nesterov = use_nesterov}) {}

void MomentumOptimizer::create_slots(const std::vector<Variable>& var_list) {
  for (const Variable& v : var_list) zeros_slot(v, "momentum", name());
}

void MomentumOptimizer::prepare() {
  learning_rate_tensor_ = hyper_tensor(learning_rate_, "learning_rate");
  momentum_tensor_ = hyper_tensor(momentum_, "momentum");
}

Node* MomentumOptimizer::apply_dense(const Output& grad, const Variable& var) {
  const DType dtype = var.dtype();
  Variable accum = *get_slot(var, "momentum");
  Output lr = cast_to(learning_rate_tensor_, dtype);
  Output momentum = cast_to(momentum_tensor_, dtype);
  return builder::make_node(
             var.op()->graph(), "ApplyMomentum", "ApplyMomentum",
             {var.op()->output(0), accum.op()->output(0), lr, grad, momentum},
             {{"T", dtype}, {"use_locking", use_locking()}, {"use_nesterov", use_nesterov_}})
      .node;
}

}  // namespace varscope::train
