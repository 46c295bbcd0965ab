// Kernels: (op, device type, dtype) -> function, and the context a kernel runs in.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/backend.h"
#include "varscope/graph.h"
#include "varscope/tensor.h"

namespace varscope {

/// The values of a session's variables, keyed by VariableV2 node.
class VariableValues {
 public:
  /// Undefined tensor when the variable is not initialized.
  Tensor get(const Node* variable) const;
  void set(const Node* variable, Tensor value);
  bool contains(const Node* variable) const;

 private:
  mutable std::mutex mutex_;
  std::map<const Node*, Tensor> values_;
};

/// What a kernel sees: its node (attrs, name for errors), input values, the backend, and the
/// session's variables. A kernel sets every output.
class KernelContext {
 public:
  /// Outputs and temporaries come from `activations` (the run's arena; the backend's allocator when
  /// null), outputs accounted as `output_category`.
  KernelContext(const Node& node, std::vector<Tensor> inputs, Backend& backend, VariableValues& variables,
                Allocator* activations = nullptr, MemoryCategory output_category = MemoryCategory::kActivation)
      : node_(node), inputs_(std::move(inputs)), outputs_(static_cast<std::size_t>(node.num_outputs())),
        backend_(backend), variables_(variables),
        activations_(activations ? *activations : backend.allocator()), output_category_(output_category) {}

  const Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Tensor& input(int i) const { return inputs_.at(static_cast<std::size_t>(i)); }
  /// A new output tensor of the node's output dtype `i` and the given shape.
  Tensor& allocate_output(int i, const Shape& shape);
  /// Scratch memory for the kernel's own use (im2col buffers...), freed when the tensor goes;
  /// accounted as Workspace.
  Tensor allocate_temp(DType dtype, const Shape& shape);
  void set_output(int i, Tensor value) { outputs_.at(static_cast<std::size_t>(i)) = std::move(value); }
  std::vector<Tensor>& outputs() { return outputs_; }
  Backend& backend() const { return backend_; }
  VariableValues& variables() const { return variables_; }
  /// Throws InvalidArgumentError "[Op] node 'name': message".
  [[noreturn]] void fail(const std::string& message) const;

 private:
  const Node& node_;
  std::vector<Tensor> inputs_;
  std::vector<Tensor> outputs_;
  Backend& backend_;
  VariableValues& variables_;
  Allocator& activations_;
  MemoryCategory output_category_;
};

using KernelFn = void (*)(KernelContext&);

/// The explicit list of kernels per backend. DType::kInvalid registers a kernel for every dtype.
class KernelRegistry {
 public:
  void add(std::string_view op, DeviceType device, DType dtype, KernelFn fn);
  /// The kernel for (op, device, dtype), falling back to the any-dtype kernel; nullptr if none.
  KernelFn find(std::string_view op, DeviceType device, DType dtype) const;
  /// "Op (dtype)" entries registered for `device`, sorted.
  std::vector<std::string> list(DeviceType device) const;

 private:
  std::map<std::tuple<std::string, DeviceType, DType>, KernelFn, std::less<>> kernels_;
};

/// The dtype a node's kernel is chosen by: attr "T", else attr "dtype", else output 0, else input 0.
DType kernel_dtype(const Node& node);

/// The registry holding every backend's kernels (filled on first use).
const KernelRegistry& kernel_registry();

}  // namespace varscope
