// The CUDA backend: the caching allocator on a device (statistics, caching, out-of-memory text),
// copies, the fill kernel. Everything that touches a GPU derives from CudaTest and is skipped
// without one; the allocator's own logic is tested on host memory in
// tests/core/caching_allocator_test.cpp.
#include "cuda/cuda_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/caching_allocator.h"
#include "cuda/device_segment_source.h"
#include "cuda/kernels/fill.h"
#include "device_test.h"
#include "varscope/error.h"

namespace varscope {
namespace {

using test::CudaTest;
using ::testing::HasSubstr;

// A caching allocator of its own on device 0, so counts start from zero.
std::unique_ptr<CachingAllocator> device_allocator(const std::string& device_name) {
  return std::make_unique<CachingAllocator>(
      std::make_unique<cuda::DeviceSegmentSource>(0, device_name));
}

TEST(CudaBackendFactory, ReturnsABackendExactlyWhenADeviceIsUsable) {
  auto backend = make_cuda_backend();
  EXPECT_EQ(backend != nullptr, cuda_available());
  if (backend) {
    EXPECT_EQ(backend->device_type(), DeviceType::kGPU);
    EXPECT_FALSE(backend->name().empty());
  }
}

using CudaAllocatorTest = CudaTest;

TEST_F(CudaAllocatorTest, CountsRoundedBytesPerCategory) {
  const auto owned = device_allocator(backend().name());
  CachingAllocator& allocator = *owned;
  void* w = allocator.allocate(1, MemoryCategory::kVariable, "model/w");
  void* a = allocator.allocate(513, MemoryCategory::kActivation);
  ASSERT_NE(w, nullptr);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(w) % 64, 0U);

  MemoryStats stats = allocator.stats();
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kVariable), 512);
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kActivation), 1024);
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kGradient), 0);
  EXPECT_EQ(stats.total_current, 1536);
  EXPECT_EQ(stats.reserved, static_cast<std::int64_t>(CachingAllocator::kSmallBuffer));

  allocator.deallocate(a, 513, MemoryCategory::kActivation);
  stats = allocator.stats();
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kActivation), 0);
  EXPECT_EQ(stats.peak_bytes(MemoryCategory::kActivation), 1024);
  EXPECT_EQ(stats.total_current, 512);
  EXPECT_EQ(stats.total_peak, 1536);

  allocator.deallocate(w, 1, MemoryCategory::kVariable);
  EXPECT_EQ(allocator.stats().total_current, 0);
  allocator.empty_cache();
  EXPECT_EQ(allocator.stats().reserved, 0);
  EXPECT_EQ(allocator.caching_stats().num_device_frees, 1);
}

TEST_F(CudaAllocatorTest, ReusesFreedDeviceMemoryAndReturnsItOnEmptyCache) {
  const auto owned = device_allocator(backend().name());
  CachingAllocator& allocator = *owned;
  constexpr std::size_t kBytes = std::size_t{256} << 20;
  void* p = allocator.allocate(kBytes, MemoryCategory::kActivation, "big");
  allocator.deallocate(p, kBytes, MemoryCategory::kActivation);
  void* q = allocator.allocate(kBytes, MemoryCategory::kActivation, "big again");
  EXPECT_EQ(q, p);  // from the cache, no second cudaMalloc
  EXPECT_EQ(allocator.caching_stats().num_device_allocs, 1);
  allocator.deallocate(q, kBytes, MemoryCategory::kActivation);

  std::size_t free_before = 0;
  std::size_t total = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_before, &total), cudaSuccess);
  allocator.empty_cache();
  std::size_t free_after = 0;
  ASSERT_EQ(cudaMemGetInfo(&free_after, &total), cudaSuccess);
  EXPECT_GE(free_after, free_before + kBytes);
  EXPECT_EQ(allocator.stats().reserved, 0);
}

TEST_F(CudaAllocatorTest, SegmentSourceReportsOutOfMemoryAsNull) {
  cuda::DeviceSegmentSource source(0, backend().name());
  EXPECT_EQ(source.describe(), "/device:GPU:0 (" + backend().name() + ")");
  EXPECT_EQ(source.allocate_segment(std::size_t{1} << 50), nullptr);
  EXPECT_EQ(cudaPeekAtLastError(), cudaSuccess);  // cleared
  const auto info = source.memory_info();
  ASSERT_TRUE(info.has_value());
  EXPECT_GT(info->second, 0U);
  EXPECT_LE(info->first, info->second);
  void* p = source.allocate_segment(CachingAllocator::kSmallBuffer);
  ASSERT_NE(p, nullptr);
  source.synchronize();
  source.free_segment(p, CachingAllocator::kSmallBuffer);
}

