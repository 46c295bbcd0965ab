// to_graph_def: a small scoped CNN graph exported as TF's GraphDef — names with scopes, op types,
// inputs ("node", "node:k", "^ctrl"), devices, every AttrValue alternative, _class and
// _output_shapes — checked on the protobuf and after a serialize/parse round trip.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/proto/graph.pb.h"
#include "core/summary/graph_def.h"
#include "varscope/varscope.h"

namespace varscope::summary {
namespace {

namespace tb = tensorboard;

const tb::NodeDef* find(const tb::GraphDef& graph_def, const std::string& name) {
  for (const tb::NodeDef& node : graph_def.node()) {
    if (node.name() == name) return &node;
  }
  return nullptr;
}

std::vector<std::string> inputs_of(const tb::NodeDef& node) {
  return std::vector<std::string>(node.input().begin(), node.input().end());
}

std::vector<std::int64_t> dims_of(const tb::TensorShapeProto& shape) {
  std::vector<std::int64_t> dims;
  for (const auto& d : shape.dim()) dims.push_back(d.size());
  return dims;
}

// The dims of `_output_shapes`' i-th shape; fails the test when absent.
std::vector<std::int64_t> output_dims(const tb::NodeDef& node, int i = 0) {
  const auto it = node.attr().find("_output_shapes");
  if (it == node.attr().end()) {
    ADD_FAILURE() << node.name() << " has no _output_shapes";
    return {};
  }
  EXPECT_GT(it->second.list().shape_size(), i) << node.name();
  if (it->second.list().shape_size() <= i) return {};
  EXPECT_FALSE(it->second.list().shape(i).unknown_rank()) << node.name();
  return dims_of(it->second.list().shape(i));
}

const tb::AttrValue& attr(const tb::NodeDef& node, const std::string& name) {
  static const tb::AttrValue kMissing;
  const auto it = node.attr().find(name);
  if (it == node.attr().end()) {
    ADD_FAILURE() << node.name() << " has no attr " << name;
    return kMissing;
  }
  return it->second;
}

// A tower as the TF1 scoping guide writes it: variable_scope "tower_0"/"conv1", get_variable,
// conv2d, bias_add, relu, fed by a placeholder with an unknown batch dimension.
class SummaryGraphDefTest : public ::testing::Test {
 protected:
  SummaryGraphDefTest() : use_(graph_) {
    images_ = placeholder(float32, {-1, 8, 8, 3}, "images");
    {
      VariableScope tower{"tower_0"};
      VariableScope conv1{"conv1"};
      Output w = get_variable("weights", {3, 3, 3, 4});
      Output b = get_variable("biases", {4}, {.initializer = zeros()});
      relu_ = nn::relu(nn::bias_add(nn::conv2d(images_, w, {1, 1, 1, 1}, "SAME"), b));
    }
    // A node with two outputs (ShapeN), whose second output feeds another node.
    Node& shapes = graph_.create_node(
        NodeSpec{.op = "ShapeN",
                 .name = "shapes",
                 .inputs = {images_, relu_},
                 .attrs = {{"N", std::int64_t{2}}, {"T", float32}, {"out_type", int32}}});
    second_shape_ = identity(shapes.output(1), "second_shape");
    // A control dependency on the variables' initializer.
    Node* init = graph_.find_node("tower_0/conv1/weights/Assign");
    EXPECT_NE(init, nullptr);
    ControlDependencies after_init{std::vector<Node*>{init}};
    output_ = identity(relu_, "output");
    graph_def_ = to_graph_def(graph_);
  }

