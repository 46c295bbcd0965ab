// Placement and execution across devices, on the real CPU plus a stand-in GPU (fake_gpu.h) so that
// every CI run checks device scopes, colocation, soft placement, copies and per-device memory.
#include "core/placement.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/spdlog_logger.h"
#include "expect_error.h"
#include "fake_gpu.h"
#include "varscope/device_setter.h"
#include "varscope/initializers.h"
#include "varscope/ops.h"
#include "varscope/partitioners.h"
#include "varscope/session.h"
#include "varscope/train.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::cpu_and_fake_gpu;
using testing::cpu_only;

constexpr const char* kCpu = "/job:localhost/replica:0/task:0/device:CPU:0";
constexpr const char* kGpu = "/job:localhost/replica:0/task:0/device:GPU:0";

const PlacedNode& find_placed(const std::vector<PlacedNode>& placed, const std::string& name) {
  auto it = std::find_if(placed.begin(), placed.end(), [&](const PlacedNode& p) { return p.name == name; });
  if (it == placed.end()) throw std::runtime_error("no placed node " + name);
  return *it;
}

std::vector<std::string> copies(const std::vector<PlacedNode>& placed) {
  std::vector<std::string> names;
  for (const PlacedNode& p : placed) {
    if (p.op.starts_with("_")) names.push_back(p.name + " " + p.op);
  }
  return names;
}

// Captures the varscope logger's messages while alive.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(256)) {
    logger().sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = logger().sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  int count(const std::string& fragment) const {
    const std::vector<std::string> lines = sink_->last_formatted();
    return static_cast<int>(std::count_if(lines.begin(), lines.end(),
                                          [&](const std::string& l) { return l.find(fragment) != std::string::npos; }));
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

Tensor vector3(float a, float b, float c) { return Tensor::from_vector<float>({a, b, c}); }

TEST(Placement, WithoutAGpuSoftPlacementRunsGpuNodesOnTheCpu) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, {3}, "x");
  Output y;
  {
    DeviceScope gpu{"/gpu:0"};
    y = square(x, "y");
  }
  EXPECT_EQ(y.node->device(), "/device:GPU:0");
  Session sess{g, {}, cpu_only()};
  Tensor out = sess.run(y, {{x, vector3(1, 2, 3)}});
  EXPECT_THAT(out.to_vector<float>(), ElementsAre(1, 4, 9));
  const auto placed = sess.placed_graph({y}, {x});
  EXPECT_EQ(find_placed(placed, "y").device, kCpu);
  EXPECT_TRUE(copies(placed).empty());
}

TEST(Placement, WithoutSoftPlacementAMissingDeviceFailsNamingTheNode) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, {3}, "x");
  Output y;
  {
    DeviceScope gpu{"/gpu:0"};
    y = square(x, "tower/y");
  }
  Session sess{g, {.allow_soft_placement = false}, cpu_only()};
  VS_EXPECT_ERROR(sess.run(y, {{x, vector3(1, 2, 3)}}), InvalidArgumentError,
                  "Cannot assign a device for operation tower/y: Operation was explicitly assigned to "
                  "/device:GPU:0 but available devices are [ /job:localhost/replica:0/task:0/device:CPU:0 ]. "
                  "Make sure the device specification refers to a valid device.");
}

TEST(Placement, TheBestDeviceIsTheGpuAndFeedsAndFetchesAreCopiedExplicitly) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, {3}, "x");
  Output y = square(x, "y");
  Output z = add(y, x, "z");
  Session sess{g, {}, cpu_and_fake_gpu()};
  EXPECT_THAT(sess.run(z, {{x, vector3(1, 2, 3)}}).to_vector<float>(), ElementsAre(2, 6, 12));

  const auto placed = sess.placed_graph({z}, {x});
  EXPECT_EQ(find_placed(placed, "y").device, kGpu);
  EXPECT_EQ(find_placed(placed, "z").device, kGpu);
  // One copy of x to the GPU, shared by both readers.
  EXPECT_THAT(copies(placed), ElementsAre("_copy/x_0/to_GPU_0 _HostToDevice"));
  EXPECT_THAT(find_placed(placed, "y").inputs, ElementsAre("_copy/x_0/to_GPU_0:0"));
  EXPECT_THAT(find_placed(placed, "z").inputs, ElementsAre("y:0", "_copy/x_0/to_GPU_0:0"));
  EXPECT_EQ(find_placed(placed, "_copy/x_0/to_GPU_0").device, kGpu);
}

