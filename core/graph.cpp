// Graph, Node, Output and the thread-local default-graph stack.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <limits>
#include <sstream>

#include "core/graph_impl.h"
#include "core/graph_transaction.h"
#include "core/op_def.h"
#include "varscope/error.h"
#include "varscope/graph.h"

namespace varscope {
namespace {

std::atomic<std::uint64_t> next_graph_id{1};

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == '/';
}

// Scope stacks per (graph id, thread). Keyed by id rather than Graph* because an address can be
// reused by a later graph; ids never are.
thread_local std::unordered_map<std::uint64_t, std::unique_ptr<ThreadState>> thread_states;

// The default-graph stack of this thread (DefaultGraph guards), over the process-wide default.
thread_local std::vector<Graph*> default_graph_stack;

struct GlobalDefaultGraph {
  std::mutex mutex;
  std::unique_ptr<Graph> graph;
  // Replaced graphs stay alive: handles into them (Output, Variable) must not dangle.
  std::vector<std::unique_ptr<Graph>> retired;
};

GlobalDefaultGraph& global_default() {
  static GlobalDefaultGraph g;
  return g;
}

}  // namespace

bool is_valid_op_name(std::string_view name) {
  if (name.empty()) return false;
  char c = name.front();
  if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.')) return false;
  return std::all_of(name.begin() + 1, name.end(), is_name_char);
}

bool is_valid_scope_name(std::string_view name) { return std::all_of(name.begin(), name.end(), is_name_char); }

// ---- Output and Node ---------------------------------------------------------------------------

std::string Output::name() const {
  if (!node) return "<null>";
  return node->name() + ":" + std::to_string(index);
}

DType Output::dtype() const { return node->output_dtype(index); }
const Shape& Output::shape() const { return node->output_shape(index); }
Graph& Output::graph() const { return node->graph(); }

const AttrValue& Node::attr(std::string_view attr_name) const {
  auto it = attrs_.find(attr_name);
  if (it == attrs_.end()) {
    throw NotFoundError("node '" + name_ + "' (" + op_ + ") has no attr '" + std::string(attr_name) + "'");
  }
  return it->second;
}

std::string Node::debug_string() const {
  std::ostringstream os;
  os << name_ << " = " << op_ << "(";
  for (std::size_t i = 0; i < inputs_.size(); ++i) os << (i ? ", " : "") << inputs_[i].name();
  for (Node* c : control_inputs_) os << (inputs_.empty() && c == control_inputs_.front() ? "^" : ", ^") << c->name();
  os << ")";
  if (!device_.empty()) os << " @" << device_;
  return os.str();
}

// ---- GraphImpl ---------------------------------------------------------------------------------

GraphImpl::GraphImpl(Graph& g) : graph(g), id(next_graph_id.fetch_add(1)) {}

ThreadState& GraphImpl::thread_state() {
  auto& slot = thread_states[id];
  if (!slot) slot = std::make_unique<ThreadState>();
  return *slot;
}

void GraphImpl::set_name_use(const std::string& key, std::int64_t count) {
  auto [it, inserted] = names_in_use.try_emplace(key, count);
  if (inserted) {
    on_rollback([this, key] { names_in_use.erase(key); });
  } else {
    on_rollback([this, key, previous = it->second] { names_in_use[key] = previous; });
    it->second = count;
  }
}

// TF's Graph.unique_name (spec §1.2). Caller holds the mutex.
std::string GraphImpl::unique_name_locked(std::string_view name, bool mark_as_used) {
  const std::string& stack = thread_state().name_stack;
  std::string full = stack.empty() ? std::string(name) : stack + "/" + std::string(name);
  const std::string base_key = to_lower(full);
  std::int64_t i = 0;
  if (auto it = names_in_use.find(base_key); it != names_in_use.end()) i = it->second;
  if (mark_as_used) set_name_use(base_key, i + 1);
  if (i > 0) {
    std::string key = base_key;
    while (names_in_use.count(key)) {
      key = base_key + "_" + std::to_string(i);
      ++i;
    }
    if (mark_as_used) set_name_use(key, 1);
    full += "_" + std::to_string(i - 1);
  }
  return full;
}

