// Session: builds a Plan per (fetches, feeds, targets) signature, caches it, and executes it.
//
// A Plan is everything that can be decided without values: which nodes run (in id order, which is a
// topological order because the graph is append-only), where each runs and with which kernel
// (core/placement.cpp, before anything runs), the copies between devices (explicit steps, one per
// value and destination), where each value lives (a slot), and when a slot can be released.
#include "varscope/session.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <map>
#include <stdexcept>
#include <mutex>
#include <new>
#include <unordered_set>

#include "core/activation_arena.h"
#include "core/backend.h"
#include "core/constant_folding.h"
#include "core/device_set.h"
#include "core/fusion.h"
#include "core/kernel.h"
#include "core/logging.h"
#include "core/op_def.h"
#include "core/placement.h"
#include "core/plan.h"
#include "core/step_capture.h"
#include "core/tensor_buffer.h"
#include "core/variable_memory.h"
#include "varscope/collections.h"
#include "varscope/device.h"
#include "varscope/error.h"

namespace varscope {
namespace {

// Assign writes a variable that may not hold a value yet; every other reader needs one.
bool may_read_uninitialized(const Node& node, int input) { return input == 0 && node.op() == "Assign"; }

bool is_variable_op(const Node& node) { return node.op() == "VariableV2"; }

bool is_ref_input(const Node& node, int input) {
  const OpDef* def = OpRegistry::global().find(node.op());
  return def && std::find(def->ref_inputs.begin(), def->ref_inputs.end(), input) != def->ref_inputs.end();
}

std::string uninitialized_message(const Node& variable) {
  return "Attempting to use uninitialized value " + variable.name();
}

// The op name a copy step shows as (placed_graph, step stats).
std::string copy_op(const Step& step) {
  if (step.copy_source == 0) return "_HostToDevice";
  return step.device == 0 ? "_DeviceToHost" : "_DeviceToDevice";
}

// Nodes built by gradients() ("gradients/...", "gradients_1/...") produce gradients.
bool is_gradient_node(const Node& node) {
  const std::string& name = node.name();
  const std::string_view first = std::string_view(name).substr(0, name.find('/'));
  if (first.substr(0, 9) != "gradients" || first.size() == name.size()) return false;
  const std::string_view suffix = first.substr(9);
  if (suffix.empty()) return true;
  return suffix[0] == '_' && suffix.size() > 1 &&
         std::all_of(suffix.begin() + 1, suffix.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct PlanKey {
  std::vector<Output> fetches;
  std::vector<Output> feeds;  // sorted: feed order does not change the plan
  std::vector<Node*> targets;

  auto operator<=>(const PlanKey&) const = default;
};

std::string device_suffix(const Device& device) {
  return std::string(device_type_name(*device.type)) + "_" + std::to_string(device.index.value_or(0));
}

}  // namespace

/// The marks of a traced run: per step, its device's queue before and after, and host times.
struct StepTrace {
  struct Entry {
    int device = 0;
    std::unique_ptr<QueueMark> before, after;
    double host_micros = 0;
  };
  std::vector<Entry> entries;  // one per step, in order
};

struct SessionImpl {
  SessionImpl(Graph& g, SessionOptions o, std::shared_ptr<const DeviceSet> d)
      : graph(g), options(std::move(o)), devices(std::move(d)) {
    if (!devices) devices = DeviceSet::local();
    placement.default_device = Device::parse(options.device);
    placement.allow_soft_placement = options.allow_soft_placement;
  }

  Graph& graph;
  SessionOptions options;
  std::shared_ptr<const DeviceSet> devices;
  PlacementOptions placement;
  VariableValues variables;

  std::mutex plans_mutex;
  std::map<PlanKey, std::shared_ptr<const Plan>> plans;

  std::shared_ptr<const Plan> plan_for(const PlanKey& key);
  std::shared_ptr<Plan> build_plan(const PlanKey& key) const;
  Tensor read(const ValueRef& ref, const std::vector<Tensor>& values, const Node* consumer, int input) const;
  using Arenas = std::vector<std::unique_ptr<ActivationArena>>;
  /// Runs the plan: its steps, then its fetches. Captures the run when `capturing` is given.
  std::vector<Tensor> run_plan(const Plan& plan, std::vector<Tensor>& values, RunResources& resources,
                               StepTrace* trace);
  std::vector<Tensor> run_steps(const Plan& plan, std::vector<Tensor>& values, Arenas& arenas,
                                CapturedRun* capturing, StepTrace* trace = nullptr);
  std::vector<Tensor> replay(std::vector<Tensor>& values, CapturedRun& captured);
  void execute(const Step& step, std::vector<Tensor>& values, Arenas& arenas, CapturedRun* capturing);
  /// The step stats of a traced run.
  void report(const Plan& plan, const StepTrace& trace, RunMetadata& metadata) const;
  /// The value of a Const step, made once on its device.
  Tensor constant_on(const Node& node, int device) const;

  std::atomic<std::int64_t> captures{0};
  std::atomic<std::int64_t> replays{0};
  std::atomic<std::int64_t> capture_failures{0};
  std::atomic<std::int64_t> last_capture_operations{0};
  void check_tensor(const Output& output, const std::string& role) const;
  void check_target(const Node* node) const;
  /// `value` on device `to` (itself when it is there already), through the backends' copies.
  Tensor copy_to(const Tensor& value, int to, Allocator& allocator, MemoryCategory category) const;
  /// The device index of the tensor's buffer.
  int device_of(const Tensor& value) const;
  /// Where `variable` lives: its value's device, else where placement puts it.
  int variable_device(const Node& variable) const;
};

namespace {

void check_feed(const Output& output, const Tensor& value) {
  if (!value.defined()) {
    throw InvalidArgumentError("Cannot feed an undefined Tensor for Tensor '" + output.name() + "'");
  }
  if (value.dtype() != output.dtype()) {
    throw InvalidArgumentError("Cannot feed value of dtype " + std::string(dtype_name(value.dtype())) +
                               " for Tensor '" + output.name() + "', which has dtype " +
                               std::string(dtype_name(output.dtype())));
  }
  if (!value.shape().is_compatible_with(output.shape())) {
    throw InvalidArgumentError("Cannot feed value of shape " + value.shape().to_string() + " for Tensor '" +
                               output.name() + "', which has shape '" + output.shape().to_string() + "'");
  }
}

}  // namespace

void SessionImpl::check_tensor(const Output& o, const std::string& role) const {
  if (!o.node) throw InvalidArgumentError("Session::run: a null " + role + " was given");
  const std::string name = o.node->name() + ":" + std::to_string(o.index);
  if (&o.node->graph() != &graph) throw InvalidArgumentError("Tensor '" + name + "' is not an element of this graph.");
  if (o.index < 0 || o.index >= o.node->num_outputs()) {
    throw InvalidArgumentError("The " + role + " '" + name + "' does not exist: node '" + o.node->name() + "' has " +
                               std::to_string(o.node->num_outputs()) + " outputs");
  }
}

void SessionImpl::check_target(const Node* node) const {
  if (!node) throw InvalidArgumentError("Session::run: a null target was given");
  if (&node->graph() != &graph) {
    throw InvalidArgumentError("Operation '" + node->name() + "' is not an element of this graph.");
  }
}

std::shared_ptr<const Plan> SessionImpl::plan_for(const PlanKey& key) {
  {
    std::lock_guard lock(plans_mutex);
    if (auto it = plans.find(key); it != plans.end()) return it->second;
  }
  // Built outside the lock: plans are pure functions of the key, so a concurrent duplicate is
  // harmless.
  std::shared_ptr<const Plan> plan = build_plan(key);
  std::lock_guard lock(plans_mutex);
  return plans.emplace(key, std::move(plan)).first->second;
}

std::shared_ptr<Plan> SessionImpl::build_plan(const PlanKey& key) const {
  for (const Output& o : key.fetches) check_tensor(o, "fetch");
  for (const Output& o : key.feeds) check_tensor(o, "feed");
  for (const Node* t : key.targets) check_target(t);
  if (auto dup = std::adjacent_find(key.feeds.begin(), key.feeds.end()); dup != key.feeds.end()) {
    throw InvalidArgumentError("Tensor '" + dup->name() + "' is fed more than once");
  }

  const auto fed = [&](const Output& o) { return std::binary_search(key.feeds.begin(), key.feeds.end(), o); };

  // Needed nodes: the closure over inputs and control inputs, stopping at fed tensors.
  std::unordered_set<Node*> needed;
  std::vector<Node*> stack;
  const auto visit = [&](Node* n) {
    if (needed.insert(n).second) stack.push_back(n);
  };
  for (const Output& o : key.fetches) {
    if (!fed(o)) visit(o.node);
  }
  for (Node* t : key.targets) visit(t);
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Output& in : n->inputs()) {
      if (!fed(in)) visit(in.node);
    }
    for (Node* c : n->control_inputs()) visit(c);
  }
  std::vector<Node*> order(needed.begin(), needed.end());
  std::sort(order.begin(), order.end(), [](const Node* a, const Node* b) { return a->id() < b->id(); });

