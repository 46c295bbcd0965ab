// Session: builds a Plan per (fetches, feeds, targets) signature, caches it, and executes it.
//
// A Plan is everything that can be decided without values: which nodes run (in id order, which is a
// topological order because the graph is append-only), their kernels (looked up before anything
// runs), where each value lives (a slot), and when a slot can be released. Placement and memory
// planning will extend the Plan; the executor loop stays the same.
#include "varscope/session.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <new>
#include <unordered_set>

#include "core/activation_arena.h"
#include "core/backend.h"
#include "core/kernel.h"
#include "core/tensor_buffer.h"
#include "core/variable_memory.h"
#include "varscope/collections.h"
#include "varscope/device.h"
#include "varscope/error.h"

namespace varscope {
namespace {

// Ops whose input 0 is a variable reference they may read while uninitialized (they write it).
bool consumes_ref(const Node& node, int input) { return input == 0 && node.op() == "Assign"; }

bool is_variable_op(const Node& node) { return node.op() == "VariableV2"; }

std::string uninitialized_message(const Node& variable) {
  return "Attempting to use uninitialized value " + variable.name();
}

// Where a kernel input or a fetch comes from: a slot of this run, or (for a VariableV2 output) the
// variable's value at the moment it is read, so reads after an Assign in the same run see the new
// value, as TF's reference edges do.
struct ValueRef {
  int slot = -1;
  const Node* variable = nullptr;
};

struct Step {
  Node* node = nullptr;
  KernelFn kernel = nullptr;
  MemoryCategory category = MemoryCategory::kActivation;  // of its outputs
  std::vector<ValueRef> inputs;
  int first_slot = 0;        // outputs live in first_slot .. first_slot + num_outputs - 1
  std::vector<int> release;  // slots no longer needed once this step has run
};

using FeedShapes = std::vector<std::vector<std::int64_t>>;

// Arenas of one plan, one per feed-shape signature (a smaller last batch plans its own), each used
// by one run at a time: a concurrent run of the same plan takes (or makes) another.
class ArenaPool {
 public:
  std::unique_ptr<ActivationArena> acquire(const FeedShapes& feed_shapes, Allocator& backing) {
    std::lock_guard lock(mutex_);
    auto& free = free_[feed_shapes];
    if (free.empty()) return std::make_unique<ActivationArena>(backing);
    std::unique_ptr<ActivationArena> arena = std::move(free.back());
    free.pop_back();
    return arena;
  }
  void release(const FeedShapes& feed_shapes, std::unique_ptr<ActivationArena> arena) {
    std::lock_guard lock(mutex_);
    free_[feed_shapes].push_back(std::move(arena));
  }

 private:
  std::mutex mutex_;
  std::map<FeedShapes, std::vector<std::unique_ptr<ActivationArena>>> free_;
};

struct Plan {
  std::vector<Step> steps;
  std::map<Output, int> feed_slots;
  std::vector<ValueRef> fetches;
  int num_slots = 0;
  mutable ArenaPool arenas;
};

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

}  // namespace

struct SessionImpl {
  SessionImpl(Graph& g, SessionOptions o)
      : graph(g), options(std::move(o)), device(Device::parse(options.device)) {}

  Graph& graph;
  SessionOptions options;
  Device device;  // requested; every node runs on the CPU until placement lands
  Backend& backend = cpu_backend();
  VariableValues variables;

  std::mutex plans_mutex;
  std::map<PlanKey, std::shared_ptr<const Plan>> plans;