Node& GraphImpl::create_node(NodeSpec spec) {
  // A node that fails validation or shape inference leaves no name marked as used.
  GraphTransaction transaction{*this};
  ThreadState& ts = thread_state();

  // Name: a trailing "/" is a scope name used verbatim (TF name_from_scope_name).
  std::string name;
  if (spec.name.empty()) spec.name = spec.op;
  if (spec.name.back() == '/') {
    name = spec.name.substr(0, spec.name.size() - 1);
  } else {
    name = unique_name_locked(spec.name, /*mark_as_used=*/true);
  }
  if (!is_valid_op_name(name)) throw ValueError("'" + name + "' is not a valid node name");
  if (nodes_by_name.count(name)) throw ValueError("Duplicate node name in graph: '" + name + "'");

  const OpDef* def = OpRegistry::global().find(spec.op);
  if (!def) throw NotFoundError("Op type not registered '" + spec.op + "' (needed by node '" + name + "')");
  for (const Output& in : spec.inputs) {
    if (!in.valid()) throw InvalidArgumentError("[" + spec.op + "] node '" + name + "': an input is a null tensor");
    if (&in.graph() != &graph) {
      throw ValueError("[" + spec.op + "] node '" + name + "': input " + in.name() +
                       " must be from the same graph as the node");
    }
    if (in.index < 0 || in.index >= in.node->num_outputs()) {
      throw InvalidArgumentError("[" + spec.op + "] node '" + name + "': input " + in.name() + " does not exist");
    }
  }

  InferenceContext ctx(spec.op, name, spec.inputs, spec.attrs);
  if (def->infer) def->infer(ctx);

  auto node = std::make_unique<Node>(Node::Key{});
  node->graph_ = &graph;
  node->id_ = static_cast<std::int64_t>(nodes.size());
  node->name_ = name;
  node->op_ = spec.op;
  node->inputs_ = std::move(spec.inputs);
  node->attrs_ = std::move(spec.attrs);
  node->output_dtypes_ = std::move(ctx.output_dtypes());
  node->output_shapes_ = std::move(ctx.output_shapes());

  // Control dependencies: explicit ones, then the enclosing control_dependencies blocks up to
  // the innermost control_dependencies(None); ops that are already data inputs are implied.
  std::vector<Node*> control = std::move(spec.control_inputs);
  for (auto it = ts.control_stack.rbegin(); it != ts.control_stack.rend() && !it->clear; ++it) {
    control.insert(control.end(), it->ops.begin(), it->ops.end());
  }
  for (Node* c : control) {
    bool is_input = std::any_of(node->inputs_.begin(), node->inputs_.end(), [&](const Output& o) { return o.node == c; });
    bool seen = std::find(node->control_inputs_.begin(), node->control_inputs_.end(), c) != node->control_inputs_.end();
    if (!is_input && !seen) node->control_inputs_.push_back(c);
  }

  // Devices, as TF1's _apply_device_functions: innermost first; a spec only fills fields the
  // node does not have yet, a function decides from the node as it stands.
  for (auto it = ts.device_stack.rbegin(); it != ts.device_stack.rend() && !it->clear; ++it) {
    if (it->function) {
      node->device_ = canonical_device(it->function(*node));
    } else {
      node->device_ = it->device.merged_with(Device::parse(node->device_)).to_string();
    }
  }
  // Colocation wins over device scopes (TF keeps the two consistent the same way).
  if (!ts.colocation_stack.empty()) {
    std::vector<std::string> groups;
    for (const ColocationFrame& f : ts.colocation_stack) {
      groups.insert(groups.end(), f.groups.begin(), f.groups.end());
      if (!f.device.empty()) node->device_ = f.device;
    }
    std::sort(groups.begin(), groups.end());
    groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
    node->colocation_groups_ = std::move(groups);
  }

  Node& ref = *node;
  nodes_by_name.emplace(name, &ref);
  nodes.push_back(std::move(node));
  // Undone newest first, so this node is the last one then.
  on_rollback([this, &ref] {
    nodes_by_name.erase(ref.name());
    variable_categories.erase(&ref);
    nodes.pop_back();
  });
  return ref;
}

