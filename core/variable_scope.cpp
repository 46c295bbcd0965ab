// variable_scope and get_variable: TF1's VariableScope, _pure_variable_scope, variable_scope and
// VariableScope.get_variable (spec §1.3, §1.4, §1.7). See Note [Reuse inheritance] in
// include/varscope/variable_scope.h.
#include "varscope/variable_scope.h"

#include <ostream>

#include "core/graph_impl.h"
#include "core/graph_transaction.h"
#include "core/variable_scope_data.h"
#include "varscope/collections.h"
#include "varscope/error.h"
#include "varscope/name_scope.h"
#include "varscope/variable_store.h"

namespace varscope {

std::string to_string(Reuse reuse) {
  switch (reuse.mode()) {
    case Reuse::Mode::kFalse: return "False";
    case Reuse::Mode::kTrue: return "True";
    case Reuse::Mode::kAuto: return "AUTO_REUSE";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& os, Reuse reuse) { return os << to_string(reuse); }

const std::shared_ptr<VariableScopeData>& current_variable_scope(Graph& graph) {
  ThreadState& ts = thread_state(graph);
  if (!ts.variable_scope) {
    ts.variable_scope = std::make_shared<VariableScopeData>();
    ts.variable_scope->graph = &graph;
  }
  return ts.variable_scope;
}

// ---- GetVariableResult -------------------------------------------------------------------------

namespace {
std::string describe(const std::variant<Variable, PartitionedVariable, Output>& v) {
  if (auto* p = std::get_if<PartitionedVariable>(&v)) return "PartitionedVariable " + p->name();
  if (auto* t = std::get_if<Output>(&v)) return "tensor " + t->name();
  return "Variable " + std::get<Variable>(v).name();
}
}  // namespace

const Variable& GetVariableResult::variable() const {
  if (auto* v = std::get_if<Variable>(&value_)) return *v;
  throw TypeError("get_variable returned a " + describe(value_) + ", not a Variable");
}

const PartitionedVariable& GetVariableResult::partitioned() const {
  if (auto* v = std::get_if<PartitionedVariable>(&value_)) return *v;
  throw TypeError("get_variable returned a " + describe(value_) + ", not a PartitionedVariable");
}

Output GetVariableResult::value() const {
  if (auto* v = std::get_if<Variable>(&value_)) return v->value();
  if (auto* p = std::get_if<PartitionedVariable>(&value_)) return p->as_tensor();
  return std::get<Output>(value_);
}

std::string GetVariableResult::name() const {
  if (auto* v = std::get_if<Variable>(&value_)) return v->name();
  if (auto* p = std::get_if<PartitionedVariable>(&value_)) return p->name();
  return std::get<Output>(value_).name();
}

Shape GetVariableResult::shape() const {
  if (auto* v = std::get_if<Variable>(&value_)) return v->shape();
  if (auto* p = std::get_if<PartitionedVariable>(&value_)) return p->shape();
  return std::get<Output>(value_).shape();
}

DType GetVariableResult::dtype() const {
  if (auto* v = std::get_if<Variable>(&value_)) return v->dtype();
  if (auto* p = std::get_if<PartitionedVariable>(&value_)) return p->dtype();
  return std::get<Output>(value_).dtype();
}

// ---- VariableScopeRef --------------------------------------------------------------------------

const std::string& VariableScopeRef::name() const { return data_->name; }
const std::string& VariableScopeRef::original_name_scope() const { return data_->original_name_scope; }
Reuse VariableScopeRef::reuse() const { return data_->reuse; }
const Initializer& VariableScopeRef::initializer() const { return data_->initializer; }
const Regularizer& VariableScopeRef::regularizer() const { return data_->regularizer; }
const std::optional<CachingDevice>& VariableScopeRef::caching_device() const { return data_->caching_device; }
const Partitioner& VariableScopeRef::partitioner() const { return data_->partitioner; }
const CustomGetter& VariableScopeRef::custom_getter() const { return data_->custom_getter; }
DType VariableScopeRef::dtype() const { return data_->dtype; }
const Constraint& VariableScopeRef::constraint() const { return data_->constraint; }

void VariableScopeRef::reuse_variables() { data_->reuse = Reuse(true); }
void VariableScopeRef::set_initializer(Initializer initializer) { data_->initializer = std::move(initializer); }
void VariableScopeRef::set_regularizer(Regularizer regularizer) { data_->regularizer = std::move(regularizer); }
void VariableScopeRef::set_caching_device(std::optional<CachingDevice> caching_device) {
  data_->caching_device = std::move(caching_device);
}
void VariableScopeRef::set_partitioner(Partitioner partitioner) { data_->partitioner = std::move(partitioner); }
void VariableScopeRef::set_custom_getter(CustomGetter custom_getter) {
  data_->custom_getter = std::move(custom_getter);
}
void VariableScopeRef::set_dtype(DType dtype) { data_->dtype = dtype; }

std::vector<Variable> VariableScopeRef::get_collection(std::string_view key) const {
  std::string scope = data_->name.empty() ? "" : data_->name + "/";
  return get_variable_collection(key, scope, *data_->graph);
}
std::vector<Variable> VariableScopeRef::global_variables() const {
  return get_collection(GraphKeys::GLOBAL_VARIABLES);
}
std::vector<Variable> VariableScopeRef::trainable_variables() const {
  return get_collection(GraphKeys::TRAINABLE_VARIABLES);
}
std::vector<Variable> VariableScopeRef::local_variables() const {
  return get_collection(GraphKeys::LOCAL_VARIABLES);
}

VariableScopeRef get_variable_scope() { return VariableScopeRef(current_variable_scope(get_default_graph())); }

// ---- VariableScope (the guard) -----------------------------------------------------------------

namespace {

// TF's _maybe_wrap_custom_getter: the new getter runs first; its `getter` runs the old one.
CustomGetter chain_custom_getters(CustomGetter new_getter, CustomGetter old_getter) {
  if (!old_getter) return new_getter;
  return [new_getter = std::move(new_getter), old_getter = std::move(old_getter)](
             const Getter& getter, const GetterArgs& args) -> GetVariableResult {
    Getter outer = [&old_getter, &getter](const GetterArgs& a) { return old_getter(getter, a); };
    return new_getter(outer, args);
  };
}

// Non-empty options override what the new scope copied from its parent or captured scope.
void apply_overrides(VariableScopeData& scope, VariableScopeOptions& options, const CustomGetter& base_getter) {
  if (!options.initializer.empty()) scope.initializer = std::move(options.initializer);
  if (options.regularizer) scope.regularizer = std::move(options.regularizer);
  if (options.caching_device) scope.caching_device = std::move(options.caching_device);
  if (options.partitioner) scope.partitioner = std::move(options.partitioner);
  if (options.custom_getter) scope.custom_getter = chain_custom_getters(std::move(options.custom_getter), base_getter);
  if (options.dtype) scope.dtype = *options.dtype;
  scope.constraint = std::move(options.constraint);  // never inherited (spec decision 1)
}

// TF's _get_unique_variable_scope: `prefix`, else the first free `prefix_k` by exact-key counts.
std::string unique_variable_scope(const ThreadState& ts, const VariableScopeData& current, const std::string& prefix) {
  std::string name = current.name.empty() ? prefix : current.name + "/" + prefix;
  auto count = [&](const std::string& key) {
    auto it = ts.variable_scope_counts.find(key);
    return it == ts.variable_scope_counts.end() ? 0 : it->second;
  };
  if (count(name) == 0) return prefix;
  int idx = 1;
  while (count(name + "_" + std::to_string(idx)) > 0) ++idx;
  return prefix + "_" + std::to_string(idx);
}

}  // namespace

struct VariableScope::Saved {
  std::shared_ptr<VariableScopeData> previous;
  std::optional<NameScope> name_scope;
  bool entered_by_object = false;
  std::string new_name;
  std::unordered_map<std::string, int> counts_at_entry;
};

VariableScope::VariableScope(std::optional<std::string_view> name_or_none, VariableScopeOptions options)
    : graph_(&get_default_graph()) {
  if (!name_or_none && options.default_name.empty()) {
    throw TypeError("If default_name is None then name_or_scope is required");
  }
  if (name_or_none && name_or_none->empty()) {
    const std::string& enclosing = current_variable_scope(*graph_)->name;
    throw ValueError("variable_scope name must not be empty (inside " +
                     (enclosing.empty() ? std::string("the root variable scope") : "variable scope '" + enclosing + "'") +
                     "): TensorFlow would silently create names like '" + enclosing + "//v'");
  }
  if (!name_or_none && options.reuse) throw ValueError("reuse=True cannot be used without a name_or_scope");
  enter(name_or_none, nullptr, std::move(options));
}

VariableScope::VariableScope(const VariableScopeRef& scope, VariableScopeOptions options) : graph_(&get_default_graph()) {
  if (!scope) throw ValueError("variable_scope: cannot re-enter a null VariableScopeRef");
  enter(std::nullopt, &scope, std::move(options));
}

void VariableScope::enter(std::optional<std::string_view> name, const VariableScopeRef* reenter,
                          VariableScopeOptions options) {
  saved_ = std::make_unique<Saved>();
  ThreadState& ts = thread_state(*graph_);
  const std::shared_ptr<VariableScopeData> parent = current_variable_scope(*graph_);
  saved_->previous = parent;

  // (a) The name scope. With auxiliary_name_scope=false the current one is re-entered absolutely.
  std::string opened_name_scope;
  bool have_name_scope = false;
  auto open_name_scope = [&](std::string_view n) {
    saved_->name_scope.emplace(n);
    opened_name_scope = saved_->name_scope->name();
    have_name_scope = true;
  };
  if (!options.auxiliary_name_scope) {
    std::string current = graph_->get_name_scope();
    open_name_scope(current.empty() ? std::string() : current + "/");
  }

  auto scope = std::make_shared<VariableScopeData>();
  scope->graph = graph_;
  if (reenter) {
    // Re-entry: a copy of the captured scope; its own reuse unless a truthy one is given.
    const VariableScopeData& s = *reenter->data();
    const std::string& full = s.name;
    std::string last = full.substr(full.rfind('/') == std::string::npos ? 0 : full.rfind('/') + 1);
    if (!have_name_scope && !last.empty()) open_name_scope(last);
    *scope = s;
    scope->graph = graph_;
    scope->reuse = options.reuse ? options.reuse : s.reuse;
    apply_overrides(*scope, options, s.custom_getter);
    saved_->entered_by_object = true;
    saved_->new_name = scope->name;
    ts.variable_scope_counts[scope->name] += 1;
    saved_->counts_at_entry = ts.variable_scope_counts;
  } else {
    std::string local;
    if (name) {
      local = std::string(*name);
      if (!have_name_scope) open_name_scope(local);
    } else {
      if (!have_name_scope) open_name_scope(options.default_name);
      local = unique_variable_scope(ts, *parent, options.default_name);
    }
    scope->name = parent->name.empty() ? local : parent->name + "/" + local;
    scope->original_name_scope = opened_name_scope;
    scope->reuse = options.reuse ? options.reuse : parent->reuse;
    scope->initializer = parent->initializer;
    scope->regularizer = parent->regularizer;
    scope->caching_device = parent->caching_device;
    scope->partitioner = parent->partitioner;
    scope->custom_getter = parent->custom_getter;
    scope->dtype = parent->dtype;
    apply_overrides(*scope, options, parent->custom_getter);
    saved_->new_name = scope->name;
    ts.variable_scope_counts[scope->name] += 1;
  }
  ts.variable_scope = scope;
  scope_ = VariableScopeRef(scope);
  open_ = true;
}

void VariableScope::exit() {
  if (!open_) return;
  ThreadState& ts = thread_state(*graph_);
  if (ts.variable_scope != scope_.data()) throw RuntimeError("Improper nesting of variable_scope.");
  if (saved_->entered_by_object) {
    ts.variable_scope_counts = std::move(saved_->counts_at_entry);
  } else {
    // Sub-scope counters restart next time this scope is entered; its own count stays.
    const std::string prefix = saved_->new_name + "/";
    for (auto& [key, count] : ts.variable_scope_counts) {
      if (key.compare(0, prefix.size(), prefix) == 0) count = 0;
    }
  }
  ts.variable_scope = saved_->previous;
  saved_->name_scope.reset();
  open_ = false;
}

VariableScope::~VariableScope() {
  try {
    exit();
  } catch (const std::exception&) {
    // Destroyed out of order (only possible when guards are heap-allocated): leave the stack as
    // it is rather than pop someone else's scope; the owner of the inner scope will restore it.
  }
}

// ---- get_variable ------------------------------------------------------------------------------

namespace {

GetterArgs resolve_arguments(const VariableScopeData& scope, std::string_view name, const Shape& shape,
                             GetVariableOptions& options, SourceLocation location) {
  GetterArgs args;
  args.name = scope.name.empty() ? std::string(name) : scope.name + "/" + std::string(name);
  args.shape = shape;
  // The explicit dtype must match a constant initializer before scope defaults fill anything in.
  if (options.dtype && options.initializer.is_constant() && options.initializer.constant_dtype() != *options.dtype) {
    throw ValueError("Initializer type '" + dtype_repr(options.initializer.constant_dtype()) + "' and explicit dtype '" +
                     dtype_repr(*options.dtype) + "' don't match.");
  }
  args.initializer = options.initializer.empty() ? scope.initializer : std::move(options.initializer);
  args.regularizer = options.regularizer ? std::move(options.regularizer) : scope.regularizer;
  args.constraint = options.constraint ? std::move(options.constraint) : scope.constraint;
  args.dtype = options.dtype.value_or(scope.dtype);
  args.caching_device = options.caching_device ? std::move(options.caching_device) : scope.caching_device;
  args.partitioner = options.partitioner ? std::move(options.partitioner) : scope.partitioner;
  args.reuse = scope.reuse;
  args.collections = std::move(options.collections);
  args.validate_shape = options.validate_shape;
  args.synchronization = options.synchronization;
  args.aggregation = options.aggregation;
  // ON_READ variables are not trainable unless asked to be (TF 2.x accepts trainable=True with it).
  args.trainable = options.trainable.value_or(options.synchronization != Synchronization::kOnRead);
  args.location = location;
  return args;
}

}  // namespace

GetVariableResult get_variable(std::string_view name, const Shape& shape, GetVariableOptions options,
                               SourceLocation location) {
  Graph& graph = get_default_graph();
  GraphTransaction transaction{graph};  // a failure (in a custom getter too) leaves nothing behind
  const std::shared_ptr<VariableScopeData> scope = current_variable_scope(graph);
  CustomGetter custom_getter = options.custom_getter ? std::move(options.custom_getter) : scope->custom_getter;
  GetterArgs args = resolve_arguments(*scope, name, shape, options, location);
  // get_variable ignores the caller's name scope: everything below is built at the root.
  NameScope root{""};
  VariableStore& store = graph.variable_store();
  if (!custom_getter) return store.get_variable(args, args.reuse);
  Getter true_getter = [&store](const GetterArgs& a) { return store.get_variable(a, a.reuse); };
  return custom_getter(true_getter, args);
}

GetVariableResult get_local_variable(std::string_view name, const Shape& shape, GetVariableOptions options,
                                     SourceLocation location) {
  std::vector<std::string> collections = options.collections.value_or(std::vector<std::string>{});
  collections.emplace_back(GraphKeys::LOCAL_VARIABLES);
  options.collections = std::move(collections);
  options.trainable = false;
  return get_variable(name, shape, std::move(options), location);
}

}  // namespace varscope