  for (Node* n : order) {
    if (n->op() == "Placeholder") {
      throw InvalidArgumentError("You must feed a value for placeholder tensor '" + n->name() + "' with dtype " +
                                 std::string(dtype_name(n->output_dtype(0))) + " and shape " +
                                 n->output_shape(0).to_string());
    }
  }
  // Every node's device and kernel are known before anything runs.
  const std::unordered_map<const Node*, NodePlacement> placed = place_nodes(order, *devices, placement);

  auto plan = std::make_shared<Plan>();
  constexpr int kHost = 0;
  std::vector<int>& slot_device = plan->slot_device;  // where each slot's value lives
  for (const Output& o : key.feeds) {
    plan->feed_slots.emplace(o, plan->num_slots++);
    slot_device.push_back(kHost);  // feeds arrive in host memory
  }

  std::map<const Node*, int> first_slot_of;
  std::map<std::pair<int, int>, int> copies;  // (slot, device) -> the slot of its copy there
  const auto new_slots = [&](Step& step, int count, int device, const HostMemory* host_memory) {
    step.first_slot = plan->num_slots;
    step.num_outputs = count;
    plan->num_slots += count;
    for (int k = 0; k < count; ++k) slot_device.push_back(host_memory && host_memory->output(k) ? kHost : device);
  };
  // A step copying `source` (produced on `from`) to `to`, placed just before its first consumer.
  const auto add_copy = [&](const ValueRef& source, const Output& output, int from, int to) {
    Step copy;
    copy.node = output.node;
    copy.device = to;
    copy.copy_source = from;
    copy.copy_name = "_copy/" + output.node->name() + "_" + std::to_string(output.index) + "/to_" +
                     device_suffix(devices->device(to));
    copy.category = is_gradient_node(*output.node) ? MemoryCategory::kGradient : MemoryCategory::kActivation;
    copy.inputs.push_back(source);
    copy.ref_inputs.push_back(false);
    copy.input_devices.push_back(from);
    new_slots(copy, 1, to, nullptr);
    plan->steps.push_back(std::move(copy));
    return plan->steps.back().first_slot;
  };

