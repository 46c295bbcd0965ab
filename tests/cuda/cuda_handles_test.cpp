// RAII handles: creation, move, timing with events. All need a GPU (CudaTest).
#include <gtest/gtest.h>

#include <utility>

#include "core/backend.h"
#include "cuda/handles.h"
#include "cuda/kernels/fill.h"
#include "device_test.h"

namespace varscope {
namespace {

using CudaHandlesTest = test::CudaTest;

TEST_F(CudaHandlesTest, CreateAndDestroyEveryKind) {
  cuda::Stream stream;
  cuda::Event event;
  cuda::CublasHandle cublas;
  cuda::CudnnHandle cudnn;
  EXPECT_NE(stream.get(), nullptr);
  EXPECT_NE(event.get(), nullptr);
  EXPECT_NE(cublas.get(), nullptr);
  EXPECT_NE(cudnn.get(), nullptr);
  cublas.set_stream(stream.get());
  cudnn.set_stream(stream.get());
  stream.synchronize();
  EXPECT_EQ(cudaPeekAtLastError(), cudaSuccess);
}

TEST_F(CudaHandlesTest, MoveTransfersOwnership) {
  cuda::Stream a;
  cudaStream_t raw = a.get();
  cuda::Stream b = std::move(a);
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(a.get(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  cuda::Stream c;
  c = std::move(b);  // destroys c's own stream, takes b's
  EXPECT_EQ(c.get(), raw);
}

TEST_F(CudaHandlesTest, EventsTimeWorkOnAStream) {
  cuda::Stream stream;
  cuda::Event start;
  cuda::Event stop;
  constexpr std::int64_t kCount = 1 << 20;
  Allocator& allocator = cuda_backend()->allocator();
  auto* out =
      static_cast<float*>(allocator.allocate(kCount * sizeof(float), MemoryCategory::kOther));
  start.record(stream.get());
  cuda::fill_float32(out, kCount, 1.0F, stream.get());
  stop.record(stream.get());
  stop.synchronize();
  EXPECT_GE(stop.elapsed_ms_since(start), 0.0F);
  allocator.deallocate(out, kCount * sizeof(float), MemoryCategory::kOther);
}

}  // namespace
}  // namespace varscope
