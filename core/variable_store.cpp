// The true getter: TF's _VariableStore.get_variable, _get_single_variable and
// _get_partitioned_variable, in the spec's exact order of checks (spec §1.4, §1.6).
#include "varscope/variable_store.h"

#include <algorithm>

#include "core/graph_impl.h"
#include "core/graph_transaction.h"
#include "core/variable_data.h"
#include "varscope/collections.h"
#include "varscope/error.h"
#include "varscope/name_scope.h"
#include "varscope/ops.h"

namespace varscope {
namespace {

// Python's `reuse is False` / `reuse is True`; nullopt is None (get or create).
bool is_false(std::optional<Reuse> r) { return r && r->mode() == Reuse::Mode::kFalse; }
bool is_true(std::optional<Reuse> r) { return r && r->mode() == Reuse::Mode::kTrue; }
bool truthy(std::optional<Reuse> r) { return r && static_cast<bool>(*r); }

std::string creation_site_text(const SourceLocation& site) {
  return "  File \"" + std::string(site.file_name()) + "\", line " + std::to_string(site.line()) + ", in " +
         site.function_name() + "\n";
}

// TF's _get_default_initializer.
Initializer default_initializer(const std::string& name, DType dtype) {
  if (is_floating(dtype)) return glorot_uniform_initializer();
  if (is_integer(dtype) || dtype == DType::kBool) return zeros_initializer();
  throw ValueError("An initializer for variable " + name + " of " + dtype_repr(dtype) + " is required");
}

const char* kInvalidInitializer =
    "The initializer passed is not valid. It should be a callable with no arguments and the shape should not be "
    "provided or an instance of `tf.keras.initializers.*' and `shape` should be fully defined.";

class TrueGetter {
 public:
  explicit TrueGetter(Graph& graph) : graph_(graph), impl_(graph.impl()) {}

  GetVariableResult get(const GetterArgs& args, std::optional<Reuse> reuse) {
    const bool is_scalar = args.shape.has_known_rank() && args.shape.rank() == 0;
    if (args.partitioner && !is_scalar) return get_partitioned(args, reuse);
    if (is_true(reuse) && !args.partitioner && impl_.store_partitioned.count(args.name)) {
      return get_partitioned(args, reuse);
    }
    if (impl_.store_variables.count(args.name + "/part_0")) {
      throw ValueError("No partitioner was provided, but a partitioned version of the variable was found: " + args.name +
                       "/part_0. Perhaps a variable of the same name was already created with partitioning?");
    }
    return get_single(args, reuse, nullptr);
  }

 private:
  Variable get_single(const GetterArgs& args, std::optional<Reuse> reuse, const PartitionInfo* partition_info) {
    const std::string& name = args.name;
    const bool from_value = args.initializer.is_constant();
    if (args.shape.has_known_rank() && from_value) throw ValueError("If initializer is a constant, do not specify shape.");

    if (auto it = impl_.store_variables.find(name); it != impl_.store_variables.end()) {
      const Variable& found = it->second;
      if (is_false(reuse)) {
        throw ValueError("Variable " + name +
                         " already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in "
                         "VarScope? Originally defined at:\n\n" +
                         creation_site_text(found.creation_site()));
      }
      if (!args.shape.is_compatible_with(found.shape())) {
        throw ValueError("Trying to share variable " + name + ", but specified shape " + args.shape.to_string() +
                         " and found shape " + found.shape().to_string() + ".");
      }
      if (args.dtype != found.dtype()) {
        throw ValueError("Trying to share variable " + name + ", but specified dtype " +
                         std::string(dtype_name(args.dtype)) + " and found dtype " +
                         std::string(dtype_name(found.dtype())) + ".");
      }
      return found;
    }
    if (is_true(reuse)) {
      throw ValueError("Variable " + name +
                       " does not exist, or was not created with tf.get_variable(). Did you mean to set "
                       "reuse=tf.AUTO_REUSE in VarScope?");
    }

    Initializer init = args.initializer.empty() ? default_initializer(name, args.dtype) : args.initializer;
    CreateVariableArgs create;
    create.name = name;
    switch (init.kind()) {
      case Initializer::Kind::kTensor: create.initial_value.tensor = init.tensor(); break;
      case Initializer::Kind::kValue: create.initial_value.host = init.value(); break;
      case Initializer::Kind::kCallable:
        if (!args.shape.is_fully_defined()) throw ValueError(kInvalidInitializer);
        create.initial_value.thunk = [fn = init.fn(), shape = args.shape, dtype = args.dtype, partition_info] {
          return fn(shape, dtype, partition_info);
        };
        create.dtype = args.dtype;
        break;
      case Initializer::Kind::kNoArgCallable:
        create.initial_value.thunk = [fn = init.no_arg_fn(), shape = args.shape, name] {
          Output value = fn();
          if (!value.shape().is_compatible_with(shape)) {
            throw ValueError("Variable " + name + ": the initializer returned shape " + value.shape().to_string() +
                             " but shape " + shape.to_string() + " was requested");
          }
          return value;
        };
        break;
      case Initializer::Kind::kNone: break;
    }
    create.trainable = args.trainable;
    create.collections = args.collections;
    create.validate_shape = args.validate_shape;
    create.caching_device = args.caching_device;
    create.constraint = args.constraint;
    create.synchronization = args.synchronization;
    create.aggregation = args.aggregation;
    create.creation_site = args.location;
    Variable v = create_variable(graph_, std::move(create));
    impl_.store_variables.emplace(name, v);
    impl_.store_order.push_back(v);
    impl_.on_rollback([&impl = impl_, name] {
      impl.store_variables.erase(name);
      impl.store_order.pop_back();
    });

    // Only on creation, never on reuse: one loss, built next to the variable.
    if (args.regularizer) {
      ColocateWith colocate{*v.op()};
      NameScope scope{name + "/Regularizer/"};
      if (std::optional<Output> loss = args.regularizer(v.value())) {
        add_to_collection(GraphKeys::REGULARIZATION_LOSSES, *loss, graph_);
      }
    }
    return v;
  }