// ---- Graph -------------------------------------------------------------------------------------

Graph::Graph() : impl_(std::make_unique<GraphImpl>(*this)) {
  impl_->store = std::make_unique<VariableStore>(*this);
}

Graph::~Graph() { thread_states.erase(impl_->id); }

std::uint64_t Graph::id() const { return impl_->id; }

std::string Graph::unique_name(std::string_view name, bool mark_as_used) {
  std::lock_guard lock(impl_->mutex);
  return impl_->unique_name_locked(name, mark_as_used);
}

std::string Graph::get_name_scope() const { return impl_->thread_state().name_stack; }

Node& Graph::create_node(NodeSpec spec) { return impl_->create_node(std::move(spec)); }

Node* Graph::find_node(std::string_view name) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->nodes_by_name.find(std::string(name));
  return it == impl_->nodes_by_name.end() ? nullptr : it->second;
}

Output Graph::tensor_by_name(std::string_view name) const {
  auto colon = name.rfind(':');
  if (colon == std::string_view::npos) {
    throw ValueError("The name '" + std::string(name) +
                     "' refers to an Operation, not a Tensor. Tensor names must be of the form "
                     "\"<op_name>:<output_index>\".");
  }
  std::string_view op_name = name.substr(0, colon);
  int index = 0;
  try {
    index = std::stoi(std::string(name.substr(colon + 1)));
  } catch (const std::exception&) {
    throw ValueError("The name '" + std::string(name) + "' looks like a Tensor name, but is not a valid one.");
  }
  Node* node = find_node(op_name);
  if (!node) {
    throw NotFoundError("The name '" + std::string(name) + "' refers to a Tensor which does not exist. The operation, '" +
                        std::string(op_name) + "', does not exist in the graph.");
  }
  if (index < 0 || index >= node->num_outputs()) {
    throw NotFoundError("The name '" + std::string(name) + "' refers to a Tensor which does not exist. The operation, '" +
                        std::string(op_name) + "', exists but only has " + std::to_string(node->num_outputs()) +
                        " outputs.");
  }
  return Output(node, index);
}

std::vector<Node*> Graph::nodes() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<Node*> out;
  out.reserve(impl_->nodes.size());
  for (const auto& n : impl_->nodes) out.push_back(n.get());
  return out;
}

std::size_t Graph::num_nodes() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->nodes.size();
}

void Graph::set_random_seed(std::optional<std::int64_t> seed) {
  std::lock_guard lock(impl_->mutex);
  impl_->seed = seed;
}

std::optional<std::int64_t> Graph::random_seed() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seed;
}

// TF1's random_seed.get_seed.
std::pair<std::int64_t, std::int64_t> Graph::get_seed(std::optional<std::int64_t> op_seed) {
  constexpr std::int64_t kDefaultGraphSeed = 87654321;
  std::lock_guard lock(impl_->mutex);
  std::int64_t seed = 0, seed2 = 0;
  if (impl_->seed) {
    seed = *impl_->seed;
    seed2 = op_seed ? *op_seed : static_cast<std::int64_t>(impl_->nodes.size());
  } else if (op_seed) {
    seed = kDefaultGraphSeed;
    seed2 = *op_seed;
  } else {
    return {0, 0};  // nondeterministic
  }
  // (0, 0) means "nondeterministic" to kernels; an explicit (0, 0) must stay deterministic.
  if (seed == 0 && seed2 == 0) seed2 = std::numeric_limits<std::int32_t>::max();
  return {seed, seed2};
}

