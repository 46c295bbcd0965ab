// A Session on the GPU: a training step that runs out of device memory raises OutOfMemoryError
// naming the node, leaves the variables as they were, and the same Session then runs a smaller
// batch.
#include <cuda_runtime.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "device_test.h"
#include "varscope/error.h"
#include "varscope/initializers.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/train.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

using ::testing::HasSubstr;

using CudaSessionTest = test::CudaTest;

Tensor column(const std::vector<float>& values) {
  return Tensor::from_vector(values, Shape({static_cast<std::int64_t>(values.size()), 1}));
}

void expect_all_near(const Tensor& t, float expected) {
  const float* data = t.data<float>();
  for (std::int64_t i = 0; i < t.shape().num_elements(); ++i) {
    ASSERT_NEAR(data[i], expected, 1e-6) << "element " << i;
  }
}

TEST_F(CudaSessionTest, OutOfMemoryInAStepIsSurvivedAndASmallerBatchRuns) {
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_bytes, &total_bytes), cudaSuccess);
  constexpr std::int64_t kWidth = std::int64_t{1} << 20;  // w is [1, 2^20] floats: 4 MiB
  // x + w is [batch, kWidth]: at this batch, twice the device's memory.
  const auto huge_batch = static_cast<std::int64_t>(2 * total_bytes / (kWidth * sizeof(float))) + 1;

  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, Shape({Shape::kUnknownDim, 1}), "x");
  Variable w;
  {
    VariableScope scope{"model"};
    w = get_variable("w", {1, kWidth}, {.initializer = constant_initializer(0.5)}).variable();
  }
  Output loss = reduce_sum(square(add(x, w, "h")), std::nullopt, false, "loss");
  train::GradientDescentOptimizer opt(0.01);
  Node* step = opt.minimize(loss);
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  const std::int64_t variable_bytes =
      sess.memory_stats("/gpu:0").current_bytes(MemoryCategory::kVariable);
  EXPECT_GE(variable_bytes, kWidth * 4);

  const Tensor huge = Tensor::zeros(DType::kFloat32, Shape({huge_batch, 1}));
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      sess.run({loss}, {{x, huge}}, {step});
      FAIL() << "a step over " << 2 * total_bytes << " bytes of activations succeeded";
    } catch (const OutOfMemoryError& e) {
      EXPECT_THAT(e.what(), HasSubstr("node 'h'"));
      EXPECT_THAT(e.what(), HasSubstr("Out of memory on /device:GPU:0"));
      EXPECT_THAT(e.what(), HasSubstr(std::to_string(huge_batch * kWidth * 4) + " bytes"));
    }
    // Nothing was lost: the variable holds its value, its memory is still counted once.
    expect_all_near(sess.variable_value(w), attempt == 0 ? 0.5F : 0.26F);
    EXPECT_EQ(sess.memory_stats("/gpu:0").current_bytes(MemoryCategory::kVariable), variable_bytes);
    ASSERT_EQ(cudaPeekAtLastError(), cudaSuccess);

    if (attempt == 0) {
      // The same session, a batch of 4: loss = sum (x_b + 0.5)^2 over 2^20 columns; the gradient
      // of every w_j is sum 2 (x_b + 0.5) = 24, so w becomes 0.5 - 0.01 * 24.
      const Tensor small = sess.run({loss}, {{x, column({1, 2, 3, 4})}}, {step}).at(0);
      EXPECT_NEAR(small.data<float>()[0], 41.0 * kWidth, 41.0 * kWidth * 1e-5);
      expect_all_near(sess.variable_value(w), 0.26F);
    }
  }
}

}  // namespace
}  // namespace varscope
