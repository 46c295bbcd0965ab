// Variable scopes and get_variable: TensorFlow 1's scoped parameter management.
//
// Worked example (names exactly as TF1 gives them):
//
//   Graph g;
//   DefaultGraph use{g};
//   {
//     VariableScope foo{"foo"};
//     VariableScope bar{"bar"};
//     auto v = get_variable("v", {1});          // "foo/bar/v:0", float32, glorot_uniform
//     get_variable("v", {1});                   // ValueError: Variable foo/bar/v already exists, ...
//   }
//   auto tower = [] {
//     VariableScope model{"model", {.reuse = AUTO_REUSE}};
//     return get_variable("w", {3, 3});         // created once: "model/w:0"
//   };
//   Variable a = tower(), b = tower();          // a == b: one variable, two callers
//   {
//     NameScope ns{"ns"};
//     VariableScope vs{"vs"};                   // ops under "ns/vs/", variables under "vs/"
//     auto w = get_variable("w", {});           // "vs/w:0": name scopes do not prefix get_variable
//   }
//
// Scopes are per (graph, thread): each thread starts at the root scope. The store of variables is
// per graph and shared by all threads; "look up or create" is atomic.
// Note [Reuse inheritance]: a scope entered by name takes its `reuse` argument when it is true or
// AUTO_REUSE, else its parent's (so reuse=true cannot be switched off below); a captured scope
// re-entered takes the argument when truthy, else its own recorded reuse (the parent's is ignored);
// a default-name scope always inherits and rejects a truthy argument.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "varscope/constraints.h"
#include "varscope/graph.h"
#include "varscope/initializers.h"
#include "varscope/partitioners.h"
#include "varscope/regularizers.h"
#include "varscope/source_location.h"
#include "varscope/variable.h"

namespace varscope {

/// A scope's reuse mode: false, true, or AUTO_REUSE (TF's False / True / tf.AUTO_REUSE).
/// Options written `.reuse = true` or `.reuse = AUTO_REUSE`; false means "inherit".
class Reuse {
 public:
  enum class Mode : std::uint8_t { kFalse, kTrue, kAuto };

  constexpr Reuse() = default;
  constexpr Reuse(bool reuse) : mode_(reuse ? Mode::kTrue : Mode::kFalse) {}
  /// Only true, false and AUTO_REUSE are reuse values (TF: "The reuse parameter must be True or
  /// False or None."): integers and other types are rejected at compile time.
  template <class T>
    requires(!std::same_as<T, bool>)
  Reuse(T) = delete;
  static constexpr Reuse auto_reuse() {
    Reuse r{};
    r.mode_ = Mode::kAuto;
    return r;
  }

  constexpr Mode mode() const { return mode_; }
  /// Python truthiness: true for True and AUTO_REUSE.
  constexpr explicit operator bool() const { return mode_ != Mode::kFalse; }
  constexpr bool operator==(const Reuse&) const = default;

 private:
  Mode mode_ = Mode::kFalse;
};

/// tf.AUTO_REUSE: get the variable if it exists, else create it.
inline constexpr Reuse AUTO_REUSE = Reuse::auto_reuse();

/// "False", "True" or "AUTO_REUSE".
std::string to_string(Reuse reuse);
std::ostream& operator<<(std::ostream& os, Reuse reuse);

/// TF's VariableSynchronization / VariableAggregation (recorded; kOnRead makes trainable default false).
enum class Synchronization { kAuto, kNone, kOnWrite, kOnRead };
enum class Aggregation { kNone, kSum, kMean, kOnlyFirstReplica };

/// A caching device: a device string ("" = no caching, overriding an inherited one) or a device
/// function of the read op.
struct CachingDevice {
  std::string device{};
  DeviceFunction function{};

