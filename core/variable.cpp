// Variable, PartitionedVariable and PartitionInfo.
#include "varscope/variable.h"

#include <algorithm>

#include "core/graph_impl.h"
#include "core/variable_data.h"
#include "varscope/collections.h"
#include "varscope/error.h"
#include "varscope/name_scope.h"
#include "varscope/ops.h"

namespace varscope {

// ---- creation ----------------------------------------------------------------------------------

Variable create_variable(Graph& graph, CreateVariableArgs args) {
  DefaultGraph use{graph};
  ControlDependencies init_scope{nullptr};  // the initializer must not wait on the caller's block
  NameScope scope{args.name ? std::optional<std::string_view>(*args.name) : std::nullopt, "Variable"};
  const std::string true_name = scope.name().substr(0, scope.name().size() - 1);

  auto data = std::make_shared<VariableData>();
  data->graph = &graph;
  data->op_name = true_name;
  data->trainable = args.trainable;
  data->constraint = std::move(args.constraint);
  data->creation_site = args.creation_site;
  data->synchronization = args.synchronization;
  data->aggregation = args.aggregation;

  Output initial;
  if (args.initial_value.thunk) {
    // Initializer ops sit with the variable they initialize (TF's `_class: loc:@F`), on no device
    // of their own.
    NameScope init{"Initializer"};
    DeviceScope no_device{nullptr};
    initial = args.initial_value.thunk();
  } else if (args.initial_value.tensor.valid()) {
    initial = args.initial_value.tensor;
  } else {
    Tensor host = args.initial_value.host;
    if (!host.defined()) throw ValueError("Variable " + true_name + ": an initial value is required");
    if (args.dtype && host.dtype() != *args.dtype) host = host.cast(*args.dtype);
    initial = constant(host, "initial_value");
  }
  if (args.dtype && initial.dtype() != *args.dtype) {
    throw ValueError("Variable " + true_name + ": initial value " + initial.name() + " has dtype " +
                     std::string(dtype_name(initial.dtype())) + ", expected " + std::string(dtype_name(*args.dtype)));
  }
  if (args.validate_shape && !initial.shape().is_fully_defined()) {
    throw ValueError("initial_value must have a shape specified: " + initial.name() + " of shape " +
                     initial.shape().to_string());
  }
  data->shape = args.validate_shape ? initial.shape() : Shape::unknown();
  data->dtype = initial.dtype();
  data->initial_value = initial;

  data->variable_op = &graph.create_node(NodeSpec{
      .op = "VariableV2",
      .name = scope.name(),
      .attrs = {{"shape", data->shape}, {"dtype", data->dtype}, {"container", std::string()},
                {"shared_name", std::string()}}});
  data->initializer_op = &graph.create_node(NodeSpec{
      .op = "Assign",
      .name = "Assign",
      .inputs = {data->variable_op->output(0), initial},
      .attrs = {{"T", data->dtype}, {"validate_shape", args.validate_shape}, {"use_locking", true}}});
  NodeSpec read{.op = "Identity", .name = "read", .inputs = {data->variable_op->output(0)}, .attrs = {{"T", data->dtype}}};
  if (args.caching_device) {
    std::optional<DeviceScope> device;
    if (args.caching_device->function) {
      device.emplace(args.caching_device->function);
    } else {
      device.emplace(args.caching_device->device);
    }
    data->read_op = &graph.create_node(std::move(read));
  } else {
    ColocateWith colocate{*data->variable_op};
    data->read_op = &graph.create_node(std::move(read));
  }
  data->caching_device = args.caching_device ? data->read_op->device() : std::string();

  Variable variable(data);
  std::vector<std::string> collections =
      args.collections.value_or(std::vector<std::string>{std::string(GraphKeys::GLOBAL_VARIABLES)});
  if (args.trainable && std::find(collections.begin(), collections.end(), GraphKeys::TRAINABLE_VARIABLES) == collections.end()) {
    collections.emplace_back(GraphKeys::TRAINABLE_VARIABLES);
  }
  for (const std::string& key : collections) add_to_collection(key, variable, graph);
  return variable;
}

namespace {

CreateVariableArgs standalone_args(VariableOptions& options, InitialValue initial) {
  CreateVariableArgs args;
  if (!options.name.empty()) args.name = options.name;
  args.initial_value = std::move(initial);
  args.dtype = options.dtype;
  args.trainable = options.trainable;
  args.collections = std::move(options.collections);
  args.validate_shape = options.validate_shape;
  if (!options.caching_device.empty()) args.caching_device = CachingDevice(options.caching_device);
  args.constraint = std::move(options.constraint);
  return args;
}

Variable keep_alive(Graph& graph, Variable v) {
  std::lock_guard lock(graph.impl().mutex);
  graph.impl().standalone_variables.push_back(v);
  graph.impl().on_rollback([&impl = graph.impl()] { impl.standalone_variables.pop_back(); });
  return v;
}

}  // namespace

Variable::Variable(const Output& initial_value, VariableOptions options) {
  if (!initial_value.valid()) throw ValueError("Variable: the initial value is a null tensor");
  Graph& graph = initial_value.graph();
  *this = keep_alive(graph, create_variable(graph, standalone_args(options, InitialValue{.tensor = initial_value})));
}

Variable::Variable(const Tensor& initial_value, VariableOptions options) {
  Graph& graph = get_default_graph();
  *this = keep_alive(graph, create_variable(graph, standalone_args(options, InitialValue{.host = initial_value})));
}

// ---- Variable accessors ------------------------------------------------------------------------

namespace {
const VariableData& checked(const std::shared_ptr<VariableData>& data) {
  if (!data) throw ValueError("use of a null Variable handle");
  return *data;
}
}  // namespace

std::string Variable::name() const { return checked(data_).op_name + ":0"; }
const std::string& Variable::op_name() const { return checked(data_).op_name; }
const Shape& Variable::shape() const { return checked(data_).shape; }
DType Variable::dtype() const { return checked(data_).dtype; }
bool Variable::trainable() const { return checked(data_).trainable; }
Node* Variable::op() const { return checked(data_).variable_op; }
Output Variable::value() const { return checked(data_).read_op->output(0); }
Node* Variable::initializer() const { return checked(data_).initializer_op; }
Output Variable::initial_value() const { return checked(data_).initial_value; }
const std::string& Variable::device() const { return checked(data_).variable_op->device(); }
const std::string& Variable::caching_device() const { return checked(data_).caching_device; }
const Constraint& Variable::constraint() const { return checked(data_).constraint; }
const std::optional<SaveSliceInfo>& Variable::save_slice_info() const { return checked(data_).save_slice_info; }
const SourceLocation& Variable::creation_site() const { return checked(data_).creation_site; }

// ---- PartitionedVariable -----------------------------------------------------------------------

namespace {
const PartitionedVariableData& checked(const std::shared_ptr<PartitionedVariableData>& data) {
  if (!data) throw ValueError("use of a null PartitionedVariable handle");
  return *data;
}
}  // namespace

const std::string& PartitionedVariable::name() const { return checked(data_).name; }
const Shape& PartitionedVariable::shape() const { return checked(data_).shape; }
DType PartitionedVariable::dtype() const { return checked(data_).dtype; }
const std::vector<std::int64_t>& PartitionedVariable::partitions() const { return checked(data_).partitions; }
const std::vector<Variable>& PartitionedVariable::shards() const { return checked(data_).shards; }

// TF's PartitionedVariable._concat: "F/ConcatPartitions/concat", then an Identity named exactly F.
// Built once and cached, outside any control dependencies, so every use sees the same tensor.
Output PartitionedVariable::as_tensor() const {
  PartitionedVariableData& d = *data_;
  Graph& graph = *checked(data_).graph;
  std::lock_guard lock(graph.impl().mutex);
  if (d.concatenated.valid()) return d.concatenated;
  DefaultGraph use{graph};
  ControlDependencies none{nullptr};
  NameScope root{""};
  if (d.shards.size() == 1) {
    d.concatenated = identity(d.shards.front().value(), d.name + "/");
    return d.concatenated;
  }
  int axis = 0;
  for (std::size_t i = 0; i < d.partitions.size(); ++i) {
    if (d.partitions[i] > 1) axis = static_cast<int>(i);
  }
  Output concatenated;
  {
    NameScope concat_scope{d.name + "/ConcatPartitions/"};
    std::vector<Output> values;
    for (const Variable& v : d.shards) values.push_back(v.value());
    concatenated = concat(values, axis);
  }
  d.concatenated = identity(concatenated, d.name + "/");
  return d.concatenated;
}

// ---- PartitionInfo -----------------------------------------------------------------------------

PartitionInfo::PartitionInfo(std::vector<std::int64_t> full_shape_in, std::vector<std::int64_t> var_offset_in)
    : full_shape(std::move(full_shape_in)), var_offset(std::move(var_offset_in)) {
  if (full_shape.size() != var_offset.size()) {
    throw ValueError("Expected equal length, but `var_offset` is of length " + std::to_string(var_offset.size()) +
                     " while full_shape is of length " + std::to_string(full_shape.size()) + ".");
  }
  for (std::size_t i = 0; i < full_shape.size(); ++i) {
    if (var_offset[i] < 0 || var_offset[i] >= full_shape[i]) {
      throw ValueError("Expected 0 <= offset < shape but found offset=" + std::to_string(var_offset[i]) +
                       ", shape=" + std::to_string(full_shape[i]) + " for var_offset=" + list_to_string(var_offset) +
                       ", full_shape=" + list_to_string(full_shape));
    }
  }
}

std::int64_t PartitionInfo::single_offset(const Shape& shape) const {
  int dim = single_slice_dim(shape);
  return dim < 0 ? 0 : var_offset[static_cast<std::size_t>(dim)];
}

int PartitionInfo::single_slice_dim(const Shape& shape) const {
  if (shape.rank() != static_cast<int>(full_shape.size())) {
    throw ValueError("Expected equal length, but received shape=" + shape.to_list_string() + " of length " +
                     std::to_string(shape.rank()) + " while self.full_shape=" + list_to_string(full_shape) +
                     " is of length " + std::to_string(full_shape.size()) + ".");
  }
  for (std::size_t i = 0; i < full_shape.size(); ++i) {
    if (var_offset[i] + shape.dims()[i] > full_shape[i]) {
      throw ValueError("With self.var_offset=" + list_to_string(var_offset) + ", a partition of shape=" +
                       shape.to_list_string() + " would exceed self.full_shape=" + list_to_string(full_shape) +
                       " in dimension " + std::to_string(i) + ".");
    }
  }
  int slice_dim = -1;
  for (std::size_t i = 0; i < full_shape.size(); ++i) {
    if (shape.dims()[i] == full_shape[i]) continue;
    if (slice_dim != -1) {
      throw ValueError("Cannot use single_slice_dim() with shape=" + shape.to_list_string() + " and self.full_shape=" +
                       list_to_string(full_shape) + " since slice dim could be either dimension " +
                       std::to_string(i) + " or " + std::to_string(slice_dim) + ".");
    }
    slice_dim = static_cast<int>(i);
  }
  return slice_dim;
}

}  // namespace varscope
