// OpDef: what an op is (TF op name, input checks, output dtypes and shapes). One per op type;
// devices are not mentioned here (kernels are).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "varscope/error.h"
#include "varscope/graph.h"

namespace varscope {

/// Shape inference context for one node under construction.
class InferenceContext {
 public:
  InferenceContext(const std::string& op, const std::string& node_name, const std::vector<Output>& inputs,
                   const AttrMap& attrs)
      : op_(op), node_name_(node_name), inputs_(inputs), attrs_(attrs) {}

  const std::string& op() const { return op_; }
  const std::string& node_name() const { return node_name_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Output& input(int i) const { return inputs_.at(static_cast<std::size_t>(i)); }
  DType input_dtype(int i) const { return input(i).dtype(); }
  const Shape& input_shape(int i) const { return input(i).shape(); }
  bool has_attr(std::string_view name) const { return attrs_.find(name) != attrs_.end(); }
  /// Throws InvalidArgumentError (via fail) when missing or of another type.
  template <class T>
  const T& attr(std::string_view name) const {
    auto it = attrs_.find(name);
    if (it == attrs_.end()) fail("missing attr '" + std::string(name) + "'");
    const T* p = std::get_if<T>(&it->second);
    if (!p) fail("attr '" + std::string(name) + "' has the wrong type");
    return *p;
  }
  /// The value of input i when it is produced by a Const node (for shapes and axes), else undefined.
  Tensor constant_input(int i) const;

  void add_output(DType dtype, Shape shape) {
    output_dtypes_.push_back(dtype);
    output_shapes_.push_back(std::move(shape));
  }
  /// Checks the input count; fails with "expects N inputs, got M".
  void expect_num_inputs(int n) const;
  /// Throws InvalidArgumentError "[Op] node 'name': message".
  [[noreturn]] void fail(const std::string& message) const;

  std::vector<DType>& output_dtypes() { return output_dtypes_; }
  std::vector<Shape>& output_shapes() { return output_shapes_; }

 private:
  const std::string& op_;
  const std::string& node_name_;
  const std::vector<Output>& inputs_;
  const AttrMap& attrs_;
  std::vector<DType> output_dtypes_;
  std::vector<Shape> output_shapes_;
};

struct OpDef {
  std::string name;
  /// Validates inputs and attrs and adds every output (dtype, shape).
  std::function<void(InferenceContext&)> infer;
  /// True for ops whose node must run even when nothing consumes it (Assign, NoOp).
  bool is_stateful = false;
  /// Inputs taken by reference (TF's Ref(T)): the op writes the variable there, so it runs on the
  /// variable's device and the input is never copied.
  std::vector<int> ref_inputs{};
};

/// All OpDefs, filled once from the explicit lists in core/ops/*.cpp.
class OpRegistry {
 public:
  static const OpRegistry& global();
  /// nullptr when unknown.
  const OpDef* find(std::string_view name) const;
  std::vector<std::string> names() const;
  void add(OpDef def);

 private:
  std::map<std::string, OpDef, std::less<>> defs_;
};

// The explicit registration lists (core/ops/*.cpp).
void register_array_ops(OpRegistry& registry);
void register_math_ops(OpRegistry& registry);
void register_random_ops(OpRegistry& registry);
void register_state_ops(OpRegistry& registry);
void register_nn_ops(OpRegistry& registry);
void register_training_ops(OpRegistry& registry);

}  // namespace varscope