  // TF's _call_partitioner.
  static std::vector<std::int64_t> call_partitioner(const Partitioner& partitioner, const Shape& shape, DType dtype) {
    if (!shape.is_fully_defined()) {
      throw ValueError("Shape of a new partitioned variable must be fully defined, but instead was " +
                       shape.to_string() + ".");
    }
    if (shape.rank() < 1) {
      throw ValueError("A partitioned Variable must have rank at least 1, shape: " + shape.to_string());
    }
    std::vector<std::int64_t> slicing = partitioner(shape, dtype);
    if (static_cast<int>(slicing.size()) != shape.rank()) {
      throw ValueError("Partitioner returned a partition list that does not match the Variable's rank: " +
                       list_to_string(slicing) + " vs. " + shape.to_string());
    }
    if (std::any_of(slicing.begin(), slicing.end(), [](std::int64_t p) { return p < 1; })) {
      throw ValueError("Partitioner returned zero partitions for some axes: " + list_to_string(slicing));
    }
    if (std::count_if(slicing.begin(), slicing.end(), [](std::int64_t p) { return p > 1; }) > 1) {
      throw ValueError("Can only slice a variable along one dimension: shape: " + shape.to_string() +
                       ", partitioning: " + list_to_string(slicing));
    }
    return slicing;
  }

  PartitionedVariable get_partitioned(const GetterArgs& args, std::optional<Reuse> reuse) {
    const std::string& name = args.name;
    if (impl_.store_variables.count(name)) {
      throw ValueError("A partitioner was provided, but an unpartitioned version of the variable was found: " + name +
                       ".  Perhaps a variable of the same name was already created without partitioning?");
    }
    Shape shape = args.shape;
    if (args.initializer.kind() == Initializer::Kind::kTensor) shape = shape.merge_with(args.initializer.tensor().shape());
    std::optional<std::vector<std::int64_t>> partitions;
    if (!truthy(reuse) || args.partitioner) partitions = call_partitioner(args.partitioner, shape, args.dtype);

    if (auto it = impl_.store_partitioned.find(name); it != impl_.store_partitioned.end()) {
      const PartitionedVariable& existing = it->second;
      if (is_false(reuse)) {
        throw ValueError("Partitioned variable with name " + name +
                         " already exists. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?");
      }
      const std::string prefix = "Trying to reuse partitioned variable " + name + ", but specified ";
      if (!shape.is_compatible_with(existing.shape())) {
        throw ValueError(prefix + "shape " + shape.to_string() + " and found shape " + existing.shape().to_string() + ".");
      }
      if (args.dtype != existing.dtype()) {
        throw ValueError(prefix + "dtype " + std::string(dtype_name(args.dtype)) + " and found dtype " +
                         std::string(dtype_name(existing.dtype())) + ".");
      }
      if (partitions && *partitions != existing.partitions()) {
        throw ValueError(prefix + "partitions " + list_to_string(*partitions) + " and found partitions " +
                         list_to_string(existing.partitions()) + ".");
      }
      return existing;
    }
    if (is_true(reuse)) {
      throw ValueError("PartitionedVariable " + name +
                       " does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=False or "
                       "reuse=tf.AUTO_REUSE in VarScope?");
    }

    // The sliced axis (all ones: one shard along axis 0).
    std::size_t slice_dim = 0;
    std::int64_t num_slices = 1;
    for (std::size_t i = 0; i < partitions->size(); ++i) {
      if ((*partitions)[i] > 1) {
        slice_dim = i;
        num_slices = (*partitions)[i];
        break;
      }
    }
    const std::string first = name + "/part_0";
    if (impl_.store_variables.count(first)) {
      const std::string last = name + "/part_" + std::to_string(num_slices - 1);
      const std::string extra = name + "/part_" + std::to_string(num_slices);
      const std::string prefix = "Partitioner returned a different partitioning than what was already found.  Partitioner returned " +
                                 std::to_string(num_slices) + " shards, and shard " + first + " was found, but ";
      if (!impl_.store_variables.count(last)) throw ValueError(prefix + last + " was not.");
      if (impl_.store_variables.count(extra)) throw ValueError(prefix + "so was the extra shard " + extra + ".");
    }

    const std::vector<std::int64_t> full = shape.dims();
    DType dtype = args.dtype;
    Initializer base = args.initializer.empty() ? default_initializer(name, dtype) : args.initializer;
    auto data = std::make_shared<PartitionedVariableData>();
    const std::int64_t extent = full[slice_dim];
    const std::int64_t with_excess = extent % num_slices;
    std::vector<std::int64_t> offset(full.size(), 0);
    for (std::int64_t i = 0; i < num_slices; ++i) {
      std::vector<std::int64_t> var_shape = full;
      var_shape[slice_dim] = extent / num_slices + (i < with_excess ? 1 : 0);
      PartitionInfo partition_info(full, offset);
      GetterArgs shard = args;
      shard.name = name + "/part_" + std::to_string(i);
      shard.partitioner = nullptr;
      {
        NameScope init_scope{shard.name + "/PartitionedInitializer"};
        if (base.is_callable()) {
          shard.initializer = base;
          shard.shape = Shape(var_shape);
        } else {
          Output whole = base.kind() == Initializer::Kind::kTensor ? base.tensor() : constant(base.value());
          if (base.kind() == Initializer::Kind::kValue && whole.dtype() != dtype) whole = cast(whole, dtype);
          shard.initializer = slice(whole, offset, var_shape);
          dtype = whole.dtype();
          shard.dtype = dtype;
          shard.shape = Shape::unknown();
        }
      }
      Variable v;
      {
        NameScope root{""};
        v = get_single(shard, reuse, &partition_info);
      }
      v.data()->save_slice_info = SaveSliceInfo{name, full, offset, var_shape};
      data->shards.push_back(v);
      offset[slice_dim] += var_shape[slice_dim];
    }
    data->graph = &graph_;
    data->name = name;
    data->shape = shape;
    data->dtype = dtype;
    data->partitions = *partitions;
    PartitionedVariable pv(data);
    impl_.store_partitioned.emplace(name, pv);
    impl_.on_rollback([&impl = impl_, name] { impl.store_partitioned.erase(name); });
    return pv;
  }