  std::shared_ptr<const Plan> plan_for(const PlanKey& key);
  std::shared_ptr<Plan> build_plan(const PlanKey& key) const;
  Tensor read(const ValueRef& ref, const std::vector<Tensor>& values, const Node* consumer,
              int input) const;
  void execute(const Step& step, std::vector<Tensor>& values, Allocator& activations);
  void check_tensor(const Output& output, const std::string& role) const;
  void check_target(const Node* node) const;
};

namespace {

void check_feed(const Output& output, const Tensor& value) {
  if (!value.defined()) {
    throw InvalidArgumentError("Cannot feed an undefined Tensor for Tensor '" + output.name() +
                               "'");
  }
  if (value.dtype() != output.dtype()) {
    throw InvalidArgumentError(
        "Cannot feed value of dtype " + std::string(dtype_name(value.dtype())) + " for Tensor '" +
        output.name() + "', which has dtype " + std::string(dtype_name(output.dtype())));
  }
  if (!value.shape().is_compatible_with(output.shape())) {
    throw InvalidArgumentError("Cannot feed value of shape " + value.shape().to_string() +
                               " for Tensor '" + output.name() + "', which has shape '" +
                               output.shape().to_string() + "'");
  }
}

}  // namespace

void SessionImpl::check_tensor(const Output& o, const std::string& role) const {
  if (!o.node) throw InvalidArgumentError("Session::run: a null " + role + " was given");
  const std::string name = o.node->name() + ":" + std::to_string(o.index);
  if (&o.node->graph() != &graph)
    throw InvalidArgumentError("Tensor '" + name + "' is not an element of this graph.");
  if (o.index < 0 || o.index >= o.node->num_outputs()) {
    throw InvalidArgumentError("The " + role + " '" + name + "' does not exist: node '" +
                               o.node->name() + "' has " + std::to_string(o.node->num_outputs()) +
                               " outputs");
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

  const auto fed = [&](const Output& o) {
    return std::binary_search(key.feeds.begin(), key.feeds.end(), o);
  };

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
  std::sort(order.begin(), order.end(),
            [](const Node* a, const Node* b) { return a->id() < b->id(); });

  auto plan = std::make_shared<Plan>();
  for (const Output& o : key.feeds) plan->feed_slots.emplace(o, plan->num_slots++);

  // Every kernel is found (and every placeholder known to be fed) before anything runs.
  const KernelRegistry& registry = kernel_registry();
  std::map<const Node*, std::size_t> step_of;
  for (Node* n : order) {
    if (n->op() == "Placeholder") {
      throw InvalidArgumentError("You must feed a value for placeholder tensor '" + n->name() +
                                 "' with dtype " + std::string(dtype_name(n->output_dtype(0))) +
                                 " and shape " + n->output_shape(0).to_string());
    }
    if (is_variable_op(*n)) continue;  // read through ValueRef::variable, see ValueRef
    const DType dtype = kernel_dtype(*n);
    KernelFn kernel = registry.find(n->op(), backend.device_type(), dtype);
    if (!kernel) {
      throw UnimplementedError("No kernel registered for op '" + n->op() + "' (dtype " +
                               std::string(dtype_name(dtype)) + ") on device " +
                               std::string(device_type_name(backend.device_type())) +
                               ", needed by node '" + n->name() + "'");
    }
    step_of.emplace(n, plan->steps.size());
    Step& step = plan->steps.emplace_back();
    step.node = n;
    step.kernel = kernel;
    step.category = is_gradient_node(*n) ? MemoryCategory::kGradient : MemoryCategory::kActivation;
    step.first_slot = plan->num_slots;
    plan->num_slots += n->num_outputs();
  }

  const auto ref_of = [&](const Output& o) {
    ValueRef ref;
    if (auto it = plan->feed_slots.find(o); it != plan->feed_slots.end()) {
      ref.slot = it->second;
    } else if (is_variable_op(*o.node)) {
      ref.variable = o.node;
    } else {
      ref.slot = plan->steps[step_of.at(o.node)].first_slot + o.index;
    }
    return ref;
  };

  // Liveness: a slot is released after its last consumer; fetched slots are kept to the end.
  std::vector<int> last_use(static_cast<std::size_t>(plan->num_slots), -1);
  for (std::size_t i = 0; i < plan->steps.size(); ++i) {
    Step& step = plan->steps[i];
    for (const Output& in : step.node->inputs()) {
      step.inputs.push_back(ref_of(in));
      if (step.inputs.back().slot >= 0)
        last_use[static_cast<std::size_t>(step.inputs.back().slot)] = static_cast<int>(i);
    }
    // Outputs nobody reads go right after they are produced.
    for (int k = 0; k < step.node->num_outputs(); ++k) {
      int& last = last_use[static_cast<std::size_t>(step.first_slot + k)];
      last = std::max(last, static_cast<int>(i));
    }
  }
  std::vector<bool> fetched(static_cast<std::size_t>(plan->num_slots), false);
  for (const Output& o : key.fetches) {
    plan->fetches.push_back(ref_of(o));
    if (plan->fetches.back().slot >= 0)
      fetched[static_cast<std::size_t>(plan->fetches.back().slot)] = true;
  }
  for (std::size_t s = 0; s < last_use.size(); ++s) {
    if (last_use[s] >= 0 && !fetched[s])
      plan->steps[static_cast<std::size_t>(last_use[s])].release.push_back(static_cast<int>(s));
  }
  return plan;
}

Tensor SessionImpl::read(const ValueRef& ref, const std::vector<Tensor>& values,
                         const Node* consumer, int input) const {
  if (ref.variable) {
    Tensor value = variables.get(ref.variable);
    if (!value.defined() && !(consumer && consumes_ref(*consumer, input))) {
      throw FailedPreconditionError(uninitialized_message(*ref.variable));
    }
    return value;
  }
  return values[static_cast<std::size_t>(ref.slot)];
}

void SessionImpl::execute(const Step& step, std::vector<Tensor>& values, Allocator& activations) {
  const Node& node = *step.node;
  const auto where = [&] { return "[" + node.op() + "] node '" + node.name() + "': "; };
  std::vector<Tensor> inputs;
  inputs.reserve(step.inputs.size());
  for (std::size_t i = 0; i < step.inputs.size(); ++i) {
    inputs.push_back(read(step.inputs[i], values, &node, static_cast<int>(i)));
    if (!inputs.back().defined() && !consumes_ref(node, static_cast<int>(i))) {
      throw InternalError(where() + "input " + std::to_string(i) + " has no value");
    }
  }

  KernelContext ctx(node, std::move(inputs), backend, variables, &activations, step.category);
  try {
    step.kernel(ctx);
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw OutOfMemoryError(where() + "out of memory");
  } catch (const std::exception& e) {
    throw InternalError(where() + e.what());
  }

  // Kernel bugs surface here, at the node that caused them, rather than in a later consumer.
  std::vector<Tensor>& outputs = ctx.outputs();
  for (int k = 0; k < node.num_outputs(); ++k) {
    Tensor& out = outputs[static_cast<std::size_t>(k)];
    if (!out.defined())
      throw InternalError(where() + "the kernel did not set output " + std::to_string(k));
    if (out.dtype() != node.output_dtype(k)) {
      throw InternalError(where() + "the kernel produced " + std::string(dtype_name(out.dtype())) +
                          " for output " + std::to_string(k) + ", expected " +
                          std::string(dtype_name(node.output_dtype(k))));
    }
    if (!out.shape().is_compatible_with(node.output_shape(k))) {
      throw InternalError(where() + "the kernel produced shape " + out.shape().to_string() +
                          " for output " + std::to_string(k) + ", expected " +
                          node.output_shape(k).to_string());
    }
    values[static_cast<std::size_t>(step.first_slot + k)] = std::move(out);
  }
  for (int s : step.release) values[static_cast<std::size_t>(s)] = Tensor();
}

Session::Session(Graph& graph, SessionOptions options)
    : impl_(std::make_unique<SessionImpl>(graph, std::move(options))) {}

Session::~Session() = default;

std::vector<Tensor> Session::run(const std::vector<Output>& fetches, const FeedDict& feeds,
                                 const std::vector<Node*>& targets) {
  PlanKey key{fetches, {}, targets};
  key.feeds.reserve(feeds.size());
  for (const auto& [output, value] : feeds) key.feeds.push_back(output);
  std::sort(key.feeds.begin(), key.feeds.end());

  std::shared_ptr<const Plan> plan = impl_->plan_for(key);

  std::vector<Tensor> values(static_cast<std::size_t>(plan->num_slots));
  FeedShapes feed_shapes(key.feeds.size());
  for (const auto& [output, value] : feeds) {
    check_feed(output, value);
    // Kernels run on the host for now; device feeds are copied over.
    const bool host = !value.device().type || *value.device().type == DeviceType::kCPU;
    const int slot = plan->feed_slots.at(output);
    values[static_cast<std::size_t>(slot)] = host ? value : value.cast(value.dtype());
    feed_shapes[static_cast<std::size_t>(slot)] = value.shape().dims();
  }

  std::unique_ptr<ActivationArena> arena = plan->arenas.acquire(feed_shapes, impl_->backend.allocator());
  std::vector<Tensor> results;
  try {
    arena->begin_run();
    for (std::size_t i = 0; i < plan->steps.size(); ++i) {
      arena->set_step(static_cast<int>(i));
      impl_->execute(plan->steps[i], values, *arena);
    }
    arena->set_step(static_cast<int>(plan->steps.size()));
    results.reserve(plan->fetches.size());
    for (const ValueRef& ref : plan->fetches) results.push_back(impl_->read(ref, values, nullptr, -1));
    values.clear();
    for (Tensor& r : results) {
      const bool host = !r.device().type || *r.device().type == DeviceType::kCPU;
      if (!host) {
        r = r.cast(r.dtype());
      } else if (r.buffer().use_count() > 1 || &r.buffer()->allocator() == arena.get()) {
        // Shared with a variable, a Const attr or a feed, or from the arena (which the next run
        // reuses and the session owns): hand back a copy, so the caller cannot change the session's
        // state through it (TF returns fresh NumPy arrays).
        r = r.clone();
      }
    }
  } catch (...) {
    values.clear();
    results.clear();
    arena->end_run();
    plan->arenas.release(feed_shapes, std::move(arena));
    throw;
  }
  arena->end_run();
  plan->arenas.release(feed_shapes, std::move(arena));
  return results;
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
  if (value.nbytes() > 0) impl_->backend.copy_to_host(host.raw_data(), value.raw_data(), value.nbytes());
  return host;
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
  Backend& backend = impl_->backend;
  auto buffer = std::make_shared<TensorBuffer>(backend.allocator(), value.nbytes(),
                                               variable_memory_category(*variable.op()), Device::cpu());
  Tensor stored(value.dtype(), value.shape(), std::move(buffer));
  if (value.nbytes() > 0) backend.copy_from_host(stored.raw_data(), value.raw_data(), value.nbytes());
  impl_->variables.set(variable.op(), std::move(stored));
}

MemoryStats Session::memory_stats(const std::string& device) const {
  const Device d = Device::parse(device);
  if (d.type && *d.type == DeviceType::kGPU) {
    Backend* gpu = cuda_backend();
    if (!gpu)
      throw NotFoundError("Device '" + d.to_string() + "' is not available: no CUDA device");
    return gpu->allocator().stats();
  }
  return impl_->backend.allocator().stats();
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
