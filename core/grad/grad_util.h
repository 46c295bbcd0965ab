// Helpers shared by the gradient rules of core/grad/*.cpp: the Python helpers of TF1's
// math_grad.py / array_grad.py that are not public ops themselves.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "varscope/graph.h"

namespace varscope::grad_util {

/// TF's array_ops.shape(x) (optimize=True): a Const "Shape" when x's shape is fully defined,
/// else a Shape op.
Output shape_of(const Output& x, DType out_type = DType::kInt32, std::string_view name = "Shape");

/// TF's tensor_util.constant_value for int tensors: the values of a Const, of a Shape of a fully
/// defined tensor, or of a Range over Consts. False (values untouched) otherwise.
bool constant_value(const Output& t, std::vector<std::int64_t>& values);

/// `x % y` as Python writes it: FloorMod named "mod" (name_scope "mod").
Output mod(const Output& x, const Output& y);

}  // namespace varscope::grad_util
