#include "core/summary/graph_def.h"

#include <string>
#include <type_traits>
#include <variant>

namespace varscope::summary {
namespace tb = tensorboard;
namespace {

// A GraphDef "producer" version from TF1's era; TensorBoard does not check it.
constexpr int kGraphDefProducer = 27;

tb::TensorShapeProto to_shape_proto(const Shape& shape) {
  tb::TensorShapeProto proto;
  if (!shape.has_known_rank()) {
    proto.set_unknown_rank(true);
    return proto;
  }
  for (std::int64_t d : shape.dims()) proto.add_dim()->set_size(d);
  return proto;
}

tb::TensorProto to_tensor_proto(const Tensor& tensor) {
  tb::TensorProto proto;
  if (!tensor.defined()) return proto;
  proto.set_dtype(to_tf_datatype(tensor.dtype()));
  *proto.mutable_tensor_shape() = to_shape_proto(tensor.shape());
  const Tensor host = tensor.cast(tensor.dtype());  // a host view (a copy for device tensors)
  proto.set_tensor_content(static_cast<const char*>(host.raw_data()), host.nbytes());
  return proto;
}

tb::AttrValue to_attr_proto(const AttrValue& value) {
  tb::AttrValue proto;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool>) {
          proto.set_b(v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          proto.set_i(v);
        } else if constexpr (std::is_same_v<T, double>) {
          proto.set_f(static_cast<float>(v));  // TF's attr floats are 32-bit
        } else if constexpr (std::is_same_v<T, std::string>) {
          proto.set_s(v);
        } else if constexpr (std::is_same_v<T, DType>) {
          proto.set_type(to_tf_datatype(v));
        } else if constexpr (std::is_same_v<T, Shape>) {
          *proto.mutable_shape() = to_shape_proto(v);
        } else if constexpr (std::is_same_v<T, Tensor>) {
          *proto.mutable_tensor() = to_tensor_proto(v);
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          auto* list = proto.mutable_list();  // set even when empty: `list {}` is an empty list
          for (std::int64_t i : v) list->add_i(i);
        } else {
          static_assert(std::is_same_v<T, std::vector<DType>>,
                        "an AttrValue alternative is not converted");
          auto* list = proto.mutable_list();
          for (DType d : v) list->add_type(to_tf_datatype(d));
        }
      },
      value);
  return proto;
}

std::string input_name(const Output& output) {
  if (output.index == 0) return output.node->name();
  return output.node->name() + ":" + std::to_string(output.index);
}

}  // namespace

tb::DataType to_tf_datatype(DType dtype) {
  switch (dtype) {
    case DType::kInvalid:
      return tb::DT_INVALID;
    case DType::kFloat16:
      return tb::DT_HALF;
    case DType::kBFloat16:
      return tb::DT_BFLOAT16;
    case DType::kFloat32:
      return tb::DT_FLOAT;
    case DType::kFloat64:
      return tb::DT_DOUBLE;
    case DType::kInt8:
      return tb::DT_INT8;
    case DType::kInt16:
      return tb::DT_INT16;
    case DType::kInt32:
      return tb::DT_INT32;
    case DType::kInt64:
      return tb::DT_INT64;
    case DType::kUInt8:
      return tb::DT_UINT8;
    case DType::kUInt16:
      return tb::DT_UINT16;
    case DType::kBool:
      return tb::DT_BOOL;
    case DType::kComplex64:
      return tb::DT_COMPLEX64;
  }
  return tb::DT_INVALID;
}

tb::GraphDef to_graph_def(const Graph& graph) {
  tb::GraphDef graph_def;
  graph_def.mutable_versions()->set_producer(kGraphDefProducer);
  for (const Node* node : graph.nodes()) {
    tb::NodeDef* node_def = graph_def.add_node();
    node_def->set_name(node->name());
    node_def->set_op(node->op());
    for (const Output& input : node->inputs()) node_def->add_input(input_name(input));
    for (const Node* control : node->control_inputs()) node_def->add_input("^" + control->name());
    node_def->set_device(node->device());

    auto& attrs = *node_def->mutable_attr();
    for (const auto& [name, value] : node->attrs()) attrs[name] = to_attr_proto(value);
    if (!node->colocation_groups().empty() && !node->has_attr("_class")) {
      auto* list = attrs["_class"].mutable_list();
      for (const std::string& group : node->colocation_groups()) list->add_s(group);
    }
    // Edge shapes in TensorBoard come only from this attr.
    if (node->num_outputs() > 0) {
      auto* list = attrs["_output_shapes"].mutable_list();
      for (int i = 0; i < node->num_outputs(); ++i)
        *list->add_shape() = to_shape_proto(node->output_shape(i));
    }
  }
  return graph_def;
}

}  // namespace varscope::summary