TEST_F(CudaAllocatorTest, BackendAllocatorReportsItsAllocations) {
  Allocator& allocator = backend().allocator();
  const std::int64_t before = allocator.stats().current_bytes(MemoryCategory::kOptimizerSlot);
  void* p = allocator.allocate(4096, MemoryCategory::kOptimizerSlot, "w/Adam");
  EXPECT_EQ(allocator.stats().current_bytes(MemoryCategory::kOptimizerSlot), before + 4096);
  allocator.deallocate(p, 4096, MemoryCategory::kOptimizerSlot);
  EXPECT_EQ(allocator.stats().current_bytes(MemoryCategory::kOptimizerSlot), before);
}

TEST_F(CudaAllocatorTest, OutOfMemoryErrorStatesSizesAndRequester) {
  const auto owned = device_allocator(backend().name());
  CachingAllocator& allocator = *owned;
  void* held = allocator.allocate(2048, MemoryCategory::kActivation);
  constexpr std::size_t kPebibyte = std::size_t{1} << 50;
  try {
    allocator.allocate(kPebibyte, MemoryCategory::kVariable, "model/conv1/weights");
    FAIL() << "allocating 1 PiB succeeded";
  } catch (const OutOfMemoryError& e) {
    const std::string message = e.what();
    EXPECT_THAT(message, HasSubstr("Out of memory on /device:GPU:0 (" + backend().name() + ")"));
    EXPECT_THAT(message, HasSubstr("tried to allocate 1.00 PiB (1125899906842624 bytes)"));
    EXPECT_THAT(message, HasSubstr("for Variable 'model/conv1/weights'"));
    EXPECT_THAT(message, HasSubstr("varscope has 2.00 KiB allocated, 2.00 MiB reserved"));
    EXPECT_THAT(message, HasSubstr(" free of "));
    EXPECT_EQ(e.code(), ErrorCode::kOutOfMemory);
  }
  // The failure is cleared: the allocator and the device keep working.
  EXPECT_EQ(cudaPeekAtLastError(), cudaSuccess);
  const CachingAllocatorStats cache = allocator.caching_stats();
  EXPECT_EQ(cache.num_ooms, 1);
  EXPECT_EQ(cache.num_alloc_retries, 1);
  EXPECT_EQ(allocator.stats().total_current, 2048);
  void* p = allocator.allocate(1, MemoryCategory::kVariable);
  allocator.deallocate(p, 1, MemoryCategory::kVariable);
  allocator.deallocate(held, 2048, MemoryCategory::kActivation);
}

using CudaCopyTest = CudaTest;

TEST_F(CudaCopyTest, HostDeviceHostRoundTrip) {
  constexpr std::size_t kCount = 100'003;
  std::vector<float> host(kCount);
  std::iota(host.begin(), host.end(), -50.0F);
  const std::size_t bytes = kCount * sizeof(float);
  Allocator& allocator = backend().allocator();
  void* a = allocator.allocate(bytes, MemoryCategory::kOther, "a");
  void* b = allocator.allocate(bytes, MemoryCategory::kOther, "b");

  backend().copy_from_host(a, host.data(), bytes);
  backend().copy_on_device(b, a, bytes);
  std::vector<float> back(kCount, 0.0F);
  backend().copy_to_host(back.data(), b, bytes);
  EXPECT_EQ(back, host);

  backend().copy_to_host(back.data(), b, 0);  // zero bytes: nothing to do, no error
  allocator.deallocate(a, bytes, MemoryCategory::kOther);
  allocator.deallocate(b, bytes, MemoryCategory::kOther);
}

using CudaFillTest = CudaTest;

TEST_F(CudaFillTest, FillsEveryElementAcrossBlocks) {
  auto& cuda = dynamic_cast<cuda::CudaBackend&>(backend());
  // More elements than 1024 blocks x 256 threads, and not a multiple of the block size: exercises
  // the grid-stride loop and the tail.
  constexpr std::int64_t kCount = 1024 * 256 * 3 + 17;
  const std::size_t bytes = kCount * sizeof(float);
  auto* out = static_cast<float*>(cuda.allocator().allocate(bytes, MemoryCategory::kOther, "fill"));
  cuda::fill_float32(out, kCount, 2.5F, cuda.stream());
  std::vector<float> host(kCount, 0.0F);
  cuda.copy_to_host(host.data(), out, bytes);
  EXPECT_EQ(std::count(host.begin(), host.end(), 2.5F), kCount);

  cuda::fill_float32(out, 0, 7.0F, cuda.stream());  // n == 0 launches nothing
  EXPECT_THROW(cuda::fill_float32(out, -1, 7.0F, cuda.stream()), InvalidArgumentError);
  cuda.synchronize();
  cuda.allocator().deallocate(out, bytes, MemoryCategory::kOther);
}

}  // namespace
}  // namespace varscope