  CachingDevice(const char* d) : device(d) {}
  CachingDevice(std::string d) : device(std::move(d)) {}
  CachingDevice(std::string_view d) : device(d) {}
  CachingDevice(DeviceFunction f) : function(std::move(f)) {}
};

class GetVariableResult;
struct GetterArgs;
/// The next getter in a chain: the true getter, or an outer custom getter.
using Getter = std::function<GetVariableResult(const GetterArgs& args)>;
/// A custom getter (TF's custom_getter): called instead of the true getter with the full name and
/// every argument; it may call `getter` any number of times and return any tensor.
using CustomGetter = std::function<GetVariableResult(const Getter& getter, const GetterArgs& args)>;

/// The arguments a custom getter receives (TF passes them as keywords). `name` is the full name.
struct GetterArgs {
  std::string name{};
  Shape shape = Shape::unknown();
  DType dtype = DType::kFloat32;
  Initializer initializer{};
  Regularizer regularizer{};
  Reuse reuse{};
  bool trainable = true;
  std::optional<std::vector<std::string>> collections{};
  std::optional<CachingDevice> caching_device{};
  Partitioner partitioner{};
  bool validate_shape = true;
  Synchronization synchronization = Synchronization::kAuto;
  Aggregation aggregation = Aggregation::kNone;
  Constraint constraint{};
  SourceLocation location = SourceLocation::current();
};

/// What get_variable returns: a Variable, a PartitionedVariable (when a partitioner applied), or the
/// tensor a custom getter chose to return. Converts to Variable (throwing TypeError when it holds
/// something else) and to its value tensor.
class GetVariableResult {
 public:
  GetVariableResult(Variable v) : value_(std::move(v)) {}
  GetVariableResult(PartitionedVariable v) : value_(std::move(v)) {}
  GetVariableResult(Output tensor) : value_(tensor) {}

  bool is_variable() const { return std::holds_alternative<Variable>(value_); }
  bool is_partitioned() const { return std::holds_alternative<PartitionedVariable>(value_); }
  bool is_tensor() const { return std::holds_alternative<Output>(value_); }
  /// Throws TypeError naming what it holds instead.
  const Variable& variable() const;
  const PartitionedVariable& partitioned() const;
  /// The variable's read value, the partitioned variable's concatenation, or the tensor.
  Output value() const;
  /// "foo/v:0" for a Variable, "foo/v" for a PartitionedVariable, "x:0" for a tensor.
  std::string name() const;
  Shape shape() const;
  DType dtype() const;

  operator Variable() const { return variable(); }
  operator Output() const { return value(); }
  bool operator==(const GetVariableResult& other) const = default;

 private:
  std::variant<Variable, PartitionedVariable, Output> value_;
};

struct VariableScopeData;

/// A variable scope object (TF's VariableScope): what `with variable_scope(...) as s` yields and
/// get_variable_scope() returns. A handle: copies refer to the same scope, and set_* on the
/// current scope affect get_variable until that scope exits.
class VariableScopeRef {
 public:
  VariableScopeRef() = default;
  explicit VariableScopeRef(std::shared_ptr<VariableScopeData> data) : data_(std::move(data)) {}

  /// "foo/bar" ("" for the root).
  const std::string& name() const;
  /// The name scope opened when this scope was created by name: "foo/bar/" (or "foo/bar_1/").
  const std::string& original_name_scope() const;
  Reuse reuse() const;
  const Initializer& initializer() const;
  const Regularizer& regularizer() const;
  const std::optional<CachingDevice>& caching_device() const;
  const Partitioner& partitioner() const;
  const CustomGetter& custom_getter() const;
  /// The scope dtype (float32 at the root).
  DType dtype() const;
  const Constraint& constraint() const;

  /// Sets reuse to true; irreversible.
  void reuse_variables();
  void set_initializer(Initializer initializer);
  void set_regularizer(Regularizer regularizer);
  void set_caching_device(std::optional<CachingDevice> caching_device);
  void set_partitioner(Partitioner partitioner);
  /// Replaces the getter (no chaining).
  void set_custom_getter(CustomGetter custom_getter);
  void set_dtype(DType dtype);

  /// Items of `key` whose names start with this scope's name + "/" (all items at the root).
  std::vector<Variable> get_collection(std::string_view key) const;
  std::vector<Variable> global_variables() const;
  std::vector<Variable> trainable_variables() const;
  std::vector<Variable> local_variables() const;

  explicit operator bool() const { return static_cast<bool>(data_); }
  bool operator==(const VariableScopeRef& other) const { return data_ == other.data_; }
  const std::shared_ptr<VariableScopeData>& data() const { return data_; }