  Graph& graph_;
  GraphImpl& impl_;
};

}  // namespace

GetVariableResult VariableStore::get_variable(const GetterArgs& args, std::optional<Reuse> reuse) {
  // Look-up-or-create is atomic: the graph's lock is held across it (user initializers and
  // regularizers may build ops, hence a recursive mutex); and all or nothing: a failure leaves no
  // node or store entry behind.
  GraphTransaction transaction{graph_};
  DefaultGraph use{graph_};
  NameScope root{""};
  return TrueGetter(graph_).get(args, reuse);
}

GetVariableResult VariableStore::get_variable(std::string_view name, const Shape& shape, GetVariableOptions options,
                                              std::optional<Reuse> reuse, SourceLocation location) {
  GetterArgs args;
  args.name = std::string(name);
  args.shape = shape;
  args.dtype = options.dtype.value_or(DType::kFloat32);
  args.initializer = std::move(options.initializer);
  args.regularizer = std::move(options.regularizer);
  args.reuse = reuse.value_or(Reuse(false));
  args.trainable = options.trainable.value_or(options.synchronization != Synchronization::kOnRead);
  args.collections = std::move(options.collections);
  args.caching_device = std::move(options.caching_device);
  args.partitioner = std::move(options.partitioner);
  args.validate_shape = options.validate_shape;
  args.synchronization = options.synchronization;
  args.aggregation = options.aggregation;
  args.constraint = std::move(options.constraint);
  args.location = location;
  if (options.custom_getter) {
    Getter true_getter = [this, reuse](const GetterArgs& a) { return get_variable(a, reuse); };
    return options.custom_getter(true_getter, args);
  }
  return get_variable(args, reuse);
}

std::optional<Variable> VariableStore::find(std::string_view name) const {
  std::lock_guard lock(graph_.impl().mutex);
  auto it = graph_.impl().store_variables.find(std::string(name));
  if (it == graph_.impl().store_variables.end()) return std::nullopt;
  return it->second;
}

std::optional<PartitionedVariable> VariableStore::find_partitioned(std::string_view name) const {
  std::lock_guard lock(graph_.impl().mutex);
  auto it = graph_.impl().store_partitioned.find(std::string(name));
  if (it == graph_.impl().store_partitioned.end()) return std::nullopt;
  return it->second;
}

std::vector<Variable> VariableStore::variables() const {
  std::lock_guard lock(graph_.impl().mutex);
  return graph_.impl().store_order;
}

std::size_t VariableStore::size() const {
  std::lock_guard lock(graph_.impl().mutex);
  return graph_.impl().store_order.size();
}

}  // namespace varscope
