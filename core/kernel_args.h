// Host-side helpers for kernel arguments any backend reads on the host: shape vectors, axes,
// begin/size lists (int32 or int64 tensors in host memory), and row-major strides.
#pragma once

#include <cstdint>
#include <vector>

#include "core/kernel.h"

namespace varscope {

/// The values of an int32 or int64 host tensor; fails through ctx naming `what` for other dtypes.
std::vector<std::int64_t> index_values(const KernelContext& ctx, const Tensor& t, const char* what);

/// Row-major strides of `dims` in elements.
std::vector<std::int64_t> row_major_strides(const std::vector<std::int64_t>& dims);

}  // namespace varscope
