#include "varscope/tensor.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <sstream>
#include <type_traits>

#include "core/backend.h"
#include "core/tensor_buffer.h"

namespace varscope {
namespace {

using complex64_t = std::complex<float>;

template <class T>
struct Tag {
  using type = T;
};

// Calls f(Tag<T>{}) with T the C++ element type of `dtype`.
template <class F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::kFloat16:
      return f(Tag<Eigen::half>{});
    case DType::kBFloat16:
      return f(Tag<Eigen::bfloat16>{});
    case DType::kFloat32:
      return f(Tag<float>{});
    case DType::kFloat64:
      return f(Tag<double>{});
    case DType::kInt8:
      return f(Tag<std::int8_t>{});
    case DType::kInt16:
      return f(Tag<std::int16_t>{});
    case DType::kInt32:
      return f(Tag<std::int32_t>{});
    case DType::kInt64:
      return f(Tag<std::int64_t>{});
    case DType::kUInt8:
      return f(Tag<std::uint8_t>{});
    case DType::kUInt16:
      return f(Tag<std::uint16_t>{});
    case DType::kBool:
      return f(Tag<bool>{});
    case DType::kComplex64:
      return f(Tag<complex64_t>{});
    case DType::kInvalid:
      break;
  }
  throw InternalError("no element type for dtype " + std::string(dtype_name(dtype)));
}

template <class T>
constexpr bool is_reduced_float =
    std::is_same_v<T, Eigen::half> || std::is_same_v<T, Eigen::bfloat16>;

// One element from From to To with C++ conversion semantics (TF's Cast). float16/bfloat16 go
// through float; bool is x != 0; complex to real keeps the real part (as NumPy and TF do).
template <class To, class From>
To convert(From x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (is_reduced_float<From>) {
    return convert<To>(static_cast<float>(x));
  } else if constexpr (std::is_same_v<From, complex64_t>) {
    if constexpr (std::is_same_v<To, bool>)
      return x != complex64_t(0.0f, 0.0f);
    else
      return convert<To>(x.real());
  } else if constexpr (std::is_same_v<To, bool>) {
    return x != From(0);
  } else if constexpr (is_reduced_float<To>) {
    return To(static_cast<float>(x));
  } else if constexpr (std::is_same_v<To, complex64_t>) {
    return complex64_t(static_cast<float>(x), 0.0f);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    // A float outside the target range is undefined behaviour in C++; define it as NumPy does on
    // x86: truncate to int64 (NaN -> 0, saturating), then wrap to the narrower type.
    const double d = static_cast<double>(x);
    constexpr double kLimit = 9223372036854775808.0;  // 2^63
    if (std::isnan(d)) return To(0);
    if (d >= kLimit) return static_cast<To>(std::numeric_limits<std::int64_t>::max());
    if (d < -kLimit) return static_cast<To>(std::numeric_limits<std::int64_t>::min());
    return static_cast<To>(static_cast<std::int64_t>(d));
  } else {
    return static_cast<To>(x);
  }
}

void convert_elements(DType from, const void* src, DType to, void* dst, std::int64_t n) {
  visit_dtype(from, [&](auto from_tag) {
    using From = typename decltype(from_tag)::type;
    visit_dtype(to, [&](auto to_tag) {
      using To = typename decltype(to_tag)::type;
      const From* s = static_cast<const From*>(src);
      To* d = static_cast<To*>(dst);
      for (std::int64_t i = 0; i < n; ++i) d[i] = convert<To>(s[i]);
    });
  });
}

bool on_host(const Device& device) { return !device.type || *device.type == DeviceType::kCPU; }

// The backend owning memory on `device`.
Backend& backend_for(const Device& device) {
  if (on_host(device)) return cpu_backend();
  Backend* gpu = cuda_backend();
  if (!gpu)
    throw InternalError("tensor on " + device.to_string() + " but no CUDA backend is available");
  return *gpu;
}

std::shared_ptr<TensorBuffer> host_buffer(std::size_t bytes) {
  return std::make_shared<TensorBuffer>(cpu_backend().allocator(), bytes, MemoryCategory::kOther,
                                        Device::cpu());
}

std::string describe(DType dtype, const Shape& shape) {
  return "Tensor<" + std::string(dtype_name(dtype)) + " " + shape.to_string() + ">";
}

template <class T>
void print_element(std::ostream& os, T x) {
  if constexpr (std::is_same_v<T, bool>) {
    os << (x ? "true" : "false");
  } else if constexpr (std::is_same_v<T, complex64_t>) {
    os << '(' << x.real() << (x.imag() < 0 ? "-" : "+") << std::abs(x.imag()) << "j)";
  } else if constexpr (is_reduced_float<T>) {
    os << static_cast<float>(x);
  } else if constexpr (std::is_integral_v<T>) {
    os << static_cast<std::int64_t>(x);  // int8/uint8 as numbers, not characters
  } else {
    os << x;
  }
}

}  // namespace

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  if (dtype_ == DType::kInvalid)
    throw InvalidArgumentError("Tensor: dtype 'invalid' cannot hold values");
  if (!shape_.is_fully_defined()) {
    throw InvalidArgumentError("Tensor: shape " + shape_.to_string() + " is not fully defined");
  }
  buffer_ = host_buffer(nbytes());
}

