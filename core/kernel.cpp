#include "core/kernel.h"

#include <algorithm>

#include "core/tensor_buffer.h"
#include "core/variable_memory.h"
#include "varscope/error.h"

namespace varscope {
namespace {

// Ops whose output is the variable's new value: their outputs are accounted as variable memory
// (until the memory planner gives variables a pool of their own).
bool writes_variable(const std::string& op) {
  return op == "Assign" || op == "AssignAdd" || op == "AssignSub";
}

std::string kernel_key(std::string_view op, DType dtype) {
  return std::string(op) + " (" +
         (dtype == DType::kInvalid ? std::string("any") : std::string(dtype_name(dtype))) + ")";
}

}  // namespace

Tensor VariableValues::get(const Node* variable) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(variable);
  return it == values_.end() ? Tensor() : it->second;
}

void VariableValues::set(const Node* variable, Tensor value) {
  std::lock_guard lock(mutex_);
  Tensor& held = values_[variable];
  if (variable->op() == "VariableV2" && held.raw_data() != value.raw_data()) ++buffers_generation_;
  held = std::move(value);
}

std::uint64_t VariableValues::buffers_generation() const {
  std::lock_guard lock(mutex_);
  return buffers_generation_;
}

VariableValues::Snapshot VariableValues::snapshot() const {
  std::lock_guard lock(mutex_);
  return values_;
}

void VariableValues::restore(Snapshot snapshot) {
  std::lock_guard lock(mutex_);
  // Only a variable that comes back to another buffer (or none) makes captures stale.
  const auto buffer_of = [](const Snapshot& values, const Node* node) {
    const auto it = values.find(node);
    return it == values.end() ? nullptr : it->second.raw_data();
  };
  const auto changed = [&](const Snapshot& from, const Snapshot& to) {
    return std::any_of(from.begin(), from.end(), [&](const auto& entry) {
      return entry.first->op() == "VariableV2" && buffer_of(to, entry.first) != entry.second.raw_data();
    });
  };
  if (changed(values_, snapshot) || changed(snapshot, values_)) ++buffers_generation_;
  values_ = std::move(snapshot);
}

bool VariableValues::contains(const Node* variable) const {
  std::lock_guard lock(mutex_);
  return values_.contains(variable);
}

void KernelContext::set_fused_outputs(const std::vector<Output>* outputs) {
  fused_outputs_ = outputs;
  outputs_.assign(outputs ? outputs->size() : static_cast<std::size_t>(node_.num_outputs()), Tensor());
}

Tensor& KernelContext::allocate_output(int i, const Shape& shape) {
  if (i < 0 || i >= num_outputs()) {
    fail("allocate_output(" + std::to_string(i) + "): the node has " + std::to_string(num_outputs()) +
         " outputs");
  }
  if (!shape.is_fully_defined()) {
    fail("allocate_output(" + std::to_string(i) + "): shape " + shape.to_string() +
         " is not fully defined");
  }
  // The node whose output this is, and which of its outputs.
  const Node& owner = fused_outputs_ ? *(*fused_outputs_)[static_cast<std::size_t>(i)].node : node_;
  const int index = fused_outputs_ ? (*fused_outputs_)[static_cast<std::size_t>(i)].index : i;
  const DType dtype = owner.output_dtype(index);
  const auto bytes = static_cast<std::size_t>(shape.num_elements()) * dtype_size(dtype);
  // A variable's new value lives as long as the variable: the persistent pool, not the arena.
  const bool persistent = writes_variable(owner.op()) && !owner.inputs().empty();
  const MemoryCategory category = persistent ? variable_memory_category(*owner.inputs()[0].node) : output_category_;
  if (host_memory_ && host_memory_->output(i)) {
    if (!host_.backend || !host_.activations) {
      throw InternalError("[" + node_.op() + "] node '" + node_.name() + "': output " + std::to_string(i) +
                          " is in host memory, but the kernel was given no host allocator");
    }
    auto buffer = std::make_shared<TensorBuffer>(*host_.activations, bytes, category, Device::cpu());
    return outputs_.at(static_cast<std::size_t>(i)) = Tensor(dtype, shape, std::move(buffer));
  }
  auto buffer = std::make_shared<TensorBuffer>(persistent ? backend_.allocator() : activations_, bytes, category,
                                               Device{{}, {}, {}, backend_.device_type(), 0});
  Tensor& out = outputs_.at(static_cast<std::size_t>(i));
  out = Tensor(dtype, shape, std::move(buffer));
  return out;
}

