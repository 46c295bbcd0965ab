// Variables: Variable (tf.Variable in TF1 graph mode), PartitionedVariable, PartitionInfo.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "varscope/constraints.h"
#include "varscope/graph.h"
#include "varscope/initializers.h"
#include "varscope/source_location.h"

namespace varscope {

struct VariableData;
struct PartitionedVariableData;

/// Where a shard sits in its full variable (TF's _PartitionInfo): handed to initializers of shards.
struct PartitionInfo {
  std::vector<std::int64_t> full_shape{};
  std::vector<std::int64_t> var_offset{};

  /// Throws ValueError when the lengths differ or an offset is outside [0, full_shape[i]).
  PartitionInfo(std::vector<std::int64_t> full_shape, std::vector<std::int64_t> var_offset);
  /// The offset along the single sliced dimension of a shard of `shape` (0 when unpartitioned).
  std::int64_t single_offset(const Shape& shape) const;
  /// The sliced dimension of a shard of `shape`, or -1 when it is the whole variable. Throws
  /// ValueError for a shape of another rank, a shard that does not fit, or two sliced dimensions.
  int single_slice_dim(const Shape& shape) const;
};

/// Where a shard's values go when saved under its full name (TF's Variable.SaveSliceInfo).
struct SaveSliceInfo {
  std::string full_name{};
  std::vector<std::int64_t> full_shape{};
  std::vector<std::int64_t> var_offset{};
  std::vector<std::int64_t> var_shape{};
};

/// Options of the Variable constructor, in tf.Variable's keyword order.
struct VariableOptions {
  /// Default: the current collections of a trainable global variable.
  bool trainable = true;
  /// Default {GLOBAL_VARIABLES}; TRAINABLE_VARIABLES is added when trainable.
  std::optional<std::vector<std::string>> collections{};
  bool validate_shape = true;
  /// Device for reads; "" or unset = colocated with the variable.
  std::string caching_device{};
  /// Name, relative to the current name scope and uniquified; default "Variable".
  std::string name{};
  /// Converts the initial value to this dtype when set (and checks it is a compatible value).
  std::optional<DType> dtype{};
  Constraint constraint{};
};

/// A variable in a graph: a VariableV2 node "F", its initializing Assign "F/Assign" and read
/// snapshot "F/read". A cheap handle: copies refer to the same variable and compare equal
/// (TF's `is`). Converts to its read value, so it can be passed to any op.
class Variable {
 public:
  /// A null handle.
  Variable() = default;
  /// tf.Variable(initial_value): named under the current name scope ("foo/Variable_1"), never
  /// entered into the variable store (get_variable cannot reuse it).
  explicit Variable(const Output& initial_value, VariableOptions options = {});
  explicit Variable(const Tensor& initial_value, VariableOptions options = {});

  explicit operator bool() const { return static_cast<bool>(data_); }
  /// "foo/v:0".
  std::string name() const;
  /// "foo/v" (the op name; "foo/v_1" if an op "foo/v" already existed).
  const std::string& op_name() const;
  const Shape& shape() const;
  DType dtype() const;
  bool trainable() const;
  /// The VariableV2 node.
  Node* op() const;
  /// The read snapshot "F/read:0" (on the caching device when one is set).
  Output value() const;
  operator Output() const { return value(); }
  /// The initializing Assign node "F/Assign".
  Node* initializer() const;
  /// The tensor the variable is initialized from.
  Output initial_value() const;
  /// Requested device of the variable op ("" = unconstrained).
  const std::string& device() const;
  /// The device reads come from ("" = the variable's own).
  const std::string& caching_device() const;
  const Constraint& constraint() const;
  /// Set on shards of a PartitionedVariable.
  const std::optional<SaveSliceInfo>& save_slice_info() const;
  /// Where this variable was created (get_variable's caller).
  const SourceLocation& creation_site() const;

  bool operator==(const Variable& other) const { return data_ == other.data_; }
  /// Internal state (core/variable_data.h).
  const std::shared_ptr<VariableData>& data() const { return data_; }
  explicit Variable(std::shared_ptr<VariableData> data) : data_(std::move(data)) {}

 private:
  std::shared_ptr<VariableData> data_;
};

/// A variable split into shards "F/part_0" ... along one axis. Its name has no ":0" ("scope/F");
/// converting it to a tensor concatenates the shards into "F:0". Only the shards enter collections.
class PartitionedVariable {
 public:
  PartitionedVariable() = default;

  explicit operator bool() const { return static_cast<bool>(data_); }
  /// "scope/F" (no ":0").
  const std::string& name() const;
  /// The full shape.
  const Shape& shape() const;
  DType dtype() const;
  /// Partitions per axis, e.g. [2, 1, 1].
  const std::vector<std::int64_t>& partitions() const;
  /// The shards in order.
  const std::vector<Variable>& shards() const;
  std::size_t size() const { return shards().size(); }
  std::vector<Variable>::const_iterator begin() const { return shards().begin(); }
  std::vector<Variable>::const_iterator end() const { return shards().end(); }
  /// The shards concatenated along the sliced axis, named "F:0" (built once, on first use).
  Output as_tensor() const;
  operator Output() const { return as_tensor(); }

  bool operator==(const PartitionedVariable& other) const { return data_ == other.data_; }
  const std::shared_ptr<PartitionedVariableData>& data() const { return data_; }
  explicit PartitionedVariable(std::shared_ptr<PartitionedVariableData> data) : data_(std::move(data)) {}

 private:
  std::shared_ptr<PartitionedVariableData> data_;
};

}  // namespace varscope
