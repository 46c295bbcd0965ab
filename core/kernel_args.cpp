#include "core/kernel_args.h"

#include <string>

namespace varscope {

std::vector<std::int64_t> index_values(const KernelContext& ctx, const Tensor& t, const char* what) {
  if (t.dtype() == DType::kInt32) {
    const auto* p = static_cast<const std::int32_t*>(t.raw_data());
    return std::vector<std::int64_t>(p, p + t.num_elements());
  }
  if (t.dtype() == DType::kInt64) {
    const auto* p = static_cast<const std::int64_t*>(t.raw_data());
    return std::vector<std::int64_t>(p, p + t.num_elements());
  }
  ctx.fail(std::string(what) + " must be int32 or int64, got " + std::string(dtype_name(t.dtype())));
}

std::vector<std::int64_t> row_major_strides(const std::vector<std::int64_t>& dims) {
  std::vector<std::int64_t> strides(dims.size(), 1);
  for (std::size_t i = dims.size(); i-- > 1;) strides[i - 1] = strides[i] * dims[i];
  return strides;
}

}  // namespace varscope
