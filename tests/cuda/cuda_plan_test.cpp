// The reference CNN's training step as the CUDA backend plans it: the real CUDA kernel list (their
// HostMemory arguments decide where every value lives) on the stand-in GPU of tests/support, saying
// it can capture work. Planning runs no device kernel, so these tests need no GPU: they run in
// every CUDA build. They pin down that every fusion of core/fusion.h applies to the step and that
// the fused step is still one capturable CUDA graph (tests/cuda/cuda_capture_test.cpp then runs it
// on a real GPU).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../../examples/support/fashion_cnn.h"
#include "cuda/cuda_backend.h"
#include "fake_gpu.h"
#include "varscope/session.h"

namespace varscope {
namespace {

using ::testing::Pair;
using ::testing::UnorderedElementsAreArray;

// The CPU, and a stand-in GPU with the CUDA backend's kernels that says it can capture.
std::shared_ptr<const DeviceSet> cpu_and_planning_gpu() {
  return testing::cpu_and_fake_gpu(
      {.gpu_kernels = cuda::register_cuda_kernels, .claims_capture = true});
}

// How many steps of each op (or fused op) the training step's plan has.
std::map<std::string, int> step_ops(const std::string& optimizer) {
  Graph graph;
  DefaultGraph use{graph};
  const examples::FashionCnnGraph model = examples::build_fashion_cnn_graph(optimizer, 0.01, 1);
  Session sess(graph,
               {.device = "/gpu:0", .allow_soft_placement = false, .capture_cuda_graphs = true},
               cpu_and_planning_gpu());
  const std::vector<Output> fetches{model.loss};
  const std::vector<Output> feeds{model.images, model.labels};
  EXPECT_EQ(sess.why_not_captured(fetches, feeds, {model.train_op}), "");
  std::map<std::string, int> ops;
  for (const PlacedNode& p : sess.placed_graph(fetches, feeds, {model.train_op})) {
    if (!p.constant) ++ops[p.op];
  }
  return ops;
}

std::vector<std::pair<std::string, int>> fused(const std::map<std::string, int>& ops) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& [op, count] : ops) {
    if (op.starts_with("_Fused")) out.emplace_back(op, count);
  }
  return out;
}

TEST(CudaPlanTest, TheCnnsSgdStepFusesAndIsOneCapturableGraph) {
  const std::map<std::string, int> ops = step_ops("sgd");
  EXPECT_THAT(fused(ops), UnorderedElementsAreArray({
                              Pair("_FusedBiasAddRelu", 2),          // conv1, conv2
                              Pair("_FusedMatMulBiasAddRelu", 1),    // dense
                              Pair("_FusedMatMulBiasAdd", 1),        // logits
                              Pair("_FusedDropout", 1),              //
                              Pair("_FusedReluGradBiasAddGrad", 3),  // dense, conv2, conv1
                              Pair("_FusedApplyGradientDescent", 1),
                          }));
  for (const char* gone :
       {"RandomUniform", "GreaterEqual", "BiasAdd", "ReluGrad", "ApplyGradientDescent"}) {
    EXPECT_EQ(ops.count(gone), 0U) << gone << " left unfused";
  }
  // Left apart: the logits' bias gradient (no ReluGrad before it) and the gradients' products.
  EXPECT_EQ(ops.at("BiasAddGrad"), 1);
  EXPECT_EQ(ops.at("MatMul"), 4);
}

TEST(CudaPlanTest, TheCnnsEvaluationIsOneCapturableGraph) {
  Graph graph;
  DefaultGraph use{graph};
  const examples::FashionCnnGraph model = examples::build_fashion_cnn_graph("sgd", 0.01, 1);
  Session sess(graph,
               {.device = "/gpu:0", .allow_soft_placement = false, .capture_cuda_graphs = true},
               cpu_and_planning_gpu());
  EXPECT_EQ(sess.why_not_captured({model.eval_correct}, {model.images, model.labels}, {}), "");
}

TEST(CudaPlanTest, TheCnnsAdamStepFusesItsUpdatesAndIsOneCapturableGraph) {
  const std::map<std::string, int> ops = step_ops("adam");
  EXPECT_EQ(ops.count("ApplyAdam"), 0U);
  EXPECT_EQ(ops.at("_FusedApplyAdam"), 1);
}

}  // namespace
}  // namespace varscope
