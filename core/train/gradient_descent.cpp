// tf.compat.v1.train.GradientDescentOptimizer (gradient_descent.py).
#include "core/op_builder.h"
#include "varscope/train.h"

namespace varscope::train {

GradientDescentOptimizer::GradientDescentOptimizer(HyperParameter learning_rate,
                                                   GradientDescentOptions options)
    : Optimizer(options.use_locking, std::move(options.name)),
      learning_rate_(std::move(learning_rate)) {}

void GradientDescentOptimizer::prepare() {
  learning_rate_tensor_ = hyper_tensor(learning_rate_, "learning_rate");
}

Node* GradientDescentOptimizer::apply_dense(const Output& grad, const Variable& var) {
  const DType dtype = var.dtype();
  Graph& graph = var.op()->graph();
  return builder::make_node(graph, "ApplyGradientDescent", "ApplyGradientDescent",
                            {var.op()->output(0), cast_to(learning_rate_tensor_, dtype), grad},
                            {{"T", dtype}, {"use_locking", use_locking()}})
      .node;
}

}  // namespace varscope::train