Tensor::Tensor(DType dtype, Shape shape, std::shared_ptr<TensorBuffer> buffer)
    : buffer_(std::move(buffer)), dtype_(dtype), shape_(std::move(shape)) {
  if (dtype_ == DType::kInvalid)
    throw InvalidArgumentError("Tensor: dtype 'invalid' cannot hold values");
  if (!shape_.is_fully_defined()) {
    throw InvalidArgumentError("Tensor: shape " + shape_.to_string() + " is not fully defined");
  }
  if (!buffer_) throw InvalidArgumentError("Tensor: null buffer for " + describe(dtype_, shape_));
  if (buffer_->size() < nbytes()) {
    throw InvalidArgumentError("Tensor: buffer of " + std::to_string(buffer_->size()) +
                               " bytes is too small for " + describe(dtype_, shape_) + " (" +
                               std::to_string(nbytes()) + " bytes)");
  }
}

Tensor Tensor::filled(DType dtype, Shape shape, double value) {
  Tensor t(dtype, std::move(shape));
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = convert<T>(value);
    T* p = static_cast<T*>(t.raw_data());
    for (std::int64_t i = 0; i < t.num_elements(); ++i) p[i] = v;
  });
  return t;
}

const Device& Tensor::device() const {
  static const Device kNoDevice;
  return buffer_ ? buffer_->device() : kNoDevice;
}

void* Tensor::raw_data() { return buffer_ ? buffer_->data() : nullptr; }

const void* Tensor::raw_data() const { return buffer_ ? buffer_->data() : nullptr; }

Tensor Tensor::cast(DType dtype) const {
  if (!defined()) throw InvalidArgumentError("Tensor::cast: the tensor is undefined");
  if (dtype == DType::kInvalid)
    throw InvalidArgumentError("Tensor::cast: cannot cast to dtype 'invalid'");
  const bool host = on_host(device());
  if (dtype == dtype_ && host) return *this;
  // Bring device data to the host first; conversions run on the host.
  Tensor source = *this;
  if (!host) {
    source = Tensor(dtype_, shape_);
    backend_for(device()).copy_to_host(source.raw_data(), raw_data(), nbytes());
    if (dtype == dtype_) return source;
  }
  Tensor out(dtype, shape_);
  convert_elements(dtype_, source.raw_data(), dtype, out.raw_data(), num_elements());
  return out;
}

Tensor Tensor::clone() const {
  if (!defined()) return Tensor();
  Backend& backend = backend_for(device());
  auto buffer =
      std::make_shared<TensorBuffer>(backend.allocator(), nbytes(), buffer_->category(), device());
  if (nbytes() > 0) {
    if (on_host(device()))
      std::memcpy(buffer->data(), raw_data(), nbytes());
    else
      backend.copy_on_device(buffer->data(), raw_data(), nbytes());
  }
  return Tensor(dtype_, shape_, std::move(buffer));
}

Tensor Tensor::reshaped(Shape shape) const {
  if (!defined()) throw InvalidArgumentError("Tensor::reshaped: the tensor is undefined");
  if (!shape.is_fully_defined()) {
    throw InvalidArgumentError("Tensor::reshaped: shape " + shape.to_string() +
                               " is not fully defined");
  }
  if (shape.num_elements() != num_elements()) {
    throw InvalidArgumentError("Cannot reshape a tensor with " + std::to_string(num_elements()) +
                               " elements to shape " + shape.to_list_string() + " (" +
                               std::to_string(shape.num_elements()) + " elements)");
  }
  return Tensor(dtype_, std::move(shape), buffer_);
}

std::string Tensor::debug_string(int max_elements) const {
  if (!defined()) return "Tensor<undefined>";
  std::ostringstream os;
  os << describe(dtype_, shape_);
  if (!on_host(device())) os << " on " << device().to_string();
  const Tensor host = on_host(device()) ? *this : cast(dtype_);
  const std::int64_t n = num_elements();
  const std::int64_t shown = std::min<std::int64_t>(n, std::max(max_elements, 0));
  os << " [";
  visit_dtype(dtype_, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = static_cast<const T*>(host.raw_data());
    for (std::int64_t i = 0; i < shown; ++i) {
      if (i > 0) os << ", ";
      print_element(os, p[i]);
    }
  });
  if (shown < n) os << (shown > 0 ? ", ..." : "...");
  os << "]";
  return os.str();
}

void Tensor::check_access(DType requested) const {
  if (!defined()) {
    throw InvalidArgumentError("Tensor: cannot access the data of an undefined tensor as " +
                               std::string(dtype_name(requested)));
  }
  if (requested != dtype_) {
    throw InvalidArgumentError("Tensor: cannot access " + describe(dtype_, shape_) + " as " +
                               std::string(dtype_name(requested)) + " (it holds " +
                               std::string(dtype_name(dtype_)) + ")");
  }
  if (!on_host(device())) {
    throw InvalidArgumentError("Tensor: " + describe(dtype_, shape_) + " is on " +
                               device().to_string() +
                               ", not on the host; cast() or copy it to the host first");
  }
}

void Tensor::throw_not_single() const {
  throw InvalidArgumentError("Tensor::item: " + describe(dtype_, shape_) + " has " +
                             std::to_string(num_elements()) + " elements, not 1");
}

std::ostream& operator<<(std::ostream& os, const Tensor& tensor) {
  return os << tensor.debug_string();
}

}  // namespace varscope