Tensor KernelContext::allocate_temp(DType dtype, const Shape& shape) {
  if (!shape.is_fully_defined()) fail("allocate_temp: shape " + shape.to_string() + " is not fully defined");
  const auto bytes = static_cast<std::size_t>(shape.num_elements()) * dtype_size(dtype);
  auto buffer = std::make_shared<TensorBuffer>(activations_, bytes, MemoryCategory::kWorkspace,
                                               Device{{}, {}, {}, backend_.device_type(), 0});
  return Tensor(dtype, shape, std::move(buffer));
}

const std::vector<const Node*>& KernelContext::fused_nodes() const {
  static const std::vector<const Node*> kNone;
  return fused_nodes_ ? *fused_nodes_ : kNone;
}

void KernelContext::fail(const std::string& message) const {
  throw InvalidArgumentError("[" + node_.op() + "] node '" + node_.name() + "': " + message);
}

void KernelRegistry::add(std::string_view op, DeviceType device, DType dtype, KernelFn fn,
                         HostMemory host_memory) {
  if (!fn)
    throw InternalError("null kernel for " + kernel_key(op, dtype) + " on " +
                        std::string(device_type_name(device)));
  insert(op, device, dtype, KernelDef{fn, std::move(host_memory), false});
}

void KernelRegistry::add_on_host(std::string_view op, DeviceType device, DType dtype) {
  if (device == DeviceType::kCPU) {
    throw InternalError("add_on_host(" + kernel_key(op, dtype) + "): the CPU is the host");
  }
  insert(op, device, dtype, KernelDef{nullptr, {}, true});
}

void KernelRegistry::insert(std::string_view op, DeviceType device, DType dtype, KernelDef def) {
  auto [it, inserted] = kernels_.emplace(std::make_tuple(std::string(op), device, dtype), std::move(def));
  if (!inserted) {
    throw InternalError("kernel " + kernel_key(op, dtype) + " on " +
                        std::string(device_type_name(device)) + " is registered twice");
  }
}

const KernelDef* KernelRegistry::find(std::string_view op, DeviceType device, DType dtype) const {
  const std::string name(op);
  if (auto it = kernels_.find(std::make_tuple(name, device, dtype)); it != kernels_.end())
    return &it->second;
  if (auto it = kernels_.find(std::make_tuple(name, device, DType::kInvalid));
      it != kernels_.end()) {
    return &it->second;
  }
  return nullptr;
}

std::vector<std::string> KernelRegistry::ops(DeviceType device) const {
  std::vector<std::string> out;
  for (const auto& [key, def] : kernels_) {
    if (std::get<1>(key) == device && (out.empty() || out.back() != std::get<0>(key)))
      out.push_back(std::get<0>(key));
  }
  return out;
}

std::vector<std::string> KernelRegistry::list(DeviceType device) const {
  std::vector<std::string> out;
  for (const auto& [key, def] : kernels_) {
    if (std::get<1>(key) == device) out.push_back(kernel_key(std::get<0>(key), std::get<2>(key)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

DType kernel_dtype(const Node& node) {
  for (std::string_view attr : {"T", "dtype"}) {
    if (!node.has_attr(attr)) continue;
    if (const DType* d = std::get_if<DType>(&node.attr(attr))) return *d;
  }
  if (node.num_outputs() > 0) return node.output_dtype(0);
  if (!node.inputs().empty()) return node.inputs().front().dtype();
  return DType::kInvalid;
}

const KernelRegistry& kernel_registry() {
  // A function-local static: built exactly once, even with concurrent first calls.
  static const KernelRegistry registry = [] {
    KernelRegistry r;
    cpu_backend().register_kernels(r);
    if (Backend* gpu = cuda_backend()) gpu->register_kernels(r);
    return r;
  }();
  return registry;
}

}  // namespace varscope
