// TensorBuffer: bytes from a backend's allocator, returned when the last Tensor releases them.
#pragma once

#include <cstddef>

#include "core/backend.h"
#include "varscope/device.h"
#include "varscope/memory.h"

namespace varscope {

class TensorBuffer {
 public:
  TensorBuffer(Allocator& allocator, std::size_t bytes, MemoryCategory category, Device device);
  ~TensorBuffer();
  TensorBuffer(const TensorBuffer&) = delete;
  TensorBuffer& operator=(const TensorBuffer&) = delete;

  void* data() const { return data_; }
  std::size_t size() const { return bytes_; }
  const Device& device() const { return device_; }
  MemoryCategory category() const { return category_; }
  Allocator& allocator() const { return allocator_; }

 private:
  Allocator& allocator_;
  void* data_;
  std::size_t bytes_;
  MemoryCategory category_;
  Device device_;
};

}  // namespace varscope