  // The value of `o` on `device`: a slot, the variable itself, or a copy.
  const auto value_on = [&](const Output& o, int device, bool by_reference) {
    ValueRef ref;
    int from = kHost;
    if (auto it = plan->feed_slots.find(o); it != plan->feed_slots.end()) {
      ref.slot = it->second;
    } else if (is_variable_op(*o.node)) {
      ref.variable = o.node;
      from = placed.at(o.node).device;
    } else {
      ref.slot = first_slot_of.at(o.node) + o.index;
    }
    if (ref.slot >= 0) from = slot_device[static_cast<std::size_t>(ref.slot)];
    if (from == device || by_reference) return std::pair{ref, from};
    if (ref.slot >= 0) {
      auto [it, inserted] = copies.emplace(std::pair{ref.slot, device}, -1);
      if (inserted) it->second = add_copy(ref, o, from, device);
      return std::pair{ValueRef{it->second, nullptr}, device};
    }
    // A variable read on another device (a caching device): one copy per reader and run, made
    // when the reader runs, so it sees assignments earlier in the run.
    return std::pair{ValueRef{add_copy(ref, o, from, device), nullptr}, device};
  };

  for (Node* n : order) {
    if (is_variable_op(*n)) continue;  // read through ValueRef::variable, see ValueRef
    const NodePlacement& where = placed.at(n);
    Step step;
    step.node = n;
    step.kernel = where.kernel;
    step.device = where.device;
    step.category = is_gradient_node(*n) ? MemoryCategory::kGradient : MemoryCategory::kActivation;
    const HostMemory* host_memory = step.device == kHost ? nullptr : &step.kernel->host_memory;
    for (int i = 0; i < static_cast<int>(n->inputs().size()); ++i) {
      const int wanted = host_memory && host_memory->input(i) ? kHost : step.device;
      auto [ref, device] = value_on(n->inputs()[static_cast<std::size_t>(i)], wanted, is_ref_input(*n, i));
      step.inputs.push_back(ref);
      step.input_devices.push_back(wanted);
      step.ref_inputs.push_back(is_ref_input(*n, i));
    }
    new_slots(step, n->num_outputs(), step.device, host_memory);
    if (n->op() == "Const") step.constants = {constant_on(*n, step.device)};
    first_slot_of.emplace(n, step.first_slot);
    plan->steps.push_back(std::move(step));
  }

  // Fetches are read where they are and copied to the host when the run ends.
  for (const Output& o : key.fetches) {
    ValueRef ref;
    if (auto it = plan->feed_slots.find(o); it != plan->feed_slots.end()) {
      ref.slot = it->second;
    } else if (is_variable_op(*o.node)) {
      ref.variable = o.node;
    } else {
      ref.slot = first_slot_of.at(o.node) + o.index;
    }
    plan->fetches.push_back(ref);
  }

  if (options.fold_constants) {
    fold_constants(*plan, *devices, [this](const Tensor& value, int device) {
      return copy_to(value, device, devices->backend(device).allocator(), MemoryCategory::kOther);
    });
  }
  fuse_steps(*plan, *devices);

  // Liveness: a slot is released after its last consumer; fetched slots are kept to the end.
  std::vector<int> last_use(static_cast<std::size_t>(plan->num_slots), -1);
  for (std::size_t i = 0; i < plan->steps.size(); ++i) {
    const Step& step = plan->steps[i];
    for (const ValueRef& in : step.inputs) {
      if (in.slot >= 0) last_use[static_cast<std::size_t>(in.slot)] = static_cast<int>(i);
    }
    // Outputs nobody reads go right after they are produced.
    for (int k = 0; k < step.num_outputs; ++k) {
      int& last = last_use[static_cast<std::size_t>(step.first_slot + k)];
      last = std::max(last, static_cast<int>(i));
    }
  }
  std::vector<bool> fetched(static_cast<std::size_t>(plan->num_slots), false);
  for (const ValueRef& ref : plan->fetches) {
    if (ref.slot >= 0) fetched[static_cast<std::size_t>(ref.slot)] = true;
  }
  for (std::size_t s = 0; s < last_use.size(); ++s) {
    if (last_use[s] >= 0 && !fetched[s])
      plan->steps[static_cast<std::size_t>(last_use[s])].release.push_back(static_cast<int>(s));
  }

  analyze_capture(*plan, *devices);
  if (options.capture_cuda_graphs && plan->capture_device < 0) {
    for (int d = 0; d < devices->size(); ++d) {
      if (devices->backend(d).supports_capture()) {
        log_info("Session: runs of a plan are not captured as a CUDA graph: " + plan->not_capturable);
        break;
      }
    }
  }

