// Kernels: (op, device type, dtype) -> function, and the context a kernel runs in.
#pragma once

#include <algorithm>
#include <cstdint>
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
  /// Changes whenever a variable (a VariableV2 node) is given a new buffer, so captured device work
  /// that holds the old buffer's address knows it is stale. In-place updates keep it.
  std::uint64_t buffers_generation() const;

  using Snapshot = std::map<const Node*, Tensor>;
  /// Every value held now (variables and the state of stateful kernels such as random ops).
  Snapshot snapshot() const;
  /// Puts back a snapshot: a failed capture undoes what its kernels did on the host.
  void restore(Snapshot snapshot);

 private:
  mutable std::mutex mutex_;
  std::map<const Node*, Tensor> values_;
  std::uint64_t buffers_generation_ = 0;
};

/// What a kernel sees: its node (attrs, name for errors), input values, the backend, and the
/// session's variables. A kernel sets every output.
/// Kernel arguments that stay in host memory when the kernel runs on a device (TF's HostMemory):
/// the shapes, axes and sizes a launch needs before it can start, and shape-valued outputs.
struct HostMemory {
  std::vector<int> inputs{};
  std::vector<int> outputs{};
  /// Every output (ops with a variable number of them, like ShapeN).
  bool all_outputs = false;

  bool input(int i) const { return std::find(inputs.begin(), inputs.end(), i) != inputs.end(); }
  bool output(int i) const {
    return all_outputs || std::find(outputs.begin(), outputs.end(), i) != outputs.end();
  }
};

/// Where a kernel finds host memory for its HostMemory outputs (device kernels only).
struct HostSide {
  Backend* backend = nullptr;
  Allocator* activations = nullptr;
};

class KernelContext {
 public:
  /// Outputs and temporaries come from `activations` (the run's arena; the backend's allocator when
  /// null), outputs accounted as `output_category`. `host_memory` outputs come from `host`.
  KernelContext(const Node& node, std::vector<Tensor> inputs, Backend& backend, VariableValues& variables,
                Allocator* activations = nullptr, MemoryCategory output_category = MemoryCategory::kActivation,
                const HostMemory* host_memory = nullptr, HostSide host = {})
      : node_(node), inputs_(std::move(inputs)), outputs_(static_cast<std::size_t>(node.num_outputs())),
        backend_(backend), variables_(variables),
        activations_(activations ? *activations : backend.allocator()), output_category_(output_category),
        host_memory_(host_memory), host_(host) {}

  const Node& node() const { return node_; }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Tensor& input(int i) const { return inputs_.at(static_cast<std::size_t>(i)); }
  /// A new output tensor of the node's output dtype `i` and the given shape, on the kernel's device
  /// (on the host for a HostMemory output).
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
  /// A fused kernel (core/fusion.h) runs for several nodes, node() being the last: all of them, in
  /// order, so that its errors name the node at fault. Empty for other kernels.
  const std::vector<const Node*>& fused_nodes() const;
  void set_fused_nodes(const std::vector<const Node*>* nodes) { fused_nodes_ = nodes; }
  /// A fused kernel that produces the outputs of several of its nodes: output i is `outputs[i]`
  /// (its dtype, and where a variable's value goes), instead of node()'s output i.
  void set_fused_outputs(const std::vector<Output>* outputs);
  int num_outputs() const { return static_cast<int>(outputs_.size()); }

 private:
  const Node& node_;
  const std::vector<const Node*>* fused_nodes_ = nullptr;
  const std::vector<Output>* fused_outputs_ = nullptr;
  std::vector<Tensor> inputs_;
  std::vector<Tensor> outputs_;
  Backend& backend_;
  VariableValues& variables_;
  Allocator& activations_;
  MemoryCategory output_category_;
  const HostMemory* host_memory_;
  HostSide host_;
};

using KernelFn = void (*)(KernelContext&);

/// One registered kernel.
struct KernelDef {
  KernelFn fn = nullptr;
  /// Arguments in host memory (device kernels).
  HostMemory host_memory{};
  /// A device "kernel" that is the CPU kernel run on the host, as TF runs int32 shape arithmetic
  /// registered for GPUs: the node is placed on the CPU without a soft-placement warning.
  bool on_host = false;
};

/// The explicit list of kernels per backend. DType::kInvalid registers a kernel for every dtype.
class KernelRegistry {
 public:
  void add(std::string_view op, DeviceType device, DType dtype, KernelFn fn, HostMemory host_memory = {});
  /// Declares that (op, dtype) nodes placed on `device` run the CPU kernel on the host.
  void add_on_host(std::string_view op, DeviceType device, DType dtype);
  /// The kernel for (op, device, dtype), falling back to the any-dtype kernel; nullptr if none.
  const KernelDef* find(std::string_view op, DeviceType device, DType dtype) const;
  /// "Op (dtype)" entries registered for `device`, sorted.
  std::vector<std::string> list(DeviceType device) const;
  /// Op names with at least one kernel on `device`, sorted.
  std::vector<std::string> ops(DeviceType device) const;
  /// Calls fn(op, dtype, def) for every kernel of `device`, in (op, dtype) order.
  template <class Fn>
  void for_each(DeviceType device, Fn&& fn) const {
    for (const auto& [key, def] : kernels_) {
      if (std::get<1>(key) == device) fn(std::get<0>(key), std::get<2>(key), def);
    }
  }

 private:
  void insert(std::string_view op, DeviceType device, DType dtype, KernelDef def);

  std::map<std::tuple<std::string, DeviceType, DType>, KernelDef, std::less<>> kernels_;
};

/// The dtype a node's kernel is chosen by: attr "T", else attr "dtype", else output 0, else input 0.
DType kernel_dtype(const Node& node);

/// The registry holding every backend's kernels (filled on first use).
const KernelRegistry& kernel_registry();

}  // namespace varscope
