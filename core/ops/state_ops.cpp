// OpDefs of the state ops: VariableV2 (one output of the variable's dtype: varscope has one kind
// of variable, so dtypes print "float32", never "float32_ref"), Assign (writes input 1 into the
// variable of input 0 and outputs the new value) and AssignAdd / AssignSub (add / subtract input 1
// in place; same shapes, no broadcasting, as TF's DenseUpdateOp).
#include <string>

#include "core/op_def.h"
#include "core/ops/shape_fns.h"

namespace varscope {
namespace {

using namespace shape_fns;

void infer_variable(InferenceContext& ctx) {
  ctx.expect_num_inputs(0);
  const DType dtype = ctx.attr<DType>("dtype");
  if (dtype == DType::kInvalid) ctx.fail("attr dtype is not a valid dtype");
  ctx.add_output(dtype, ctx.attr<Shape>("shape"));
}

void infer_assign(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  const Output& ref = ctx.input(0);
  // The kernel stores the value under the VariableV2 node, so the ref must be one directly.
  if (ref.node == nullptr || ref.node->op() != "VariableV2") {
    ctx.fail("input 0 must be a variable (a VariableV2 output), got '" + ref.name() + "' (" +
             (ref.node ? ref.node->op() : std::string("null")) + ")");
  }
  expect_same_dtype(ctx, 0, 1);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  const Shape& ref_shape = ctx.input_shape(0);
  const Shape& value_shape = ctx.input_shape(1);
  if (!attr_or(ctx, "validate_shape", true)) {
    ctx.add_output(ctx.input_dtype(0), value_shape);
    return;
  }
  if (!ref_shape.is_compatible_with(value_shape)) {
    ctx.fail("shapes " + ref_shape.to_string() + " and " + value_shape.to_string() + " are incompatible");
  }
  ctx.add_output(ctx.input_dtype(0), ref_shape.merge_with(value_shape));
}

// AssignAdd / AssignSub: the value must have the variable's shape (TF merges both shapes).
void infer_assign_update(InferenceContext& ctx) {
  ctx.expect_num_inputs(2);
  const Output& ref = ctx.input(0);
  if (ref.node == nullptr || ref.node->op() != "VariableV2") {
    ctx.fail("input 0 must be a variable (a VariableV2 output), got '" + ref.name() + "' (" +
             (ref.node ? ref.node->op() : std::string("null")) + ")");
  }
  expect_same_dtype(ctx, 0, 1);
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  expect_numeric(ctx, ctx.input_dtype(0));
  const Shape& ref_shape = ctx.input_shape(0);
  const Shape& value_shape = ctx.input_shape(1);
  if (!ref_shape.is_compatible_with(value_shape)) {
    ctx.fail("variable " + ref.node->name() + " has shape " + ref_shape.to_string() + " but the value has shape " +
             value_shape.to_string());
  }
  ctx.add_output(ctx.input_dtype(0), ref_shape.merge_with(value_shape));
}

}  // namespace

void register_state_ops(OpRegistry& registry) {
  registry.add({.name = "VariableV2", .infer = infer_variable, .is_stateful = true});
  registry.add({.name = "Assign", .infer = infer_assign, .is_stateful = true, .ref_inputs = {0}});
  registry.add({.name = "AssignAdd", .infer = infer_assign_update, .is_stateful = true, .ref_inputs = {0}});
  registry.add({.name = "AssignSub", .infer = infer_assign_update, .is_stateful = true, .ref_inputs = {0}});
}

}  // namespace varscope
