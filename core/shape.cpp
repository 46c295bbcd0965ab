#include "varscope/shape.h"

#include "varscope/error.h"

namespace varscope {
namespace {

std::string dim_string(std::int64_t d) { return d < 0 ? "?" : std::to_string(d); }

bool dims_compatible(std::int64_t a, std::int64_t b) { return a < 0 || b < 0 || a == b; }

}  // namespace

Shape Shape::unknown() {
  Shape s;
  s.known_rank_ = false;
  return s;
}

std::int64_t Shape::dim(int i) const {
  if (!known_rank_) return kUnknownDim;
  const int r = rank();
  const int j = i < 0 ? i + r : i;
  if (j < 0 || j >= r) {
    throw ValueError("Dimension index " + std::to_string(i) + " is out of range for shape " +
                     to_string());
  }
  return dims_[static_cast<std::size_t>(j)];
}

bool Shape::is_fully_defined() const {
  if (!known_rank_) return false;
  for (std::int64_t d : dims_) {
    if (d < 0) return false;
  }
  return true;
}

std::int64_t Shape::num_elements() const {
  if (!is_fully_defined()) return -1;
  std::int64_t n = 1;
  for (std::int64_t d : dims_) n *= d;
  return n;
}

bool Shape::is_compatible_with(const Shape& other) const {
  if (!known_rank_ || !other.known_rank_) return true;
  if (dims_.size() != other.dims_.size()) return false;
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    if (!dims_compatible(dims_[i], other.dims_[i])) return false;
  }
  return true;
}

Shape Shape::merge_with(const Shape& other) const {
  if (!is_compatible_with(other)) {
    throw ValueError("Shapes " + to_string() + " and " + other.to_string() + " are not compatible");
  }
  if (!known_rank_) return other;
  if (!other.known_rank_) return *this;
  std::vector<std::int64_t> merged(dims_.size());
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    merged[i] = dims_[i] >= 0 ? dims_[i] : other.dims_[i];
  }
  return Shape(std::move(merged));
}

std::string Shape::to_string() const {
  if (!known_rank_) return "<unknown>";
  if (dims_.size() == 1) return "(" + dim_string(dims_[0]) + ",)";  // Python's 1-tuple
  std::string s = "(";
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    if (i > 0) s += ", ";
    s += dim_string(dims_[i]);
  }
  return s + ")";
}

std::string Shape::to_list_string() const {
  if (!known_rank_) return "None";
  std::string s = "[";
  for (std::size_t i = 0; i < dims_.size(); ++i) {
    if (i > 0) s += ", ";
    s += dims_[i] < 0 ? "None" : std::to_string(dims_[i]);
  }
  return s + "]";
}

std::ostream& operator<<(std::ostream& os, const Shape& shape) { return os << shape.to_string(); }

std::string list_to_string(const std::vector<std::int64_t>& values) {
  std::string s = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(values[i]);
  }
  return s + "]";
}

}  // namespace varscope
