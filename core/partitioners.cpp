// The stock partitioners of TF's partitioned_variables.py, with its formulas and checks.
#include "varscope/partitioners.h"

#include <algorithm>
#include <cmath>

#include "varscope/error.h"

namespace varscope {
namespace {

std::int64_t element_size(DType dtype, std::int64_t bytes_per_string_element) {
  (void)bytes_per_string_element;  // no string dtype yet; kept for TF's signature
  return static_cast<std::int64_t>(dtype_size(dtype));
}

int resolve_axis(int axis, const Shape& shape) {
  if (axis < 0 || axis >= shape.rank()) {
    throw ValueError("Can not partition variable along axis " + std::to_string(axis) + " when shape is only " +
                     shape.to_string());
  }
  return axis;
}

}  // namespace

Partitioner fixed_size_partitioner(std::int64_t num_shards, int axis) {
  if (num_shards < 1) throw ValueError("fixed_size_partitioner: num_shards must be positive, got " + std::to_string(num_shards));
  return [num_shards, axis](const Shape& shape, DType) {
    int a = resolve_axis(axis, shape);
    std::vector<std::int64_t> partitions(static_cast<std::size_t>(shape.rank()), 1);
    partitions[static_cast<std::size_t>(a)] = std::min(num_shards, shape.dim(a));
    return partitions;
  };
}

Partitioner variable_axis_size_partitioner(std::int64_t max_shard_bytes, int axis, std::int64_t bytes_per_string_element,
                                           std::optional<std::int64_t> max_shards) {
  if (max_shard_bytes < 1 || bytes_per_string_element < 1) {
    throw ValueError("Both max_shard_bytes and bytes_per_string_element must be positive.");
  }
  if (max_shards && *max_shards < 1) throw ValueError("max_shards must be positive.");
  return [=](const Shape& shape, DType dtype) {
    if (!shape.is_fully_defined()) throw ValueError("shape is not fully defined: " + shape.to_string());
    int a = resolve_axis(axis, shape);
    std::vector<std::int64_t> partitions(static_cast<std::size_t>(shape.rank()), 1);
    const std::int64_t axis_len = shape.dim(a);
    if (axis_len == 0) return partitions;
    const double bytes_per_slice =
        static_cast<double>(shape.num_elements() / axis_len) * static_cast<double>(element_size(dtype, bytes_per_string_element));
    // TF: slices_per_shard = max(1, floor(max_shard_bytes / bytes_per_slice)).
    const auto slices_per_shard = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::floor(static_cast<double>(max_shard_bytes) / bytes_per_slice)));
    std::int64_t shards = (axis_len + slices_per_shard - 1) / slices_per_shard;
    if (max_shards) shards = std::min(shards, *max_shards);
    partitions[static_cast<std::size_t>(a)] = shards;
    return partitions;
  };
}

Partitioner min_max_variable_partitioner(std::int64_t max_partitions, int axis, std::int64_t min_slice_size,
                                         std::int64_t bytes_per_string_element) {
  return [=](const Shape& shape, DType dtype) {
    int a = resolve_axis(axis, shape);
    std::vector<std::int64_t> partitions(static_cast<std::size_t>(shape.rank()), 1);
    const double total = static_cast<double>(shape.num_elements()) * static_cast<double>(element_size(dtype, bytes_per_string_element));
    const auto wanted = static_cast<std::int64_t>(std::ceil(total / static_cast<double>(min_slice_size)));
    partitions[static_cast<std::size_t>(a)] = std::max<std::int64_t>(1, std::min({shape.dim(a), max_partitions, wanted}));
    return partitions;
  };
}

}  // namespace varscope