  Graph graph_;
  DefaultGraph use_;
  Output images_, relu_, second_shape_, output_;
  tb::GraphDef graph_def_;
};

TEST_F(SummaryGraphDefTest, OneNodeDefPerNodeInCreationOrder) {
  const std::vector<Node*> nodes = graph_.nodes();
  ASSERT_EQ(graph_def_.node_size(), static_cast<int>(nodes.size()));
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    EXPECT_EQ(graph_def_.node(static_cast<int>(i)).name(), nodes[i]->name());
    EXPECT_EQ(graph_def_.node(static_cast<int>(i)).op(), nodes[i]->op());
  }
  EXPECT_EQ(graph_def_.versions().producer(), 27);
}

TEST_F(SummaryGraphDefTest, NamesCarryTheScopes) {
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"images", "Placeholder"},
      {"tower_0/conv1/weights", "VariableV2"},
      {"tower_0/conv1/weights/Assign", "Assign"},
      {"tower_0/conv1/weights/read", "Identity"},
      {"tower_0/conv1/biases", "VariableV2"},
      {"tower_0/conv1/Conv2D", "Conv2D"},
      {"tower_0/conv1/BiasAdd", "BiasAdd"},
      {"tower_0/conv1/Relu", "Relu"},
      {"shapes", "ShapeN"},
  };
  for (const auto& [name, op] : expected) {
    const tb::NodeDef* node = find(graph_def_, name);
    ASSERT_NE(node, nullptr) << name;
    EXPECT_EQ(node->op(), op) << name;
  }
}

TEST_F(SummaryGraphDefTest, Inputs) {
  EXPECT_EQ(inputs_of(*find(graph_def_, "tower_0/conv1/Conv2D")),
            (std::vector<std::string>{"images", "tower_0/conv1/weights/read"}));
  EXPECT_EQ(inputs_of(*find(graph_def_, "tower_0/conv1/BiasAdd")),
            (std::vector<std::string>{"tower_0/conv1/Conv2D", "tower_0/conv1/biases/read"}));
  EXPECT_EQ(inputs_of(*find(graph_def_, "second_shape")), (std::vector<std::string>{"shapes:1"}));
  // Control inputs follow the data inputs.
  EXPECT_EQ(inputs_of(*find(graph_def_, "output")),
            (std::vector<std::string>{"tower_0/conv1/Relu", "^tower_0/conv1/weights/Assign"}));
  EXPECT_TRUE(find(graph_def_, "images")->input().empty());
}

