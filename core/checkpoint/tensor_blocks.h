// Copying a rectangular block between a whole tensor and a tensor of the block's shape: how the
// shards of a partitioned variable become one checkpoint tensor and back.
#pragma once

#include <cstdint>
#include <vector>

#include "varscope/tensor.h"

namespace varscope::checkpoint {

/// block = whole[offset : offset + block.shape]. Both host tensors of one dtype and rank.
void copy_block_from(const Tensor& whole, const std::vector<std::int64_t>& offset, Tensor& block);
/// whole[offset : offset + block.shape] = block.
void copy_block_into(Tensor& whole, const std::vector<std::int64_t>& offset, const Tensor& block);

}  // namespace varscope::checkpoint
