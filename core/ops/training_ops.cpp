// OpDefs of the optimizer update ops (TF's training_ops): ApplyGradientDescent, ApplyMomentum and
// ApplyAdam. Each updates the variable of input 0 (and its slot variables) in place and outputs the
// variable; scalar hyper-parameters must be rank 0 and every tensor input must have the variable's
// shape. All inputs share one floating dtype T.
#include <string>
#include <vector>

#include "core/op_def.h"
#include "core/ops/shape_fns.h"

namespace varscope {
namespace {

using namespace shape_fns;

enum class Role { kVariable, kSlot, kScalar, kLikeVariable };

struct Input {
  const char* name;
  Role role;
};

// The shared shape function: `inputs` lists TF's input names in order with what each must be.
void infer_apply(InferenceContext& ctx, const std::vector<Input>& inputs) {
  ctx.expect_num_inputs(static_cast<int>(inputs.size()));
  const Output& var = ctx.input(0);
  const DType dtype = ctx.input_dtype(0);
  check_dtype_attr(ctx, "T", dtype);
  expect_floating(ctx, dtype);
  Shape shape = ctx.input_shape(0);
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Input& in = inputs[static_cast<std::size_t>(i)];
    const Output& value = ctx.input(i);
    const bool is_ref = in.role == Role::kVariable || in.role == Role::kSlot;
    // The kernel writes these buffers through the session's variable table.
    if (is_ref && (value.node == nullptr || value.node->op() != "VariableV2")) {
      ctx.fail(std::string(in.name) + " (input " + std::to_string(i) +
               ") must be a variable (a VariableV2 output), got '" + value.name() + "' (" +
               (value.node ? value.node->op() : std::string("null")) + ")");
    }
    if (ctx.input_dtype(i) != dtype) {
      ctx.fail(std::string(in.name) + " has dtype " + std::string(dtype_name(ctx.input_dtype(i))) +
               ", expected " + std::string(dtype_name(dtype)) + " (the dtype of var " +
               var.node->name() + ")");
    }
    const Shape& s = ctx.input_shape(i);
    if (in.role == Role::kScalar) {
      if (s.has_known_rank() && s.rank() != 0) {
        ctx.fail(std::string(in.name) + " is not a scalar: " + s.to_string());
      }
    } else if (i > 0) {
      if (!shape.is_compatible_with(s)) {
        ctx.fail("var " + var.node->name() + " and " + in.name + " do not have the same shape: " +
                 ctx.input_shape(0).to_string() + " and " + s.to_string());
      }
      shape = shape.merge_with(s);
    }
  }
  ctx.add_output(dtype, shape);
}

void infer_gradient_descent(InferenceContext& ctx) {
  infer_apply(ctx,
              {{"var", Role::kVariable}, {"alpha", Role::kScalar}, {"delta", Role::kLikeVariable}});
}

void infer_momentum(InferenceContext& ctx) {
  infer_apply(ctx, {{"var", Role::kVariable},
                    {"accum", Role::kSlot},
                    {"lr", Role::kScalar},
                    {"grad", Role::kLikeVariable},
                    {"momentum", Role::kScalar}});
}

void infer_adam(InferenceContext& ctx) {
  infer_apply(ctx, {{"var", Role::kVariable},
                    {"m", Role::kSlot},
                    {"v", Role::kSlot},
                    {"beta1_power", Role::kScalar},
                    {"beta2_power", Role::kScalar},
                    {"lr", Role::kScalar},
                    {"beta1", Role::kScalar},
                    {"beta2", Role::kScalar},
                    {"epsilon", Role::kScalar},
                    {"grad", Role::kLikeVariable}});
}

}  // namespace

void register_training_ops(OpRegistry& registry) {
  registry.add({.name = "ApplyGradientDescent",
                .infer = infer_gradient_descent,
                .is_stateful = true,
                .ref_inputs = {0}});
  registry.add({.name = "ApplyMomentum", .infer = infer_momentum, .is_stateful = true, .ref_inputs = {0, 1}});
  registry.add({.name = "ApplyAdam", .infer = infer_adam, .is_stateful = true, .ref_inputs = {0, 1, 2}});
}

}  // namespace varscope