TEST(Placement, AnExplicitCpuScopeWinsOverTheSessionDevice) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, {3}, "x");
  Output y = square(x, "y");
  Output z;
  {
    DeviceScope cpu{"/cpu:0"};
    z = add(y, y, "z");
  }
  Session sess{g, {.device = "/gpu:0"}, cpu_and_fake_gpu()};
  EXPECT_THAT(sess.run(z, {{x, vector3(1, 2, 3)}}).to_vector<float>(), ElementsAre(2, 8, 18));
  const auto placed = sess.placed_graph({z}, {x});
  EXPECT_EQ(find_placed(placed, "y").device, kGpu);
  EXPECT_EQ(find_placed(placed, "z").device, kCpu);
  EXPECT_THAT(copies(placed), ElementsAre("_copy/x_0/to_GPU_0 _HostToDevice", "_copy/y_0/to_CPU_0 _DeviceToHost"));
}

TEST(Placement, ANodeWithoutAGpuKernelFallsBackToTheCpuWithOneWarning) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, {3}, "x");
  Output y = square(x, "y");
  Output z = add(y, x, "z");
  LogCapture log;
  Session sess{g, {}, cpu_and_fake_gpu({.ops_without_kernel = {"Square"}})};
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(sess.run(z, {{x, vector3(1, 2, 3)}}).to_vector<float>(), ElementsAre(2, 6, 12));
  }
  Output w = square(z, "w");  // a second plan: still no second warning
  EXPECT_THAT(sess.run(w, {{x, vector3(1, 1, 1)}}).to_vector<float>(), ElementsAre(4, 4, 4));
  EXPECT_EQ(log.count("No GPU kernel for op Square (dtype float32): node 'y'"), 1);
  EXPECT_EQ(log.count("No GPU kernel for op Square"), 1);

  const auto placed = sess.placed_graph({z}, {x});
  EXPECT_EQ(find_placed(placed, "y").device, kCpu);
  EXPECT_EQ(find_placed(placed, "z").device, kGpu);
  // y runs on the CPU first; z then needs both y and x on the GPU.
  EXPECT_THAT(copies(placed), ElementsAre("_copy/y_0/to_GPU_0 _HostToDevice", "_copy/x_0/to_GPU_0 _HostToDevice"));
}

TEST(Placement, WithoutSoftPlacementAMissingKernelFailsBeforeAnythingRuns) {
  Graph g;
  DefaultGraph use{g};
  Variable v = get_variable("v", {3}, {.initializer = zeros_initializer()});
  Output x = placeholder(DType::kFloat32, {3}, "x");
  Node* assign = g.find_node("v/Assign");
  ASSERT_NE(assign, nullptr);
  Output y = square(add(v, x, "sum"), "model/y");
  Session sess{g, {.device = "/gpu:0", .allow_soft_placement = false},
               cpu_and_fake_gpu({.ops_without_kernel = {"Square"}})};
  sess.run_targets({assign});
  VS_EXPECT_ERROR(sess.run(y, {{x, vector3(1, 2, 3)}}), InvalidArgumentError,
                  "Cannot assign a device for operation model/y: Could not satisfy device specification "
                  "'/job:localhost/replica:0/task:0/device:GPU:0' because no supported kernel for GPU devices is "
                  "available (op Square, dtype float32)");
}