  if (options.log_device_placement) {
    for (const Step& step : plan->steps) {
      const std::string device = full_device_name(devices->device(step.device));
      if (step.is_copy()) {
        log_info(step.copy_name + ": (copy from " +
                 devices->device(step.copy_source).to_string() + "): " + device);
      } else {
        if (!step.fused_op.empty()) {  // the fused chain's first node runs there too
          const Node& first = *step.node->inputs().front().node;
          log_info(first.name() + ": (" + first.op() + "): " + device);
        }
        log_info(step.node->name() + ": (" + step.node->op() + "): " + device);
      }
    }
  }
  return plan;
}

int SessionImpl::device_of(const Tensor& value) const { return std::max(devices->find(value.device()), 0); }

Tensor SessionImpl::copy_to(const Tensor& value, int to, Allocator& allocator, MemoryCategory category) const {
  const int from = device_of(value);
  if (from == to || !value.defined()) return value;
  constexpr int kHost = 0;
  Tensor out(value.dtype(), value.shape(),
             std::make_shared<TensorBuffer>(allocator, value.nbytes(), category, devices->device(to)));
  if (value.nbytes() == 0) return out;
  if (from == kHost) {
    devices->backend(to).copy_from_host(out.raw_data(), value.raw_data(), value.nbytes());
  } else if (to == kHost) {
    devices->backend(from).copy_to_host(out.raw_data(), value.raw_data(), value.nbytes());
  } else {  // device to device: through the host (one GPU per process for now)
    Tensor staged = copy_to(value, kHost, devices->backend(kHost).allocator(), category);
    devices->backend(to).copy_from_host(out.raw_data(), staged.raw_data(), value.nbytes());
  }
  return out;
}

Tensor SessionImpl::read(const ValueRef& ref, const std::vector<Tensor>& values, const Node* consumer,
                         int input) const {
  if (ref.variable) {
    Tensor value = variables.get(ref.variable);
    if (!value.defined() && !(consumer && may_read_uninitialized(*consumer, input))) {
      throw FailedPreconditionError(uninitialized_message(*ref.variable));
    }
    return value;
  }
  return values[static_cast<std::size_t>(ref.slot)];
}

Tensor SessionImpl::constant_on(const Node& node, int device) const {
  // On the host the attr itself (shared: kernels never write their inputs, fetches are copied).
  return copy_to(node.attr_as<Tensor>("value"), device, devices->backend(device).allocator(), MemoryCategory::kOther);
}

void SessionImpl::execute(const Step& step, std::vector<Tensor>& values, Arenas& arenas, CapturedRun* capturing) {
  const Node& node = *step.node;
  ActivationArena& arena = *arenas[static_cast<std::size_t>(step.device)];
  if (step.is_constant()) {
    for (std::size_t k = 0; k < step.constants.size(); ++k)
      values[static_cast<std::size_t>(step.first_slot) + k] = step.constants[k];
    for (int s : step.release) values[static_cast<std::size_t>(s)] = Tensor();
    return;
  }
  if (step.is_copy()) {
    const ValueRef& from = step.inputs[0];
    const Tensor source = read(from, values, nullptr, -1);
    Tensor& out = values[static_cast<std::size_t>(step.first_slot)];
    const bool fed = from.slot >= 0 && from.slot < static_cast<int>(capturing ? capturing->feeds->size() : 0);
    if (fed && source.nbytes() > 0) {
      // A captured upload of a feed: the bytes of whichever feed the replayed run was given.
      out = Tensor(source.dtype(), source.shape(),
                   std::make_shared<TensorBuffer>(arena, source.nbytes(), step.category, devices->device(step.device)));
      devices->backend(step.device)
          .upload_each_run(out.raw_data(), source.nbytes(),
                           [feeds = capturing->feeds, slot = from.slot, bytes = source.nbytes()](void* dst) {
                             std::memcpy(dst, (*feeds)[static_cast<std::size_t>(slot)].raw_data(), bytes);
                           });
    } else {
      out = copy_to(source, step.device, arena, step.category);
    }
    for (int s : step.release) values[static_cast<std::size_t>(s)] = Tensor();
    return;
  }

  const auto where = [&] { return "[" + node.op() + "] node '" + node.name() + "': "; };
  Backend& backend = devices->backend(step.device);
  std::vector<Tensor> inputs;
  inputs.reserve(step.inputs.size());
  for (std::size_t i = 0; i < step.inputs.size(); ++i) {
    Tensor value = read(step.inputs[i], values, &node, static_cast<int>(i));
    if (!value.defined() && !may_read_uninitialized(node, static_cast<int>(i))) {
      throw InternalError(where() + "input " + std::to_string(i) + " has no value");
    }
    // A variable whose value lives elsewhere than this plan expects (it was initialized by a plan
    // that placed it on another device): written through a reference, it moves here for good;
    // read, it is copied for this run.
    const int wanted = step.input_devices[i];
    if (value.defined() && device_of(value) != wanted) {
      if (step.inputs[i].variable && step.ref_inputs[i]) {
        value = copy_to(value, wanted, devices->backend(wanted).allocator(),
                        variable_memory_category(*step.inputs[i].variable));
        variables.set(step.inputs[i].variable, value);
      } else {
        value = copy_to(value, wanted, *arenas[static_cast<std::size_t>(wanted)], step.category);
      }
    }
    inputs.push_back(std::move(value));
  }

  constexpr int kHost = 0;
  const HostMemory* host_memory = step.device == kHost ? nullptr : &step.kernel->host_memory;
  KernelContext ctx(node, std::move(inputs), backend, variables, &arena, step.category, host_memory,
                    HostSide{&devices->backend(kHost), arenas[kHost].get()});
  if (!step.fused_nodes.empty()) ctx.set_fused_nodes(&step.fused_nodes);
  if (!step.fused_outputs.empty()) ctx.set_fused_outputs(&step.fused_outputs);
  try {
    step.kernel->fn(ctx);
  } catch (const OutOfMemoryError& e) {
    // The allocator knows the sizes, not the node that asked.
    throw OutOfMemoryError(where() + e.what());
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw OutOfMemoryError(where() + "out of memory");
  } catch (const std::exception& e) {
    throw InternalError(where() + e.what());
  }

  // Kernel bugs surface here, at the node that caused them, rather than in a later consumer.
  std::vector<Tensor>& outputs = ctx.outputs();
  for (int k = 0; k < step.num_outputs; ++k) {
    Tensor& out = outputs[static_cast<std::size_t>(k)];
    const Output output = step.output(k);  // a fused step's outputs may be other nodes'
    const DType dtype = output.node->output_dtype(output.index);
    const Shape& shape = output.node->output_shape(output.index);
    if (!out.defined()) throw InternalError(where() + "the kernel did not set output " + std::to_string(k));
    if (out.dtype() != dtype) {
      throw InternalError(where() + "the kernel produced " + std::string(dtype_name(out.dtype())) + " for output " +
                          std::to_string(k) + ", expected " + std::string(dtype_name(dtype)));
    }
    if (!out.shape().is_compatible_with(shape)) {
      throw InternalError(where() + "the kernel produced shape " + out.shape().to_string() + " for output " +
                          std::to_string(k) + ", expected " + shape.to_string());
    }
    const int expected = host_memory && host_memory->output(k) ? kHost : step.device;
    if (device_of(out) != expected) {
      throw InternalError(where() + "the kernel produced output " + std::to_string(k) + " on " +
                          devices->device(device_of(out)).to_string() + ", expected " +
                          devices->device(expected).to_string());
    }
    values[static_cast<std::size_t>(step.first_slot + k)] = std::move(out);
  }
  for (int s : step.release) values[static_cast<std::size_t>(s)] = Tensor();
}

Session::Session(Graph& graph, SessionOptions options)
    : impl_(std::make_unique<SessionImpl>(graph, std::move(options), nullptr)) {}

Session::Session(Graph& graph, SessionOptions options, std::shared_ptr<const DeviceSet> devices)
    : impl_(std::make_unique<SessionImpl>(graph, std::move(options), std::move(devices))) {}

Session::~Session() = default;

std::vector<Tensor> Session::run(const std::vector<Output>& fetches, const FeedDict& feeds,
                                 const std::vector<Node*>& targets) {
  return run(RunOptions{}, fetches, feeds, targets, nullptr);
}

std::vector<Tensor> Session::run(const RunOptions& options, const std::vector<Output>& fetches,
                                 const FeedDict& feeds, const std::vector<Node*>& targets, RunMetadata* metadata) {
  PlanKey key{fetches, {}, targets};
  key.feeds.reserve(feeds.size());
  for (const auto& [output, value] : feeds) key.feeds.push_back(output);
  std::sort(key.feeds.begin(), key.feeds.end());

  std::shared_ptr<const Plan> plan = impl_->plan_for(key);
  const DeviceSet& devices = *impl_->devices;
  constexpr int kHost = 0;

  std::vector<Tensor> values(static_cast<std::size_t>(plan->num_slots));
  FeedShapes feed_shapes(key.feeds.size());
  for (const auto& [output, value] : feeds) {
    check_feed(output, value);
    const int slot = plan->feed_slots.at(output);
    // Feeds live in host memory; a device tensor fed by the caller is brought over.
    values[static_cast<std::size_t>(slot)] =
        impl_->copy_to(value, kHost, devices.backend(kHost).allocator(), MemoryCategory::kActivation);
    feed_shapes[static_cast<std::size_t>(slot)] = value.shape().dims();
  }

  RunResources resources = plan->resources.acquire(feed_shapes, devices);
  std::vector<Tensor> results;
  const bool traced = options.trace_level == RunOptions::TraceLevel::kFullTrace;
  StepTrace trace;
  try {
    results = impl_->run_plan(*plan, values, resources, traced ? &trace : nullptr);
  } catch (...) {
    plan->resources.release(feed_shapes, std::move(resources));
    throw;
  }
  plan->resources.release(feed_shapes, std::move(resources));
  if (metadata) {
    metadata->step_stats.clear();
    if (traced) impl_->report(*plan, trace, *metadata);
  }
  return results;
}

void SessionImpl::report(const Plan& plan, const StepTrace& trace, RunMetadata& metadata) const {
  std::vector<const QueueMark*> first_mark(static_cast<std::size_t>(devices->size()), nullptr);
  for (std::size_t i = 0; i < trace.entries.size(); ++i) {
    const StepTrace::Entry& entry = trace.entries[i];
    const Step& step = plan.steps[i];
    const QueueMark*& first = first_mark[static_cast<std::size_t>(entry.device)];
    if (!first) first = entry.before.get();
    NodeExecStats& stats = metadata.step_stats.emplace_back();
    stats.node_name = step.is_copy() ? step.copy_name : step.node->name();
    stats.op = step.is_copy() ? copy_op(step) : step.fused_op.empty() ? step.node->op() : std::string(step.fused_op);
    stats.device = full_device_name(devices->device(entry.device));
    stats.start_micros = 1e3 * entry.before->ms_since(*first);
    stats.device_micros = 1e3 * entry.after->ms_since(*entry.before);
    stats.host_micros = entry.host_micros;
  }
}

namespace {

// Captures that fail this often for one plan and feed shapes are not tried again.
constexpr int kMaxCaptureFailures = 2;

class CaptureFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool all_planned(const std::vector<std::unique_ptr<ActivationArena>>& arenas) {
  return std::all_of(arenas.begin(), arenas.end(), [](const auto& arena) { return arena->last_run_planned(); });
}

}  // namespace

std::vector<Tensor> SessionImpl::run_plan(const Plan& plan, std::vector<Tensor>& values, RunResources& resources,
                                          StepTrace* trace) {
  if (resources.captured) {
    if (!trace && resources.captured->generation == variables.buffers_generation()) {
      return replay(values, *resources.captured);
    }
    // A variable has a new buffer since (the capture writes the old one), or this run is traced
    // (step by step, eagerly): the next run captures afresh.
    resources.captured.reset();
  }
  const bool capture = !trace && options.capture_cuda_graphs && plan.capture_device >= 0 &&
                       resources.capture_ready && resources.capture_failures < kMaxCaptureFailures;
  const std::uint64_t generation = variables.buffers_generation();
  if (!capture) {
    std::vector<Tensor> results = run_steps(plan, values, resources.arenas, nullptr, trace);
    resources.capture_ready = all_planned(resources.arenas) && generation == variables.buffers_generation();
    return results;
  }

  // Capture this run, then launch it once: everything a failed capture did on the host is undone.
  const auto num_feeds = static_cast<std::ptrdiff_t>(plan.feed_slots.size());
  auto captured = std::make_unique<CapturedRun>();
  captured->feeds = std::make_shared<std::vector<Tensor>>(values.begin(), values.begin() + num_feeds);
  VariableValues::Snapshot before = variables.snapshot();
  std::string why;
  try {
    std::vector<Tensor> results = run_steps(plan, values, resources.arenas, captured.get());
    resources.capture_ready = false;
    for (Tensor& feed : *captured->feeds) feed = Tensor();  // the uploads hold their bytes now
    if (all_planned(resources.arenas) && generation == variables.buffers_generation()) {
      captured->generation = generation;
      last_capture_operations.store(captured->work->operations(), std::memory_order_relaxed);
      resources.captured = std::move(captured);
      captures.fetch_add(1, std::memory_order_relaxed);
    }  // else the capture did this run right, but would write to memory it no longer owns
    return results;
  } catch (const std::exception& e) {
    why = e.what();  // CaptureFailed, or an error the eager run raises again
  }
  variables.restore(std::move(before));
  ++resources.capture_failures;
  resources.capture_ready = false;
  capture_failures.fetch_add(1, std::memory_order_relaxed);
  log_info("Session: capturing a run as a CUDA graph failed, running it eagerly: " + why);
  values.assign(static_cast<std::size_t>(plan.num_slots), Tensor());
  std::copy(captured->feeds->begin(), captured->feeds->end(), values.begin());
  return run_steps(plan, values, resources.arenas, nullptr);
}

std::vector<Tensor> SessionImpl::run_steps(const Plan& plan, std::vector<Tensor>& values, Arenas& arenas,
                                           CapturedRun* capturing, StepTrace* trace) {
  constexpr int kHost = 0;
  std::vector<Tensor> results;
  bool capture_open = false;
  const auto close_capture = [&]() -> std::unique_ptr<CapturedWork> {
    capture_open = false;
    std::string why;
    std::unique_ptr<CapturedWork> work = devices->backend(plan.capture_device).end_capture(why);
    if (!work) throw CaptureFailed(why);
    return work;
  };
  try {
    for (auto& arena : arenas) arena->begin_run();
    if (capturing) {
      devices->backend(plan.capture_device).begin_capture();
      capture_open = true;
    }
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
      for (auto& arena : arenas) arena->set_step(static_cast<int>(i));
      if (!trace) {
        execute(plan.steps[i], values, arenas, capturing);
        continue;
      }
      StepTrace::Entry& entry = trace->entries.emplace_back();
      entry.device = plan.steps[i].device;
      Backend& backend = devices->backend(entry.device);
      const auto host_start = std::chrono::steady_clock::now();
      entry.before = backend.mark_queue();
      execute(plan.steps[i], values, arenas, capturing);
      entry.after = backend.mark_queue();
      entry.host_micros =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - host_start).count();
    }
    for (auto& arena : arenas) arena->set_step(static_cast<int>(plan.steps.size()));
    if (capturing) {
      // Memory outside the planned arenas may be freed and reused before the graph runs.
      const bool planned = all_planned(arenas);
      capturing->work = close_capture();
      if (!planned) throw CaptureFailed("an allocation of the run missed the planned activation arena");
      capturing->work->launch();
    }
    results.reserve(plan.fetches.size());
    for (const ValueRef& ref : plan.fetches) {
      results.push_back(read(ref, values, nullptr, -1));
      if (!capturing) continue;
      CapturedFetch& fetch = capturing->fetches.emplace_back();
      const Tensor& r = results.back();
      if (ref.variable) {
        fetch.kind = CapturedFetch::Kind::kVariable;
        fetch.variable = ref.variable;
      } else if (ref.slot < static_cast<int>(capturing->feeds->size())) {
        fetch.kind = CapturedFetch::Kind::kFeed;
        fetch.feed_slot = ref.slot;
      } else if (plan.slot_device[static_cast<std::size_t>(ref.slot)] == kHost) {
        fetch.kind = CapturedFetch::Kind::kHostValue;  // fixed for these feed shapes (analyze_capture)
        fetch.host_value = r.clone();
      } else {
        fetch.kind = CapturedFetch::Kind::kDevice;
        fetch.device_data = r.raw_data();
        fetch.dtype = r.dtype();
        fetch.shape = r.shape();
        fetch.device = device_of(r);
      }
    }
    values.clear();
    for (Tensor& r : results) {
      if (device_of(r) != kHost) {
        r = copy_to(r, kHost, devices->backend(kHost).allocator(), MemoryCategory::kOther);
      } else if (r.buffer().use_count() > 1 || &r.buffer()->allocator() == arenas[kHost].get()) {
        // Shared with a variable, a Const attr or a feed, or from the arena (which the next run
        // reuses and the session owns): hand back a copy, so the caller cannot change the session's
        // state through it (TF returns fresh NumPy arrays).
        r = r.clone();
      }
    }
  } catch (...) {
    if (capture_open) {
      std::string ignored;  // the error being raised says more
      devices->backend(plan.capture_device).end_capture(ignored);
    }
    values.clear();
    results.clear();
    for (auto& arena : arenas) arena->end_run();
    throw;
  }
  for (auto& arena : arenas) arena->end_run();
  return results;
}

