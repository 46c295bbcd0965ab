#include "core/tensor_buffer.h"

namespace varscope {

TensorBuffer::TensorBuffer(Allocator& allocator, std::size_t bytes, MemoryCategory category,
                           Device device)
    : allocator_(allocator),
      data_(allocator.allocate(bytes, category)),
      bytes_(bytes),
      category_(category),
      device_(std::move(device)) {}

TensorBuffer::~TensorBuffer() { allocator_.deallocate(data_, bytes_, category_); }

}  // namespace varscope
