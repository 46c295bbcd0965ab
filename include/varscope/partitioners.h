// Partitioners: how get_variable splits a variable into shards "F/part_0", "F/part_1", ...
// (tf.fixed_size_partitioner and friends). A partitioner returns one positive count per
// dimension, at most one of them greater than 1.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "varscope/dtype.h"
#include "varscope/shape.h"

namespace varscope {

/// (full shape, dtype) -> partitions per axis. Empty = none (inherit the scope's).
using Partitioner = std::function<std::vector<std::int64_t>(const Shape& shape, DType dtype)>;

/// [1, ..., min(num_shards, shape[axis]), ..., 1].
Partitioner fixed_size_partitioner(std::int64_t num_shards, int axis = 0);
/// Shards along `axis` of at most `max_shard_bytes` each (at least one slice per shard), capped by
/// `max_shards`. Throws ValueError for non-positive byte sizes or max_shards.
Partitioner variable_axis_size_partitioner(std::int64_t max_shard_bytes, int axis = 0,
                                           std::int64_t bytes_per_string_element = 16,
                                           std::optional<std::int64_t> max_shards = std::nullopt);
/// max(1, min(shape[axis], max_partitions, ceil(bytes / min_slice_size))) shards along `axis`.
Partitioner min_max_variable_partitioner(std::int64_t max_partitions = 1, int axis = 0,
                                         std::int64_t min_slice_size = 256 << 10,
                                         std::int64_t bytes_per_string_element = 16);

}  // namespace varscope
