// Tensor shapes with TensorFlow's partial knowledge: unknown rank, unknown dimensions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

namespace varscope {

/// A possibly partially known shape. Prints as TF1 does: "(2, 3)", "(?, 3)", "(2,)", "()",
/// "<unknown>". Default-constructed it is the scalar shape "()".
class Shape {
 public:
  static constexpr std::int64_t kUnknownDim = -1;

  /// The scalar shape "()".
  Shape() = default;
  /// `{5, 5, 1, 32}`; -1 marks an unknown dimension.
  Shape(std::initializer_list<std::int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<std::int64_t> dims) : dims_(std::move(dims)) {}
  /// A shape of unknown rank (TF's `shape=None`), printed "<unknown>".
  static Shape unknown();

  bool has_known_rank() const { return known_rank_; }
  /// The rank; -1 when unknown.
  int rank() const { return known_rank_ ? static_cast<int>(dims_.size()) : -1; }
  /// Dimension i (negative i counts from the end); kUnknownDim when unknown.
  std::int64_t dim(int i) const;
  std::int64_t operator[](int i) const { return dim(i); }
  /// The dimensions (empty for a scalar or an unknown rank).
  const std::vector<std::int64_t>& dims() const { return dims_; }

  /// Known rank and every dimension known.
  bool is_fully_defined() const;
  /// Product of the dimensions (1 for a scalar); -1 when not fully defined.
  std::int64_t num_elements() const;
  /// TF's is_compatible_with: unknown rank, or equal rank with each pair equal or unknown.
  bool is_compatible_with(const Shape& other) const;
  /// The most specific shape compatible with both; throws ValueError when incompatible.
  Shape merge_with(const Shape& other) const;

  /// "(2, 3)", "(?, 3)", "(2,)", "()", "<unknown>".
  std::string to_string() const;
  /// Python-list form used by partition errors: "[2, 1, 1]".
  std::string to_list_string() const;

  bool operator==(const Shape& other) const = default;

 private:
  std::vector<std::int64_t> dims_;
  bool known_rank_ = true;
};

std::ostream& operator<<(std::ostream& os, const Shape& shape);

/// "[2, 1, 1]": a vector of integers as Python prints a list.
std::string list_to_string(const std::vector<std::int64_t>& values);

}  // namespace varscope