VariableStore& Graph::variable_store() { return *impl_->store; }

// ---- Default graph -----------------------------------------------------------------------------

Graph& get_default_graph() {
  if (!default_graph_stack.empty()) return *default_graph_stack.back();
  GlobalDefaultGraph& g = global_default();
  std::lock_guard lock(g.mutex);
  if (!g.graph) g.graph = std::make_unique<Graph>();
  return *g.graph;
}

void reset_default_graph() {
  if (!default_graph_stack.empty()) {
    throw FailedPreconditionError(
        "Do not use reset_default_graph() to clear a nested graph. If you need a cleared graph, exit the "
        "nesting and create a new graph.");
  }
  GlobalDefaultGraph& g = global_default();
  std::lock_guard lock(g.mutex);
  if (g.graph) g.retired.push_back(std::move(g.graph));
  g.graph = std::make_unique<Graph>();
}

DefaultGraph::DefaultGraph(Graph& graph) : graph_(&graph) { default_graph_stack.push_back(graph_); }

DefaultGraph::~DefaultGraph() {
  // LIFO by construction of RAII guards; tolerate misuse without corrupting other entries.
  auto it = std::find(default_graph_stack.rbegin(), default_graph_stack.rend(), graph_);
  if (it != default_graph_stack.rend()) default_graph_stack.erase(std::next(it).base());
}

// ---- Scope guards ------------------------------------------------------------------------------

ControlDependencies::ControlDependencies(std::vector<Node*> ops) : graph_(&get_default_graph()) {
  for (Node* op : ops) {
    if (!op) throw InvalidArgumentError("control_dependencies: a control input is null");
    if (&op->graph() != graph_) {
      throw ValueError("control_dependencies: op '" + op->name() + "' must be from the default graph");
    }
  }
  thread_state(*graph_).control_stack.push_back(ControlFrame{std::move(ops), false});
}

ControlDependencies::ControlDependencies(const std::vector<Output>& tensors)
    : ControlDependencies([&] {
        std::vector<Node*> ops;
        for (const Output& t : tensors) ops.push_back(t.node);
        return ops;
      }()) {}

ControlDependencies::ControlDependencies(std::nullptr_t) : graph_(&get_default_graph()) {
  thread_state(*graph_).control_stack.push_back(ControlFrame{{}, true});
}

ControlDependencies::~ControlDependencies() { thread_state(*graph_).control_stack.pop_back(); }

DeviceScope::DeviceScope(std::string_view device) : graph_(&get_default_graph()) {
  thread_state(*graph_).device_stack.push_back(DeviceFrame{Device::parse(device), {}, false});
}

DeviceScope::DeviceScope(DeviceFunction device_function) : graph_(&get_default_graph()) {
  thread_state(*graph_).device_stack.push_back(DeviceFrame{{}, std::move(device_function), false});
}

DeviceScope::DeviceScope(std::nullptr_t) : graph_(&get_default_graph()) {
  thread_state(*graph_).device_stack.push_back(DeviceFrame{{}, {}, true});
}

DeviceScope::~DeviceScope() { thread_state(*graph_).device_stack.pop_back(); }

ColocateWith::ColocateWith(const Node& op) : graph_(&op.graph()) {
  std::vector<std::string> groups = op.colocation_groups();
  if (groups.empty()) groups.push_back("loc:@" + op.name());
  ThreadState& ts = thread_state(*graph_);
  // Inside colocate_with the device stack is set aside (TF), so the node follows `op`.
  ts.device_stack.push_back(DeviceFrame{{}, {}, true});
  ts.colocation_stack.push_back(ColocationFrame{std::move(groups), op.device()});
}

ColocateWith::~ColocateWith() {
  ThreadState& ts = thread_state(*graph_);
  ts.colocation_stack.pop_back();
  ts.device_stack.pop_back();
}

}  // namespace varscope