std::vector<Tensor> SessionImpl::replay(std::vector<Tensor>& values, CapturedRun& captured) {
  constexpr int kHost = 0;
  std::copy(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(captured.feeds->size()),
            captured.feeds->begin());
  try {
    captured.work->replay();
  } catch (...) {
    std::fill(captured.feeds->begin(), captured.feeds->end(), Tensor());
    throw;
  }
  std::fill(captured.feeds->begin(), captured.feeds->end(), Tensor());
  replays.fetch_add(1, std::memory_order_relaxed);

  std::vector<Tensor> results;
  results.reserve(captured.fetches.size());
  for (const CapturedFetch& fetch : captured.fetches) {
    switch (fetch.kind) {
      case CapturedFetch::Kind::kDevice: {
        Tensor host(fetch.dtype, fetch.shape);
        if (host.nbytes() > 0) {
          devices->backend(fetch.device).copy_to_host(host.raw_data(), fetch.device_data, host.nbytes());
        }
        results.push_back(std::move(host));
        break;
      }
      case CapturedFetch::Kind::kFeed:
        results.push_back(values[static_cast<std::size_t>(fetch.feed_slot)].clone());
        break;
      case CapturedFetch::Kind::kHostValue:
        results.push_back(fetch.host_value.clone());
        break;
      case CapturedFetch::Kind::kVariable: {
        const Tensor value = variables.get(fetch.variable);
        results.push_back(device_of(value) == kHost
                              ? value.clone()
                              : copy_to(value, kHost, devices->backend(kHost).allocator(), MemoryCategory::kOther));
        break;
      }
    }
  }
  values.clear();
  return results;
}