TEST(Placement, ShapeArgumentsStayOnTheHost) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, {2, 3}, "x");
  Output y = square(x, "y");
  Output r = reshape(y, shape(x, DType::kInt32, "s"), "r");  // Shape out and Reshape's shape in: host
  Session sess{g, {}, cpu_and_fake_gpu()};
  Tensor out = sess.run(r, {{x, Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3})}});
  EXPECT_EQ(out.shape(), (Shape{2, 3}));
  EXPECT_THAT(out.to_vector<float>(), ElementsAre(1, 4, 9, 16, 25, 36));
  const auto placed = sess.placed_graph({r}, {x});
  EXPECT_EQ(find_placed(placed, "s").device, kGpu);
  EXPECT_EQ(find_placed(placed, "r").device, kGpu);
  // Only x goes to the GPU; the shape vector never makes a round trip.
  EXPECT_THAT(copies(placed), ElementsAre("_copy/x_0/to_GPU_0 _HostToDevice"));
  EXPECT_THAT(find_placed(placed, "r").inputs, ElementsAre("y:0", "s:0"));
}

TEST(Placement, VariablesLiveOnTheirScopesDeviceAndTrainThere) {
  Graph g;
  DefaultGraph use{g};
  auto devices = cpu_and_fake_gpu();
  Variable on_gpu;
  Variable on_cpu;
  {
    VariableScope model{"model"};
    on_gpu = get_variable("w", {4}, {.initializer = constant_initializer(1.0)});
    DeviceScope host{"/cpu:0"};
    on_cpu = get_variable("b", {4}, {.initializer = constant_initializer(2.0)});
  }
  EXPECT_EQ(on_cpu.device(), "/device:CPU:0");
  Output x = placeholder(DType::kFloat32, {4}, "x");
  Output loss = reduce_sum(square(add(multiply(x, on_gpu.value()), on_cpu.value())));
  train::GradientDescentOptimizer opt(0.1);
  Node* train_op = opt.minimize(loss);
  Session sess{g, {}, devices};
  sess.run_targets({global_variables_initializer(g)});
  // 16 bytes of w on the GPU; b (on the CPU) is not there.
  EXPECT_EQ(sess.memory_stats("/gpu:0").current_bytes(MemoryCategory::kVariable), 16);

  const Tensor ones = Tensor::from_vector<float>({1, 1, 1, 1});
  sess.run_targets({train_op}, {{x, ones}});
  // d/dw (x*w + b)^2 = 2 (w + b) = 6 at w=1, b=2: w = 1 - 0.6; db = 6: b = 2 - 0.6.
  EXPECT_THAT(sess.variable_value(on_gpu).to_vector<float>(), ::testing::Each(::testing::FloatNear(0.4F, 1e-6F)));
  EXPECT_THAT(sess.variable_value(on_cpu).to_vector<float>(), ::testing::Each(::testing::FloatNear(1.4F, 1e-6F)));
  EXPECT_EQ(sess.memory_stats("/gpu:0").current_bytes(MemoryCategory::kVariable), 16);

  const auto placed = sess.placed_graph({}, {x}, {train_op});
  EXPECT_EQ(find_placed(placed, "GradientDescent/update_model/b/ApplyGradientDescent").device, kCpu);
  EXPECT_EQ(find_placed(placed, "GradientDescent/update_model/w/ApplyGradientDescent").device, kGpu);
  EXPECT_EQ(find_placed(placed, "model/b/read").device, kCpu);  // colocated with its variable
}

TEST(Placement, ACachingDeviceReadsACopyMadeEachRun) {
  Graph g;
  DefaultGraph use{g};
  Variable v;
  {
    DeviceScope host{"/cpu:0"};
    VariableScope scope{"params", {.caching_device = "/gpu:0"}};
    v = get_variable("v", {3}, {.initializer = constant_initializer(3.0)});
  }
  EXPECT_EQ(v.device(), "/device:CPU:0");
  EXPECT_EQ(v.caching_device(), "/device:GPU:0");
  Output y = square(v.value(), "y");
  Session sess{g, {}, cpu_and_fake_gpu()};
  sess.run_targets({global_variables_initializer(g)});
  EXPECT_THAT(sess.run(y).to_vector<float>(), ElementsAre(9, 9, 9));
  sess.assign_variable(v, vector3(1, 2, 3));
  EXPECT_THAT(sess.run(y).to_vector<float>(), ElementsAre(1, 4, 9));  // a fresh copy each run

  const auto placed = sess.placed_graph({y});
  EXPECT_EQ(find_placed(placed, "params/v/read").device, kGpu);
  EXPECT_THAT(find_placed(placed, "params/v/read").inputs, ElementsAre("_copy/params/v_0/to_GPU_0:0"));
  EXPECT_THAT(copies(placed), ElementsAre("_copy/params/v_0/to_GPU_0 _HostToDevice"));
  EXPECT_EQ(sess.memory_stats("/gpu:0").current_bytes(MemoryCategory::kVariable), 0);
}