 private:
  std::shared_ptr<VariableScopeData> data_;
};

/// Options of variable_scope, in TF's keyword order (designated initializers must follow it).
/// Unset fields inherit from the enclosing scope (or, on re-entry, from the captured scope).
struct VariableScopeOptions {
  /// Used when the scope is opened without a name: uniquified ("dense", "dense_1") per thread.
  std::string default_name{};
  Initializer initializer{};
  Regularizer regularizer{};
  std::optional<CachingDevice> caching_device{};
  Partitioner partitioner{};
  /// Chained on top of the inherited getter: it runs first, its `getter` is the outer one.
  CustomGetter custom_getter{};
  /// false inherits; true and AUTO_REUSE set it (see Note [Reuse inheritance]).
  Reuse reuse{};
  std::optional<DType> dtype{};
  /// Applies only to get_variable calls directly in this scope (not inherited; TF).
  Constraint constraint{};
  /// Open a name scope as well (TF's auxiliary_name_scope).
  bool auxiliary_name_scope = true;
};

/// `with tf.variable_scope(...) as s:` on this thread's default graph; exits when destroyed.
/// Must be destroyed in reverse order of creation ("Improper nesting of variable_scope."
/// otherwise, logged since destructors do not throw; see exit()).
class [[nodiscard]] VariableScope {
 public:
  /// By name (a string), or nullopt with options.default_name (TF's variable_scope(None, default_name)).
  /// Throws TypeError "If default_name is None then name_or_scope is required" when both are
  /// missing, ValueError "reuse=True cannot be used without a name_or_scope" for a default-name
  /// scope with a truthy reuse, and ValueError for an empty name.
  [[nodiscard]] explicit VariableScope(std::optional<std::string_view> name_or_none,
                                       VariableScopeOptions options = {});
  /// Re-enters a captured scope: a copy of it is pushed (the original is not changed).
  [[nodiscard]] explicit VariableScope(const VariableScopeRef& scope, VariableScopeOptions options = {});
  /// Exits unless exit() already did; never throws.
  ~VariableScope();
  VariableScope(const VariableScope&) = delete;
  VariableScope& operator=(const VariableScope&) = delete;

  /// Exits now. Throws RuntimeError "Improper nesting of variable_scope." when this is not the
  /// innermost open scope of its thread (the scope then stays open).
  void exit();

  /// The scope object this block pushed.
  const VariableScopeRef& scope() const { return scope_; }
  const std::string& name() const { return scope_.name(); }
  const std::string& original_name_scope() const { return scope_.original_name_scope(); }
  Reuse reuse() const { return scope_.reuse(); }
  void reuse_variables() { scope_.reuse_variables(); }

 private:
  struct Saved;
  void enter(std::optional<std::string_view> name, const VariableScopeRef* reenter,
             VariableScopeOptions options);

  Graph* graph_ = nullptr;
  VariableScopeRef scope_;
  std::unique_ptr<Saved> saved_;
  bool open_ = false;
};

/// The current variable scope of this thread's default graph (tf.get_variable_scope()).
VariableScopeRef get_variable_scope();

/// Options of get_variable, in TF's keyword order. Unset fields take the scope's value.
struct GetVariableOptions {
  std::optional<DType> dtype{};
  Initializer initializer{};
  Regularizer regularizer{};
  /// Default true (false for Synchronization::kOnRead).
  std::optional<bool> trainable{};
  /// Default {GLOBAL_VARIABLES}; TRAINABLE_VARIABLES is appended when trainable. {} = none.
  std::optional<std::vector<std::string>> collections{};
  std::optional<CachingDevice> caching_device{};
  Partitioner partitioner{};
  bool validate_shape = true;
  CustomGetter custom_getter{};
  Constraint constraint{};
  Synchronization synchronization = Synchronization::kAuto;
  Aggregation aggregation = Aggregation::kNone;
};

/// tf.get_variable: gets or creates the variable "<scope>/<name>" per the scope's reuse (see
/// ../../shared/spec/variable_scope.md §1.4). `shape` defaults to unknown (TF's shape=None).
/// Throws ValueError with TF's exact texts: "Variable F already exists, disallowed. ..." (followed
/// by where F was created), "Variable F does not exist, or was not created with
/// tf.get_variable(). ...", "Trying to share variable F, but specified shape ...", and the rest of
/// the spec's error catalogue.
GetVariableResult get_variable(std::string_view name, const Shape& shape = Shape::unknown(),
                               GetVariableOptions options = {},
                               SourceLocation location = SourceLocation::current());

/// tf.get_local_variable: get_variable with trainable=false, in LOCAL_VARIABLES (not GLOBAL).
GetVariableResult get_local_variable(std::string_view name, const Shape& shape = Shape::unknown(),
                                     GetVariableOptions options = {},
                                     SourceLocation location = SourceLocation::current());

}  // namespace varscope