std::vector<PlacedNode> Session::placed_graph(const std::vector<Output>& fetches, const std::vector<Output>& feeds,
                                              const std::vector<Node*>& targets) {
  PlanKey key{fetches, feeds, targets};
  std::sort(key.feeds.begin(), key.feeds.end());
  std::shared_ptr<const Plan> plan = impl_->plan_for(key);
  const DeviceSet& devices = *impl_->devices;

  std::vector<std::string> slot_name(static_cast<std::size_t>(plan->num_slots));
  for (const auto& [output, slot] : plan->feed_slots) slot_name[static_cast<std::size_t>(slot)] = output.name();
  std::vector<PlacedNode> placed;
  for (const Step& step : plan->steps) {
    PlacedNode& p = placed.emplace_back();
    p.device = full_device_name(devices.device(step.device));
    for (const ValueRef& in : step.inputs) {
      p.inputs.push_back(in.variable ? in.variable->name() + ":0" : slot_name[static_cast<std::size_t>(in.slot)]);
    }
    if (step.is_copy()) {
      p.name = step.copy_name;
      p.op = copy_op(step);
    } else {
      p.name = step.node->name();
      p.op = step.fused_op.empty() ? step.node->op() : std::string(step.fused_op);
    }
    p.constant = step.is_constant();
    for (int k = 0; k < step.num_outputs; ++k) {
      slot_name[static_cast<std::size_t>(step.first_slot + k)] =
          step.is_copy() ? p.name + ":" + std::to_string(k) : step.output(k).name();
    }
  }
  return placed;
}

