// OpDefs of the random ops: RandomUniform, RandomStandardNormal, TruncatedNormal. Each takes a
// 1-D int32/int64 shape tensor and makes floating values from Philox keyed by attrs seed/seed2.
#include <string>

#include "core/op_def.h"
#include "core/ops/shape_fns.h"

namespace varscope {
namespace {

using namespace shape_fns;

void infer_random(InferenceContext& ctx) {
  ctx.expect_num_inputs(1);
  expect_index_dtype(ctx, 0, "shape");
  expect_rank(ctx, 0, 1, "shape");
  check_dtype_attr(ctx, "T", ctx.input_dtype(0));
  const DType dtype = ctx.attr<DType>("dtype");
  expect_floating(ctx, dtype);
  // A Const shape, or a Shape op's (dropout's noise shape) static value, as TF's shape function.
  ctx.add_output(dtype, shape_from_input(ctx, 0, "shape"));
}

}  // namespace

void register_random_ops(OpRegistry& registry) {
  // Stateful as in TF: each run draws new values, so they must never be merged or cached.
  registry.add({.name = "RandomUniform", .infer = infer_random, .is_stateful = true});
  registry.add({.name = "RandomStandardNormal", .infer = infer_random, .is_stateful = true});
  registry.add({.name = "TruncatedNormal", .infer = infer_random, .is_stateful = true});
}

}  // namespace varscope