TEST(Placement, PartitionedShardsSpreadOverDevicesThroughADeviceSetter) {
  Graph g;
  DefaultGraph use{g};
  PartitionedVariable table;
  {
    DeviceScope setter{variable_device_setter({"/cpu:0", "/gpu:0"})};
    table = get_variable("table", {6, 2},
                         {.initializer = constant_initializer(1.0), .partitioner = fixed_size_partitioner(2)})
                .partitioned();
  }
  ASSERT_EQ(table.size(), 2U);
  EXPECT_EQ(table.shards()[0].device(), "/device:CPU:0");
  EXPECT_EQ(table.shards()[1].device(), "/device:GPU:0");
  Output total = reduce_sum(table.as_tensor(), std::nullopt, false, "total");
  Session sess{g, {}, cpu_and_fake_gpu()};
  sess.run_targets({global_variables_initializer(g)});
  EXPECT_EQ(sess.run(total).item<float>(), 12.0F);
  // One shard (3 x 2 floats) on the GPU.
  EXPECT_EQ(sess.memory_stats("/gpu:0").current_bytes(MemoryCategory::kVariable), 24);
}

TEST(Placement, VariableDeviceSetterValidatesItsDevices) {
  VS_EXPECT_ERROR(variable_device_setter({}), InvalidArgumentError, "variable_device_setter: no variable devices given");
  EXPECT_THROW(variable_device_setter({"/gpu:zero"}), InvalidArgumentError);
}

TEST(Placement, TrainingOnTheStandInGpuMatchesTheCpuExactly) {
  const auto train = [](std::shared_ptr<const DeviceSet> devices, const std::string& device) {
    Graph g;
    DefaultGraph use{g};
    Output x = placeholder(DType::kFloat32, {8, 4}, "x");
    Variable w = get_variable("w", {4, 3}, {.initializer = glorot_uniform_initializer(7)});
    Output loss = reduce_mean(square(matmul(x, w.value())));
    train::AdamOptimizer opt(0.01);
    Node* step = opt.minimize(loss);
    Session sess{g, {.device = device}, std::move(devices)};
    sess.run_targets({global_variables_initializer(g)});
    std::vector<float> data(32);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 5) - 2.0F;
    const Tensor feed = Tensor::from_vector<float>(data, {8, 4});
    for (int i = 0; i < 5; ++i) sess.run_targets({step}, {{x, feed}});
    return sess.variable_value(w).to_vector<float>();
  };
  const std::vector<float> on_cpu = train(cpu_only(), "/cpu:0");
  const std::vector<float> on_gpu = train(cpu_and_fake_gpu(), "/gpu:0");
  EXPECT_EQ(on_cpu, on_gpu);
}

TEST(Placement, LogDevicePlacementListsNodesAndCopies) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, {3}, "x");
  Output y = square(x, "y");
  LogCapture log;
  const auto level = logger().level();
  logger().set_level(spdlog::level::info);
  Session sess{g, {.log_device_placement = true}, cpu_and_fake_gpu()};
  sess.run(y, {{x, vector3(1, 2, 3)}});
  logger().set_level(level);
  EXPECT_EQ(log.count(std::string("y: (Square): ") + kGpu), 1);
  EXPECT_EQ(log.count(std::string("_copy/x_0/to_GPU_0: (copy from /device:CPU:0): ") + kGpu), 1);
}

}  // namespace
}  // namespace varscope