std::string Session::why_not_captured(const std::vector<Output>& fetches, const std::vector<Output>& feeds,
                                      const std::vector<Node*>& targets) {
  PlanKey key{fetches, feeds, targets};
  std::sort(key.feeds.begin(), key.feeds.end());
  return impl_->plan_for(key)->not_capturable;
}

CaptureStats Session::capture_stats() const {
  return {impl_->captures.load(), impl_->replays.load(), impl_->capture_failures.load(),
          impl_->last_capture_operations.load()};
}

Tensor Session::run(const Output& fetch, const FeedDict& feeds) {
  return run(std::vector<Output>{fetch}, feeds).front();
}

void Session::run_targets(const std::vector<Node*>& targets, const FeedDict& feeds) {
  run({}, feeds, targets);
}

bool Session::is_initialized(const Variable& variable) const {
  if (!variable) throw InvalidArgumentError("Session::is_initialized: null variable");
  return impl_->variables.get(variable.op()).defined();
}

Tensor Session::variable_value(const Variable& variable) const {
  if (!variable) throw InvalidArgumentError("Session::variable_value: null variable");
  const Tensor value = impl_->variables.get(variable.op());
  if (!value.defined()) throw FailedPreconditionError(uninitialized_message(*variable.op()));
  Tensor host(value.dtype(), value.shape());
  if (value.nbytes() > 0) {
    impl_->devices->backend(impl_->device_of(value)).copy_to_host(host.raw_data(), value.raw_data(), value.nbytes());
  }
  return host;
}

