// Tensor: a ref-counted, typed, shaped buffer on one device.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "varscope/device.h"
#include "varscope/dtype.h"
#include "varscope/error.h"
#include "varscope/shape.h"

namespace varscope {

/// The bytes behind one or more tensors; freed through its allocator when the last Tensor goes.
class TensorBuffer;

/// A value: dtype, fully defined shape, device, and shared storage. Copying a Tensor shares the
/// buffer (like a TF tensor handle); clone() copies the bytes. Host tensors are read with data<T>(),
/// item<T>() or to_vector<T>().
class Tensor {
 public:
  /// An undefined tensor (defined() is false).
  Tensor() = default;
  /// An uninitialized host tensor of this dtype and (fully defined) shape. Throws
  /// InvalidArgumentError for DType::kInvalid or a shape that is not fully defined.
  Tensor(DType dtype, Shape shape);

  /// A scalar holding `value` (dtype from T: 4 -> int32, 0.5f -> float32, 0.5 -> float64).
  template <class T>
  static Tensor scalar(T value) {
    Tensor t(dtype_of<T>(), Shape{});
    *t.data<T>() = value;
    return t;
  }
  /// A tensor of `shape` holding `values` (row-major); throws InvalidArgumentError on a size mismatch.
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, Shape shape);
  /// A rank-1 tensor holding `values`.
  template <class T>
  static Tensor from_vector(const std::vector<T>& values) {
    return from_vector(values, Shape{static_cast<std::int64_t>(values.size())});
  }
  /// A tensor over an existing buffer (used by backends and kernels). Throws InvalidArgumentError
  /// when the buffer is null or smaller than the shape needs.
  Tensor(DType dtype, Shape shape, std::shared_ptr<TensorBuffer> buffer);
  /// The storage behind this tensor (null when undefined), shared by its copies and reshapes.
  const std::shared_ptr<TensorBuffer>& buffer() const { return buffer_; }

  /// A host tensor filled with `value` converted to `dtype`.
  static Tensor filled(DType dtype, Shape shape, double value);
  static Tensor zeros(DType dtype, Shape shape) { return filled(dtype, std::move(shape), 0.0); }

  bool defined() const { return static_cast<bool>(buffer_); }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Device& device() const;
  std::int64_t num_elements() const { return shape_.num_elements(); }
  std::size_t nbytes() const { return static_cast<std::size_t>(num_elements()) * dtype_size(dtype_); }

  void* raw_data();
  const void* raw_data() const;
  /// Typed pointer to host data; throws InvalidArgumentError when T does not match dtype().
  template <class T>
  T* data() {
    check_access(dtype_of<T>());
    return static_cast<T*>(raw_data());
  }
  template <class T>
  const T* data() const {
    check_access(dtype_of<T>());
    return static_cast<const T*>(raw_data());
  }
  /// The single element of a one-element tensor, converted to T.
  template <class T>
  T item() const {
    if (num_elements() != 1) throw_not_single();
    return cast(dtype_of<T>()).template data<T>()[0];
  }
  /// All elements converted to T (from any numeric dtype, float16 and bfloat16 included).
  template <class T>
  std::vector<T> to_vector() const {
    Tensor c = cast(dtype_of<T>());
    const T* p = c.template data<T>();
    return std::vector<T>(p, p + c.num_elements());
  }

  /// A host copy converted to `dtype` (shares storage when the dtype already matches and the tensor
  /// is on the host). Conversions are TF's Cast: 16-bit floats round to nearest even; x != 0 gives
  /// true; floats to integers truncate (NaN gives 0); complex to real keeps the real part.
  Tensor cast(DType dtype) const;
  /// A deep copy on the same device.
  Tensor clone() const;
  /// The same storage seen with another shape of equal element count; throws InvalidArgumentError
  /// otherwise ("Cannot reshape a tensor with 6 elements to shape [4] (4 elements)").
  Tensor reshaped(Shape shape) const;
  /// True when both tensors use the same buffer.
  bool shares_buffer_with(const Tensor& other) const { return buffer_ && buffer_ == other.buffer_; }

  /// "Tensor<float32 (2, 3)> [1, 2, 3, 4, 5, 6]" (at most `max_elements` values).
  std::string debug_string(int max_elements = 16) const;

 private:
  void check_access(DType requested) const;
  [[noreturn]] void throw_not_single() const;

  std::shared_ptr<TensorBuffer> buffer_;
  DType dtype_ = DType::kInvalid;
  Shape shape_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& tensor);

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, Shape shape) {
  Tensor t(dtype_of<T>(), std::move(shape));
  if (static_cast<std::int64_t>(values.size()) != t.num_elements()) {
    throw InvalidArgumentError("Tensor::from_vector: " + std::to_string(values.size()) +
                               " values do not fill shape " + t.shape().to_string());
  }
  T* p = t.data<T>();
  for (std::size_t i = 0; i < values.size(); ++i) p[i] = values[i];
  return t;
}

}  // namespace varscope
