#include "core/checkpoint/tensor_blocks.h"

#include <cstring>

#include "varscope/error.h"

namespace varscope::checkpoint {
namespace {

// Walks the block's rows (its last dimension is contiguous in both tensors) with an odometer over
// the leading dimensions, calling copy_row(whole_byte_offset, block_byte_offset, row_bytes).
template <class CopyRow>
void for_each_row(const Shape& whole_shape, const std::vector<std::int64_t>& offset,
                  const Tensor& block, CopyRow copy_row) {
  const std::vector<std::int64_t>& whole = whole_shape.dims();
  const std::vector<std::int64_t>& dims = block.shape().dims();
  const std::size_t rank = dims.size();
  if (whole.size() != rank || offset.size() != rank) {
    throw InternalError("copy_block: ranks of " + whole_shape.to_string() + ", offset and " +
                        block.shape().to_string() + " differ");
  }
  for (std::size_t d = 0; d < rank; ++d) {
    if (offset[d] < 0 || offset[d] + dims[d] > whole[d]) {
      throw InternalError("copy_block: block " + block.shape().to_string() + " at offset " +
                          list_to_string(offset) + " does not fit in " + whole_shape.to_string());
    }
  }
  if (block.num_elements() == 0) return;
  const std::size_t element = dtype_size(block.dtype());
  if (rank == 0) {
    copy_row(0, 0, element);
    return;
  }
  std::vector<std::int64_t> stride(rank, 1);  // of `whole`, in elements
  for (std::size_t d = rank - 1; d > 0; --d) stride[d - 1] = stride[d] * whole[d];
  const std::size_t row_bytes = static_cast<std::size_t>(dims[rank - 1]) * element;
  std::vector<std::int64_t> index(rank, 0);  // position in the block; index[rank - 1] stays 0
  std::size_t block_bytes = 0;
  while (true) {
    std::int64_t at = 0;
    for (std::size_t d = 0; d < rank; ++d) at += (offset[d] + index[d]) * stride[d];
    copy_row(static_cast<std::size_t>(at) * element, block_bytes, row_bytes);
    block_bytes += row_bytes;
    std::size_t d = rank - 1;
    while (d > 0) {
      --d;
      if (++index[d] < dims[d]) break;
      index[d] = 0;
      if (d == 0) return;
    }
    if (rank == 1) return;
  }
}

}  // namespace

void copy_block_from(const Tensor& whole, const std::vector<std::int64_t>& offset, Tensor& block) {
  const auto* src = static_cast<const char*>(whole.raw_data());
  auto* dst = static_cast<char*>(block.raw_data());
  for_each_row(whole.shape(), offset, block,
               [&](std::size_t at, std::size_t block_at, std::size_t n) {
                 std::memcpy(dst + block_at, src + at, n);
               });
}

void copy_block_into(Tensor& whole, const std::vector<std::int64_t>& offset, const Tensor& block) {
  auto* dst = static_cast<char*>(whole.raw_data());
  const auto* src = static_cast<const char*>(block.raw_data());
  for_each_row(whole.shape(), offset, block,
               [&](std::size_t at, std::size_t block_at, std::size_t n) {
                 std::memcpy(dst + at, src + block_at, n);
               });
}

}  // namespace varscope::checkpoint