int SessionImpl::variable_device(const Node& variable) const {
  if (const Tensor value = variables.get(&variable); value.defined()) return device_of(value);
  Node* node = const_cast<Node*>(&variable);  // place_nodes takes the plan's node list
  return place_nodes({node}, *devices, placement).at(node).device;
}

void Session::assign_variable(const Variable& variable, const Tensor& value) {
  if (!variable) throw InvalidArgumentError("Session::assign_variable: null variable");
  if (!value.defined()) {
    throw InvalidArgumentError("Cannot assign an undefined Tensor to variable " + variable.op_name());
  }
  if (value.dtype() != variable.dtype()) {
    throw InvalidArgumentError("Cannot assign a value of dtype " + std::string(dtype_name(value.dtype())) +
                               " to variable " + variable.op_name() + ", which has dtype " +
                               std::string(dtype_name(variable.dtype())));
  }
  if (!variable.shape().is_compatible_with(value.shape())) {
    throw InvalidArgumentError("Cannot assign a value of shape " + value.shape().to_string() + " to variable " +
                               variable.op_name() + ", which has shape " + variable.shape().to_string());
  }
  const int device = impl_->variable_device(*variable.op());
  Backend& backend = impl_->devices->backend(device);
  const Tensor host = impl_->copy_to(value, 0, impl_->devices->backend(0).allocator(), MemoryCategory::kOther);
  auto buffer = std::make_shared<TensorBuffer>(backend.allocator(), value.nbytes(),
                                               variable_memory_category(*variable.op()), impl_->devices->device(device));
  Tensor stored(value.dtype(), value.shape(), std::move(buffer));
  if (value.nbytes() > 0) backend.copy_from_host(stored.raw_data(), host.raw_data(), value.nbytes());
  impl_->variables.set(variable.op(), std::move(stored));
}

namespace {

Allocator& allocator_of(const DeviceSet& devices, const std::string& device) {
  const Device d = Device::parse(device);
  const int index = d.type ? devices.find(*d.type, d.index.value_or(0)) : 0;
  if (index < 0) {
    throw NotFoundError("Device '" + d.to_string() + "' is not available; available devices are " +
                        devices.describe());
  }
  return devices.backend(index).allocator();
}

}  // namespace

MemoryStats Session::memory_stats(const std::string& device) const {
  return allocator_of(*impl_->devices, device).stats();
}

void Session::reset_peak_memory_stats(const std::string& device) {
  allocator_of(*impl_->devices, device).reset_peak_stats();
}

Graph& Session::graph() const { return impl_->graph; }

namespace {

Node* initializer_op(Graph& graph, const std::vector<Variable>& variables, std::string_view name) {
  NodeSpec spec;
  spec.op = "NoOp";
  spec.name = std::string(name);
  for (const Variable& v : variables) {
    if (!v) throw ValueError("variables_initializer: null variable");
    if (&v.op()->graph() != &graph) {
      throw ValueError("variables_initializer: variable " + v.op_name() +
                       " is not an element of this graph");
    }
    if (Node* init = v.initializer()) spec.control_inputs.push_back(init);
  }
  return &graph.create_node(std::move(spec));
}

}  // namespace

Node* global_variables_initializer(Graph& graph) {
  return initializer_op(graph, get_variable_collection(GraphKeys::GLOBAL_VARIABLES, "", graph),
                        "init");
}

Node* local_variables_initializer(Graph& graph) {
  return initializer_op(graph, get_variable_collection(GraphKeys::LOCAL_VARIABLES, "", graph),
                        "init");
}

Node* variables_initializer(const std::vector<Variable>& variables, std::string_view name) {
  Graph& graph = variables.empty() || !variables.front() ? get_default_graph()
                                                         : variables.front().op()->graph();
  return initializer_op(graph, variables, name);
}

}  // namespace varscope