TEST_F(SummaryGraphDefTest, ConvAttrs) {
  const tb::NodeDef& conv = *find(graph_def_, "tower_0/conv1/Conv2D");
  EXPECT_EQ(attr(conv, "T").value_case(), tb::AttrValue::kType);
  EXPECT_EQ(attr(conv, "T").type(), tb::DT_FLOAT);
  ASSERT_EQ(attr(conv, "strides").value_case(), tb::AttrValue::kList);
  EXPECT_EQ(std::vector<std::int64_t>(attr(conv, "strides").list().i().begin(),
                                      attr(conv, "strides").list().i().end()),
            (std::vector<std::int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(attr(conv, "padding").s(), "SAME");
  EXPECT_EQ(attr(conv, "data_format").s(), "NHWC");
  EXPECT_EQ(attr(conv, "use_cudnn_on_gpu").value_case(), tb::AttrValue::kB);
  EXPECT_TRUE(attr(conv, "use_cudnn_on_gpu").b());
  // An empty vector is still a list (TF writes `list {}`).
  EXPECT_EQ(attr(conv, "explicit_paddings").value_case(), tb::AttrValue::kList);
  EXPECT_EQ(attr(conv, "explicit_paddings").list().i_size(), 0);
}

TEST_F(SummaryGraphDefTest, OutputShapesWithUnknownBatch) {
  EXPECT_EQ(output_dims(*find(graph_def_, "images")), (std::vector<std::int64_t>{-1, 8, 8, 3}));
  EXPECT_EQ(output_dims(*find(graph_def_, "tower_0/conv1/Conv2D")),
            (std::vector<std::int64_t>{-1, 8, 8, 4}));
  EXPECT_EQ(output_dims(*find(graph_def_, "tower_0/conv1/Relu")),
            (std::vector<std::int64_t>{-1, 8, 8, 4}));
  // One shape per output.
  const tb::NodeDef& shapes = *find(graph_def_, "shapes");
  EXPECT_EQ(attr(shapes, "_output_shapes").list().shape_size(), 2);
  EXPECT_EQ(output_dims(shapes, 0), (std::vector<std::int64_t>{4}));
  EXPECT_EQ(output_dims(shapes, 1), (std::vector<std::int64_t>{4}));
}

// VariableV2 outputs are refs in TF (DT_FLOAT_REF); the GraphDef still says dtype DT_FLOAT and
// gives the shape.
TEST_F(SummaryGraphDefTest, VariableNodes) {
  const tb::NodeDef& w = *find(graph_def_, "tower_0/conv1/weights");
  EXPECT_EQ(attr(w, "dtype").type(), tb::DT_FLOAT);
  EXPECT_EQ(dims_of(attr(w, "shape").shape()), (std::vector<std::int64_t>{3, 3, 3, 4}));
  EXPECT_EQ(output_dims(w), (std::vector<std::int64_t>{3, 3, 3, 4}));
  // The read Identity is colocated with its variable, as TF writes it.
  const tb::NodeDef& read = *find(graph_def_, "tower_0/conv1/weights/read");
  ASSERT_EQ(attr(read, "_class").list().s_size(), 1);
  EXPECT_EQ(attr(read, "_class").list().s(0), "loc:@tower_0/conv1/weights");
  EXPECT_EQ(w.attr().count("_class"), 0u);
}

TEST_F(SummaryGraphDefTest, SurvivesSerialization) {
  std::string bytes;
  ASSERT_TRUE(graph_def_.SerializeToString(&bytes));
  tb::GraphDef parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  ASSERT_EQ(parsed.node_size(), graph_def_.node_size());
  const tb::NodeDef& conv = *find(parsed, "tower_0/conv1/Conv2D");
  EXPECT_EQ(attr(conv, "padding").s(), "SAME");
  EXPECT_EQ(output_dims(conv), (std::vector<std::int64_t>{-1, 8, 8, 4}));
  EXPECT_EQ(inputs_of(*find(parsed, "second_shape")), (std::vector<std::string>{"shapes:1"}));
}

TEST(SummaryGraphDefAttrTest, EveryAttrKind) {
  Graph g;
  DefaultGraph use{g};
  Tensor t = Tensor::from_vector<float>({1.5f, -2.0f, 3.25f, 0.0f, 5.0f, 6.0f}, {2, 3});
  g.create_node(NodeSpec{.op = "NoOp",
                         .name = "probe",
                         .attrs = {{"b", false},
                                   {"i", std::int64_t{-7}},
                                   {"f", 0.25},
                                   {"s", std::string("text")},
                                   {"type", float16},
                                   {"shape", Shape{2, -1}},
                                   {"unknown", Shape::unknown()},
                                   {"tensor", t},
                                   {"ints", std::vector<std::int64_t>{3, -1, 4}},
                                   {"types", std::vector<DType>{int64, bool_, bfloat16}}}});
  const tb::GraphDef graph_def = to_graph_def(g);
  const tb::NodeDef& probe = *find(graph_def, "probe");
  EXPECT_EQ(attr(probe, "b").value_case(), tb::AttrValue::kB);
  EXPECT_FALSE(attr(probe, "b").b());
  EXPECT_EQ(attr(probe, "i").i(), -7);
  EXPECT_EQ(attr(probe, "f").f(), 0.25f);
  EXPECT_EQ(attr(probe, "s").s(), "text");
  EXPECT_EQ(attr(probe, "type").type(), tb::DT_HALF);
  EXPECT_EQ(dims_of(attr(probe, "shape").shape()), (std::vector<std::int64_t>{2, -1}));
  EXPECT_FALSE(attr(probe, "shape").shape().unknown_rank());
  EXPECT_TRUE(attr(probe, "unknown").shape().unknown_rank());
  const tb::TensorProto& tensor = attr(probe, "tensor").tensor();
  EXPECT_EQ(tensor.dtype(), tb::DT_FLOAT);
  EXPECT_EQ(dims_of(tensor.tensor_shape()), (std::vector<std::int64_t>{2, 3}));
  ASSERT_EQ(tensor.tensor_content().size(), 6 * sizeof(float));
  std::vector<float> values(6);
  std::memcpy(values.data(), tensor.tensor_content().data(), tensor.tensor_content().size());
  EXPECT_EQ(values, (std::vector<float>{1.5f, -2.0f, 3.25f, 0.0f, 5.0f, 6.0f}));
  EXPECT_EQ(std::vector<std::int64_t>(attr(probe, "ints").list().i().begin(),
                                      attr(probe, "ints").list().i().end()),
            (std::vector<std::int64_t>{3, -1, 4}));
  ASSERT_EQ(attr(probe, "types").list().type_size(), 3);
  EXPECT_EQ(attr(probe, "types").list().type(0), tb::DT_INT64);
  EXPECT_EQ(attr(probe, "types").list().type(1), tb::DT_BOOL);
  EXPECT_EQ(attr(probe, "types").list().type(2), tb::DT_BFLOAT16);
  // NoOp has no outputs: nothing to describe.
  EXPECT_EQ(probe.attr().count("_output_shapes"), 0u);
}

TEST(SummaryGraphDefAttrTest, UnknownRankOutputAndDevice) {
  Graph g;
  DefaultGraph use{g};
  Output x;
  {
    DeviceScope gpu{"/gpu:0"};
    x = placeholder(float32, Shape::unknown(), "anything");
  }
  placeholder(int32, {}, "scalar");
  const tb::GraphDef graph_def = to_graph_def(g);
  const tb::NodeDef& anything = *find(graph_def, "anything");
  EXPECT_EQ(anything.device(), "/device:GPU:0");
  ASSERT_EQ(attr(anything, "_output_shapes").list().shape_size(), 1);
  EXPECT_TRUE(attr(anything, "_output_shapes").list().shape(0).unknown_rank());
  const tb::NodeDef& scalar = *find(graph_def, "scalar");
  EXPECT_EQ(scalar.device(), "");
  EXPECT_EQ(attr(scalar, "dtype").type(), tb::DT_INT32);
  // A scalar: known rank, no dims.
  ASSERT_EQ(attr(scalar, "_output_shapes").list().shape_size(), 1);
  EXPECT_FALSE(attr(scalar, "_output_shapes").list().shape(0).unknown_rank());
  EXPECT_EQ(attr(scalar, "_output_shapes").list().shape(0).dim_size(), 0);
}

TEST(SummaryGraphDefAttrTest, DataTypeNumbersAreTensorFlows) {
  EXPECT_EQ(to_tf_datatype(float32), 1);
  EXPECT_EQ(to_tf_datatype(float64), 2);
  EXPECT_EQ(to_tf_datatype(int32), 3);
  EXPECT_EQ(to_tf_datatype(uint8), 4);
  EXPECT_EQ(to_tf_datatype(int16), 5);
  EXPECT_EQ(to_tf_datatype(int8), 6);
  EXPECT_EQ(to_tf_datatype(complex64), 8);
  EXPECT_EQ(to_tf_datatype(int64), 9);
  EXPECT_EQ(to_tf_datatype(bool_), 10);
  EXPECT_EQ(to_tf_datatype(bfloat16), 14);
  EXPECT_EQ(to_tf_datatype(uint16), 17);
  EXPECT_EQ(to_tf_datatype(float16), 19);
  EXPECT_EQ(to_tf_datatype(DType::kInvalid), 0);
}

}  // namespace
}  // namespace varscope::summary
