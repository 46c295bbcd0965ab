// The caching allocator over host memory: sizes and pools, best fit, split and coalesce,
// statistics, growth, release-and-retry on out of memory, empty_cache, bad frees, and many threads
// at once.
#include "core/caching_allocator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/spdlog_logger.h"
#include "varscope/error.h"

namespace varscope {
namespace {

using ::testing::HasSubstr;

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kGiB = 1024 * kMiB;

// Host memory with a byte limit, standing in for a device. It checks that every free matches an
// allocation and records the order of calls, so tests can see what the allocator asked for.
class HostSegmentSource final : public SegmentSource {
 public:
  explicit HostSegmentSource(std::size_t limit) : limit_(limit) {}
  ~HostSegmentSource() override {
    for (const auto& [ptr, bytes] : segments_) std::free(ptr);
  }

  void* allocate_segment(std::size_t bytes) override {
    events.push_back('A');
    if (bytes > limit_ - used_) return nullptr;
    void* ptr = std::aligned_alloc(CachingAllocator::kMinBlockSize, bytes);
    if (ptr == nullptr) return nullptr;
    used_ += bytes;
    segments_[ptr] = bytes;
    ++allocs;
    return ptr;
  }
  void free_segment(void* ptr, std::size_t bytes) noexcept override {
    events.push_back('F');
    const auto it = segments_.find(ptr);
    if (it == segments_.end() || it->second != bytes) {
      ++bad_frees;
      return;
    }
    segments_.erase(it);
    std::free(ptr);
    used_ -= bytes;
    ++frees;
  }
  void synchronize() override { events.push_back('S'); }
  std::optional<std::pair<std::size_t, std::size_t>> memory_info() const override {
    return std::pair{limit_ - used_, limit_};
  }
  std::string describe() const override { return "/device:TEST:0 (host memory)"; }

  std::size_t used() const { return used_; }
  std::size_t segments() const { return segments_.size(); }

  int allocs = 0;
  int frees = 0;
  int bad_frees = 0;
  /// 'A' allocate_segment (successful or not), 'F' free_segment, 'S' synchronize.
  std::string events;

 private:
  std::size_t limit_;
  std::size_t used_ = 0;
  std::map<void*, std::size_t> segments_;
};

// An allocator over a HostSegmentSource the test can still look at.
struct Fixture {
  explicit Fixture(std::size_t limit = 64 * kGiB)
      : source(new HostSegmentSource(limit)), allocator(std::unique_ptr<SegmentSource>(source)) {}

  HostSegmentSource* source;  // owned by allocator
  CachingAllocator allocator;
};

std::uintptr_t address(const void* ptr) { return reinterpret_cast<std::uintptr_t>(ptr); }

// What must hold whenever no call is running: reserved is what the source handed out, and every
// free byte is in a segment.
void expect_consistent(const Fixture& f) {
  const MemoryStats stats = f.allocator.stats();
  const CachingAllocatorStats cache = f.allocator.caching_stats();
  EXPECT_EQ(stats.reserved, static_cast<std::int64_t>(f.source->used()));
  EXPECT_EQ(cache.num_segments, static_cast<std::int64_t>(f.source->segments()));
  EXPECT_EQ(cache.num_device_allocs, f.source->allocs);
  EXPECT_EQ(cache.num_device_frees, f.source->frees);
  EXPECT_EQ(f.source->bad_frees, 0);
  EXPECT_LE(cache.cached_free_bytes + stats.total_current, stats.reserved);
  EXPECT_LE(cache.inactive_split_bytes, cache.cached_free_bytes);
  EXPECT_EQ(std::accumulate(stats.current.begin(), stats.current.end(), std::int64_t{0}),
            stats.total_current);
}

// After everything is freed: each segment is one free block of its full size.
void expect_all_segments_whole(const Fixture& f) {
  const MemoryStats stats = f.allocator.stats();
  const CachingAllocatorStats cache = f.allocator.caching_stats();
  EXPECT_EQ(stats.total_current, 0);
  EXPECT_EQ(cache.inactive_split_bytes, 0);
  EXPECT_EQ(cache.cached_free_bytes, stats.reserved);
  expect_consistent(f);
}

TEST(CachingAllocatorSizes, RoundsUpTo512Bytes) {
  EXPECT_EQ(CachingAllocator::round_size(0), 512U);
  EXPECT_EQ(CachingAllocator::round_size(1), 512U);
  EXPECT_EQ(CachingAllocator::round_size(512), 512U);
  EXPECT_EQ(CachingAllocator::round_size(513), 1024U);
  EXPECT_EQ(CachingAllocator::round_size(1'000'000), 1'000'448U);
  EXPECT_EQ(CachingAllocator::round_size(std::numeric_limits<std::size_t>::max()), 0U);
}

TEST(CachingAllocatorSizes, SegmentSizePerPool) {
  EXPECT_EQ(CachingAllocator::segment_size(512), 2 * kMiB);
  EXPECT_EQ(CachingAllocator::segment_size(kMiB), 2 * kMiB);
  EXPECT_EQ(CachingAllocator::segment_size(kMiB + 512), 20 * kMiB);
  EXPECT_EQ(CachingAllocator::segment_size(10 * kMiB - 512), 20 * kMiB);
  EXPECT_EQ(CachingAllocator::segment_size(10 * kMiB), 10 * kMiB);
  EXPECT_EQ(CachingAllocator::segment_size(10 * kMiB + 512), 12 * kMiB);
  EXPECT_EQ(CachingAllocator::segment_size(std::numeric_limits<std::size_t>::max() - 511), 0U);
}

TEST(CachingAllocator, ZeroBytesGetsA512ByteBlock) {
  Fixture f;
  void* a = f.allocator.allocate(0, MemoryCategory::kOther);
  void* b = f.allocator.allocate(0, MemoryCategory::kOther);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(address(b) - address(a), 512U);  // carved one after the other from one segment
  EXPECT_EQ(f.allocator.stats().current_bytes(MemoryCategory::kOther), 1024);
  f.allocator.deallocate(a, 0, MemoryCategory::kOther);
  f.allocator.deallocate(b, 0, MemoryCategory::kOther);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, SmallRequestsShareTwoMiBSegments) {
  Fixture f;
  void* a = f.allocator.allocate(1000, MemoryCategory::kVariable);
  void* b = f.allocator.allocate(kMiB, MemoryCategory::kVariable);
  EXPECT_EQ(address(a) % 512, 0U);
  EXPECT_EQ(address(b), address(a) + 1024);
  EXPECT_EQ(f.allocator.stats().reserved, static_cast<std::int64_t>(2 * kMiB));
  EXPECT_EQ(f.source->allocs, 1);
  // 2 MiB - 1 KiB - 1 MiB left: another 1 MiB needs a second segment.
  void* c = f.allocator.allocate(kMiB, MemoryCategory::kVariable);
  EXPECT_EQ(f.allocator.stats().reserved, static_cast<std::int64_t>(4 * kMiB));
  EXPECT_EQ(f.allocator.caching_stats().num_segments, 2);
  f.allocator.deallocate(a, 1000, MemoryCategory::kVariable);
  for (void* p : {b, c}) f.allocator.deallocate(p, kMiB, MemoryCategory::kVariable);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, LargePoolSegmentSizes) {
  // The segment a fresh allocator takes for one request of `bytes`.
  const auto segment_for = [](std::size_t bytes) {
    Fixture f;
    void* p = f.allocator.allocate(bytes, MemoryCategory::kOther);
    const std::int64_t reserved = f.allocator.stats().reserved;
    f.allocator.deallocate(p, bytes, MemoryCategory::kOther);
    return reserved;
  };
  EXPECT_EQ(segment_for(kMiB + 1), static_cast<std::int64_t>(20 * kMiB));
  EXPECT_EQ(segment_for(9 * kMiB), static_cast<std::int64_t>(20 * kMiB));
  EXPECT_EQ(segment_for(10 * kMiB), static_cast<std::int64_t>(10 * kMiB));
  EXPECT_EQ(segment_for(10 * kMiB + 1), static_cast<std::int64_t>(12 * kMiB));
  EXPECT_EQ(segment_for(100 * kMiB + 5), static_cast<std::int64_t>(102 * kMiB));
}

TEST(CachingAllocator, PoolsDoNotShareSegments) {
  Fixture f;
  void* large = f.allocator.allocate(kMiB + 512, MemoryCategory::kOther);  // 20 MiB segment
  // Plenty free in the large segment, but a small request takes a small segment.
  void* small = f.allocator.allocate(512, MemoryCategory::kOther);
  EXPECT_EQ(f.allocator.caching_stats().num_segments, 2);
  EXPECT_EQ(f.allocator.stats().reserved, static_cast<std::int64_t>(22 * kMiB));
  EXPECT_FALSE(address(small) >= address(large) && address(small) < address(large) + 20 * kMiB);
  f.allocator.deallocate(small, 512, MemoryCategory::kOther);
  f.allocator.deallocate(large, kMiB + 512, MemoryCategory::kOther);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, LargePoolSplitsOnlyForMoreThanOneMiB) {
  {
    // 10 MiB + 512 in a 12 MiB segment: 2 MiB - 512 left, split off and used by the next request.
    Fixture f;
    void* a = f.allocator.allocate(10 * kMiB + 512, MemoryCategory::kOther);
    void* b = f.allocator.allocate(kMiB + 512, MemoryCategory::kOther);
    EXPECT_EQ(f.allocator.caching_stats().num_segments, 1);
    EXPECT_EQ(address(b), address(a) + 10 * kMiB + 512);
    f.allocator.deallocate(b, kMiB + 512, MemoryCategory::kOther);
    f.allocator.deallocate(a, 10 * kMiB + 512, MemoryCategory::kOther);
    expect_all_segments_whole(f);
  }
  {
    // 11 MiB + 512 in a 12 MiB segment: 1 MiB - 512 left stays inside the block.
    Fixture f;
    void* a = f.allocator.allocate(11 * kMiB + 512, MemoryCategory::kOther);
    EXPECT_EQ(f.allocator.caching_stats().cached_free_bytes, 0);
    EXPECT_EQ(f.allocator.stats().current_bytes(MemoryCategory::kOther),
              static_cast<std::int64_t>(11 * kMiB + 512));  // the request, not the block
    void* b = f.allocator.allocate(kMiB + 512, MemoryCategory::kOther);
    EXPECT_EQ(f.allocator.caching_stats().num_segments, 2);
    f.allocator.deallocate(b, kMiB + 512, MemoryCategory::kOther);
    f.allocator.deallocate(a, 11 * kMiB + 512, MemoryCategory::kOther);
    expect_all_segments_whole(f);
  }
}

TEST(CachingAllocator, BestFitTakesTheSmallestFreeBlockThatFits) {
  Fixture f;
  constexpr auto kCat = MemoryCategory::kActivation;
  // Holes of 4, 2 and 3 KiB, kept apart by blocks in use, then the rest of the segment.
  void* four = f.allocator.allocate(4 * kKiB, kCat);
  void* s1 = f.allocator.allocate(512, kCat);
  void* two = f.allocator.allocate(2 * kKiB, kCat);
  void* s2 = f.allocator.allocate(512, kCat);
  void* three = f.allocator.allocate(3 * kKiB, kCat);
  void* s3 = f.allocator.allocate(512, kCat);
  f.allocator.deallocate(four, 4 * kKiB, kCat);
  f.allocator.deallocate(two, 2 * kKiB, kCat);
  f.allocator.deallocate(three, 3 * kKiB, kCat);
  EXPECT_EQ(f.allocator.caching_stats().largest_free_block,
            static_cast<std::int64_t>(2 * kMiB - 9 * kKiB - 1536));

  void* a = f.allocator.allocate(2560, kCat);  // 3 KiB is the smallest hole that fits
  EXPECT_EQ(a, three);
  void* b = f.allocator.allocate(2 * kKiB, kCat);  // exact fit
  EXPECT_EQ(b, two);
  void* c = f.allocator.allocate(512, kCat);  // the 512 bytes left of the 3 KiB hole
  EXPECT_EQ(address(c), address(three) + 2560);
  void* d = f.allocator.allocate(3 * kKiB, kCat);  // only the 4 KiB hole is smaller than the tail
  EXPECT_EQ(d, four);
  EXPECT_EQ(f.source->allocs, 1);

  f.allocator.deallocate(a, 2560, kCat);
  f.allocator.deallocate(b, 2 * kKiB, kCat);
  f.allocator.deallocate(d, 3 * kKiB, kCat);
  for (void* p : {c, s1, s2, s3}) f.allocator.deallocate(p, 512, kCat);
  expect_all_segments_whole(f);
  EXPECT_EQ(f.allocator.caching_stats().largest_free_block, static_cast<std::int64_t>(2 * kMiB));
}

TEST(CachingAllocator, BestFitBreaksTiesByAddress) {
  Fixture f;
  constexpr auto kCat = MemoryCategory::kOther;
  void* x = f.allocator.allocate(kKiB, kCat);
  void* s1 = f.allocator.allocate(512, kCat);
  void* y = f.allocator.allocate(kKiB, kCat);
  void* s2 = f.allocator.allocate(512, kCat);
  f.allocator.deallocate(y, kKiB, kCat);  // the higher address is freed first
  f.allocator.deallocate(x, kKiB, kCat);
  EXPECT_EQ(f.allocator.allocate(kKiB, kCat), x);
  EXPECT_EQ(f.allocator.allocate(kKiB, kCat), y);
  for (void* p : {x, y}) f.allocator.deallocate(p, kKiB, kCat);
  for (void* p : {s1, s2}) f.allocator.deallocate(p, 512, kCat);
  expect_all_segments_whole(f);
}

// Four neighbouring blocks and the segment's tail, freed in every order: each free merges with free
// neighbours, so in the end the segment is one free block again and serves a whole-segment request.
void check_coalescing(std::size_t block_bytes, std::size_t segment_bytes) {
  std::array<int, 4> order = {0, 1, 2, 3};
  do {
    Fixture f;
    std::array<void*, 4> blocks{};
    for (void*& p : blocks) p = f.allocator.allocate(block_bytes, MemoryCategory::kGradient);
    for (int i = 1; i < 4; ++i) {
      ASSERT_EQ(address(blocks[i]), address(blocks[0]) + i * block_bytes);
    }
    std::int64_t freed = 0;
    for (int i : order) {
      f.allocator.deallocate(blocks[i], block_bytes, MemoryCategory::kGradient);
      freed += static_cast<std::int64_t>(block_bytes);
      EXPECT_EQ(f.allocator.caching_stats().cached_free_bytes,
                static_cast<std::int64_t>(segment_bytes - 4 * block_bytes) + freed);
    }
    expect_all_segments_whole(f);
    const CachingAllocatorStats cache = f.allocator.caching_stats();
    EXPECT_EQ(cache.num_segments, 1);
    EXPECT_EQ(cache.largest_free_block, static_cast<std::int64_t>(segment_bytes));
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "freeing in the order " << order[0] << order[1] << order[2] << order[3];
      return;
    }
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(CachingAllocator, SplitThenCoalesceInEveryOrderSmallPool) {
  check_coalescing(256 * kKiB, 2 * kMiB);
}

TEST(CachingAllocator, SplitThenCoalesceInEveryOrderLargePool) {
  check_coalescing(3 * kMiB, 20 * kMiB);
}

TEST(CachingAllocator, CoalescedSegmentServesAWholeSegmentRequest) {
  Fixture f;
  std::vector<void*> blocks;
  for (int i = 0; i < 5; ++i)
    blocks.push_back(f.allocator.allocate(4 * kMiB, MemoryCategory::kOther));
  EXPECT_EQ(f.source->allocs, 1);  // 20 MiB: all five in one segment
  for (int i : {3, 1, 4, 0, 2}) f.allocator.deallocate(blocks[i], 4 * kMiB, MemoryCategory::kOther);
  // 20 MiB only fits if the five pieces merged back.
  void* whole = f.allocator.allocate(20 * kMiB, MemoryCategory::kOther);
  EXPECT_EQ(whole, blocks[0]);
  EXPECT_EQ(f.source->allocs, 1);
  f.allocator.deallocate(whole, 20 * kMiB, MemoryCategory::kOther);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, StatsPerCategoryWithPeaksAndReserved) {
  Fixture f;
  void* w = f.allocator.allocate(1000, MemoryCategory::kVariable, "w");
  void* g = f.allocator.allocate(3000, MemoryCategory::kGradient, "w/grad");
  MemoryStats stats = f.allocator.stats();
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kVariable), 1024);
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kGradient), 3072);
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kActivation), 0);
  EXPECT_EQ(stats.total_current, 4096);
  EXPECT_EQ(stats.reserved, static_cast<std::int64_t>(2 * kMiB));

  f.allocator.deallocate(g, 3000, MemoryCategory::kGradient);
  void* s = f.allocator.allocate(512, MemoryCategory::kOptimizerSlot, "w/Adam");
  stats = f.allocator.stats();
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kGradient), 0);
  EXPECT_EQ(stats.peak_bytes(MemoryCategory::kGradient), 3072);
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kOptimizerSlot), 512);
  EXPECT_EQ(stats.total_current, 1536);
  EXPECT_EQ(stats.total_peak, 4096);
  EXPECT_EQ(stats.reserved, static_cast<std::int64_t>(2 * kMiB));  // freed memory stays cached

  // reserve()d memory counts in reserved only; account() moves bytes into categories.
  void* arena = f.allocator.reserve(30 * kMiB, "activation arena");
  stats = f.allocator.stats();
  EXPECT_EQ(stats.reserved, static_cast<std::int64_t>(32 * kMiB));
  EXPECT_EQ(stats.total_current, 1536);
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kActivation), 0);
  f.allocator.account(MemoryCategory::kActivation, 5000);
  stats = f.allocator.stats();
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kActivation), 5000);
  EXPECT_EQ(stats.total_current, 6536);
  EXPECT_EQ(stats.total_peak, 6536);
  f.allocator.account(MemoryCategory::kActivation, -5000);
  f.allocator.unreserve(arena, 30 * kMiB);
  stats = f.allocator.stats();
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kActivation), 0);
  EXPECT_EQ(stats.peak_bytes(MemoryCategory::kActivation), 5000);
  EXPECT_EQ(stats.total_current, 1536);
  EXPECT_EQ(stats.reserved, static_cast<std::int64_t>(32 * kMiB));

  f.allocator.deallocate(w, 1000, MemoryCategory::kVariable);
  f.allocator.deallocate(s, 512, MemoryCategory::kOptimizerSlot);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, ReservedBlocksComeFromThePools) {
  Fixture f;
  void* a = f.allocator.allocate(kKiB, MemoryCategory::kVariable);
  void* r = f.allocator.reserve(4 * kKiB, "arena");
  EXPECT_EQ(address(r), address(a) + kKiB);  // the same small segment
  EXPECT_EQ(f.source->allocs, 1);
  f.allocator.unreserve(r, 4 * kKiB);
  EXPECT_EQ(f.allocator.reserve(4 * kKiB, "arena"), r);  // cached, reused
  f.allocator.unreserve(r, 4 * kKiB);
  f.allocator.deallocate(a, kKiB, MemoryCategory::kVariable);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, GrowsOnDemandAndReusesTheCache) {
  Fixture f;
  EXPECT_EQ(f.allocator.stats().reserved, 0);
  EXPECT_EQ(f.source->allocs, 0);  // nothing taken up front

  std::vector<void*> blocks;
  for (int i = 1; i <= 8; ++i) {
    blocks.push_back(f.allocator.allocate(768 * kKiB, MemoryCategory::kActivation));
    // Two 768 KiB blocks per 2 MiB segment: a third does not fit in the 512 KiB left.
    EXPECT_EQ(f.allocator.stats().reserved, static_cast<std::int64_t>((i + 1) / 2 * 2 * kMiB));
  }
  EXPECT_EQ(f.source->allocs, 4);
  for (void* p : blocks) f.allocator.deallocate(p, 768 * kKiB, MemoryCategory::kActivation);
  // The same requests again: all from the cache.
  for (void*& p : blocks) p = f.allocator.allocate(768 * kKiB, MemoryCategory::kActivation);
  EXPECT_EQ(f.source->allocs, 4);
  EXPECT_EQ(f.allocator.stats().reserved, static_cast<std::int64_t>(8 * kMiB));
  for (void* p : blocks) f.allocator.deallocate(p, 768 * kKiB, MemoryCategory::kActivation);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, OutOfMemoryErrorStatesDeviceRequestAndSizes) {
  Fixture f(64 * kMiB);
  void* held = f.allocator.allocate(2048, MemoryCategory::kVariable, "tower/conv1/biases");
  try {
    f.allocator.allocate(1536 * kMiB, MemoryCategory::kVariable, "tower/conv1/weights");
    FAIL() << "allocating 1.5 GiB of a 64 MiB device succeeded";
  } catch (const OutOfMemoryError& e) {
    const std::string message = e.what();
    EXPECT_THAT(message, HasSubstr("/device:TEST:0 (host memory)"));
    EXPECT_THAT(message, HasSubstr("tried to allocate 1.50 GiB (1610612736 bytes)"));
    EXPECT_THAT(message, HasSubstr("for Variable 'tower/conv1/weights'"));
    EXPECT_THAT(message, HasSubstr("varscope has 2.00 KiB allocated, 2.00 MiB reserved"));
    EXPECT_THAT(message, HasSubstr("62.00 MiB free of 64.00 MiB on the device"));
    EXPECT_EQ(e.code(), ErrorCode::kOutOfMemory);
  }
  EXPECT_EQ(f.allocator.caching_stats().num_ooms, 1);
  // The arena's failure names it too.
  try {
    f.allocator.reserve(100 * kMiB, "activation arena");
    FAIL() << "reserving 100 MiB of a 64 MiB device succeeded";
  } catch (const OutOfMemoryError& e) {
    EXPECT_THAT(std::string(e.what()),
                HasSubstr("tried to allocate 100.00 MiB (104857600 bytes) for Activation "
                          "'activation arena'"));
  }
  // A size that cannot even be rounded fails the same way.
  EXPECT_THROW(
      f.allocator.allocate(std::numeric_limits<std::size_t>::max(), MemoryCategory::kOther),
      OutOfMemoryError);
  EXPECT_EQ(f.allocator.caching_stats().num_ooms, 3);
  f.allocator.deallocate(held, 2048, MemoryCategory::kVariable);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, ReleasesTheCacheAndRetriesBeforeFailing) {
  Fixture f(40 * kMiB);
  // 30 MiB and a small segment cached, all free.
  void* big = f.allocator.allocate(30 * kMiB, MemoryCategory::kActivation);
  void* small = f.allocator.allocate(kKiB, MemoryCategory::kActivation);
  void* kept = f.allocator.allocate(kKiB, MemoryCategory::kVariable);
  f.allocator.deallocate(big, 30 * kMiB, MemoryCategory::kActivation);
  f.allocator.deallocate(small, kKiB, MemoryCategory::kActivation);
  EXPECT_EQ(f.allocator.stats().reserved, static_cast<std::int64_t>(32 * kMiB));
  f.source->events.clear();

  // 36 MiB fits no cached block and not beside them, but fits once the 30 MiB segment is gone.
  void* p = f.allocator.allocate(36 * kMiB, MemoryCategory::kActivation, "conv2");
  ASSERT_NE(p, nullptr);
  CachingAllocatorStats cache = f.allocator.caching_stats();
  EXPECT_EQ(cache.num_alloc_retries, 1);
  EXPECT_EQ(cache.num_device_frees, 1);  // the small segment still holds `kept`
  EXPECT_EQ(cache.num_ooms, 0);
  EXPECT_EQ(f.source->events, "ASFA");  // fail, synchronize, free the cache, retry
  EXPECT_EQ(f.allocator.stats().reserved, static_cast<std::int64_t>(38 * kMiB));
  expect_consistent(f);

  // Nothing cached is left to release: the retry fails too and the error follows.
  f.source->events.clear();
  EXPECT_THROW(f.allocator.allocate(4 * kMiB, MemoryCategory::kActivation), OutOfMemoryError);
  EXPECT_EQ(f.source->events, "AA");
  cache = f.allocator.caching_stats();
  EXPECT_EQ(cache.num_alloc_retries, 2);
  EXPECT_EQ(cache.num_ooms, 1);

  f.allocator.deallocate(p, 36 * kMiB, MemoryCategory::kActivation);
  f.allocator.deallocate(kept, kKiB, MemoryCategory::kVariable);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, KeepsWorkingAfterOutOfMemory) {
  Fixture f(64 * kMiB);
  void* a = f.allocator.allocate(5 * kMiB, MemoryCategory::kVariable, "a");
  void* b = f.allocator.allocate(100 * kKiB, MemoryCategory::kGradient, "b");
  void* c = f.allocator.allocate(2 * kMiB, MemoryCategory::kOther, "c");
  f.allocator.deallocate(c, 2 * kMiB, MemoryCategory::kOther);
  const MemoryStats before = f.allocator.stats();

  EXPECT_THROW(f.allocator.allocate(kGiB, MemoryCategory::kVariable, "huge"), OutOfMemoryError);
  const MemoryStats after = f.allocator.stats();
  EXPECT_EQ(after.current, before.current);
  EXPECT_EQ(after.peak, before.peak);
  EXPECT_EQ(after.total_current, before.total_current);
  EXPECT_EQ(after.reserved, before.reserved);  // both segments hold blocks in use: none released
  expect_consistent(f);

  // Smaller requests still succeed, up to what the device has.
  std::vector<void*> blocks;
  for (int i = 0; i < 3; ++i)
    blocks.push_back(f.allocator.allocate(12 * kMiB, MemoryCategory::kOther));
  void* tiny = f.allocator.allocate(1, MemoryCategory::kOther);
  EXPECT_EQ(f.allocator.stats().current_bytes(MemoryCategory::kOther),
            static_cast<std::int64_t>(36 * kMiB + 512));
  for (void* p : blocks) f.allocator.deallocate(p, 12 * kMiB, MemoryCategory::kOther);
  f.allocator.deallocate(tiny, 1, MemoryCategory::kOther);
  f.allocator.deallocate(a, 5 * kMiB, MemoryCategory::kVariable);
  f.allocator.deallocate(b, 100 * kKiB, MemoryCategory::kGradient);
  expect_all_segments_whole(f);
  f.allocator.empty_cache();
  EXPECT_EQ(f.source->used(), 0U);
}

TEST(CachingAllocator, EmptyCacheReturnsOnlyWhollyFreeSegments) {
  Fixture f;
  void* exact = f.allocator.allocate(12 * kMiB, MemoryCategory::kOther);  // a 12 MiB segment
  void* large = f.allocator.allocate(2 * kMiB, MemoryCategory::kOther);   // a 20 MiB segment
  void* small_kept = f.allocator.allocate(kKiB, MemoryCategory::kVariable);
  void* small_fill = f.allocator.allocate(kMiB, MemoryCategory::kOther);   // same small segment
  void* small_other = f.allocator.allocate(kMiB, MemoryCategory::kOther);  // a 2nd small segment
  EXPECT_EQ(f.allocator.caching_stats().num_segments, 4);
  f.allocator.deallocate(exact, 12 * kMiB, MemoryCategory::kOther);
  f.allocator.deallocate(large, 2 * kMiB, MemoryCategory::kOther);
  f.allocator.deallocate(small_fill, kMiB, MemoryCategory::kOther);
  f.allocator.deallocate(small_other, kMiB, MemoryCategory::kOther);
  EXPECT_EQ(f.allocator.stats().reserved, static_cast<std::int64_t>(36 * kMiB));
  f.source->events.clear();

  f.allocator.empty_cache();
  EXPECT_EQ(f.source->events, "SFFF");  // synchronized before anything went back
  CachingAllocatorStats cache = f.allocator.caching_stats();
  EXPECT_EQ(cache.num_segments, 1);
  EXPECT_EQ(cache.num_device_frees, 3);
  EXPECT_EQ(f.allocator.stats().reserved, static_cast<std::int64_t>(2 * kMiB));
  EXPECT_EQ(cache.inactive_split_bytes, static_cast<std::int64_t>(2 * kMiB - kKiB));
  std::memset(small_kept, 0x5a, kKiB);  // still ours

  f.source->events.clear();
  f.allocator.empty_cache();  // nothing wholly free: no synchronize, nothing freed
  EXPECT_EQ(f.source->events, "");

  f.allocator.deallocate(small_kept, kKiB, MemoryCategory::kVariable);
  f.allocator.empty_cache();
  cache = f.allocator.caching_stats();
  EXPECT_EQ(cache.num_segments, 0);
  EXPECT_EQ(cache.cached_free_bytes, 0);
  EXPECT_EQ(cache.largest_free_block, 0);
  EXPECT_EQ(cache.num_device_frees, cache.num_device_allocs);
  EXPECT_EQ(f.allocator.stats().reserved, 0);
  EXPECT_EQ(f.source->used(), 0U);
  expect_consistent(f);

  // And it grows again from nothing.
  void* p = f.allocator.allocate(kKiB, MemoryCategory::kOther);
  EXPECT_EQ(f.allocator.stats().reserved, static_cast<std::int64_t>(2 * kMiB));
  f.allocator.deallocate(p, kKiB, MemoryCategory::kOther);
}

// Captures what the varscope logger writes while it lives.
class CapturedLog {
 public:
  CapturedLog()
      : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64)), level_(logger().level()) {
    logger().sinks().push_back(sink_);
    // VARSCOPE_LOG_LEVEL may have turned errors off.
    if (level_ > spdlog::level::err) logger().set_level(spdlog::level::err);
  }
  ~CapturedLog() {
    logger().set_level(level_);
    auto& sinks = logger().sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  std::string text() const {
    std::string all;
    for (const std::string& line : sink_->last_formatted()) all += line;
    return all;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  spdlog::level::level_enum level_;
};

TEST(CachingAllocator, BadFreesAreLoggedAndIgnored) {
  Fixture f;
  void* a = f.allocator.allocate(4 * kKiB, MemoryCategory::kVariable);
  void* r = f.allocator.reserve(8 * kKiB, "arena");
  const MemoryStats before = f.allocator.stats();
  int stack_value = 0;
  {
    CapturedLog log;
    f.allocator.deallocate(&stack_value, 4, MemoryCategory::kVariable);  // never ours
    f.allocator.deallocate(static_cast<std::byte*>(a) + 512, 512, MemoryCategory::kVariable);
    f.allocator.unreserve(&stack_value, 4);
    f.allocator.deallocate(r, 8 * kKiB, MemoryCategory::kActivation);  // reserve()d
    f.allocator.unreserve(a, 4 * kKiB);                                // allocate()d
    f.allocator.deallocate(nullptr, 0, MemoryCategory::kOther);        // a no-op, not an error
    EXPECT_THAT(log.text(), HasSubstr("did not hand out (ignored)"));
    EXPECT_THAT(log.text(), HasSubstr("which was reserve()d (ignored)"));
    EXPECT_THAT(log.text(), HasSubstr("which was allocate()d (ignored)"));
  }
  const MemoryStats after = f.allocator.stats();
  EXPECT_EQ(after.current, before.current);
  EXPECT_EQ(after.total_current, before.total_current);
  EXPECT_EQ(after.reserved, before.reserved);

  f.allocator.deallocate(a, 4 * kKiB, MemoryCategory::kVariable);
  {
    CapturedLog log;
    f.allocator.deallocate(a, 4 * kKiB, MemoryCategory::kVariable);  // double free
    EXPECT_THAT(log.text(), HasSubstr("did not hand out (ignored)"));
  }
  EXPECT_EQ(f.allocator.stats().current_bytes(MemoryCategory::kVariable), 0);
  // The block was cached once, not twice: two requests get two different blocks.
  void* x = f.allocator.allocate(4 * kKiB, MemoryCategory::kOther);
  void* y = f.allocator.allocate(4 * kKiB, MemoryCategory::kOther);
  EXPECT_EQ(x, a);
  EXPECT_NE(y, a);
  f.allocator.deallocate(x, 4 * kKiB, MemoryCategory::kOther);
  f.allocator.deallocate(y, 4 * kKiB, MemoryCategory::kOther);
  f.allocator.unreserve(r, 8 * kKiB);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, WrongSizeOrCategoryOnFreeUsesTheAllocationsOwn) {
  Fixture f;
  void* a = f.allocator.allocate(4 * kKiB, MemoryCategory::kVariable);
  {
    CapturedLog log;
    f.allocator.deallocate(a, 100, MemoryCategory::kGradient);
    EXPECT_THAT(log.text(), HasSubstr("allocated as 4096 bytes (Variable)"));
  }
  const MemoryStats stats = f.allocator.stats();
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kVariable), 0);
  EXPECT_EQ(stats.current_bytes(MemoryCategory::kGradient), 0);
  expect_all_segments_whole(f);
}

TEST(CachingAllocator, ManyThreadsAllocatingAndFreeingLeaveNoLeaks) {
  Fixture f;
  constexpr int kThreads = 4;
  constexpr int kSteps = 20000;
  std::mutex live_mutex;
  std::map<std::uintptr_t, std::uintptr_t> live;  // start -> end of every block handed out
  std::atomic<int> overlaps{0};
  std::atomic<int> corrupted{0};

  const auto worker = [&](int seed) {
    std::mt19937_64 random(seed);
    struct Held {
      void* ptr{};
      std::size_t bytes{};
      MemoryCategory category{};
      bool reserved{};
      std::uint64_t tag{};
    };
    std::vector<Held> held;
    for (int step = 0; step < kSteps; ++step) {
      const bool allocate = held.empty() || (held.size() < 24 && random() % 2 == 0);
      if (allocate) {
        Held h;
        const std::uint64_t kind = random() % 100;
        h.bytes = kind < 70   ? random() % (64 * kKiB)  // small pool
                  : kind < 95 ? kMiB + random() % (8 * kMiB)
                              : 10 * kMiB + random() % (14 * kMiB);
        h.category = static_cast<MemoryCategory>(random() % kNumMemoryCategories);
        h.reserved = random() % 10 == 0;
        h.ptr = h.reserved ? f.allocator.reserve(h.bytes, "arena")
                           : f.allocator.allocate(h.bytes, h.category, "stress");
        h.tag = random();
        const std::size_t span = std::max<std::size_t>(h.bytes, 1);
        {
          std::lock_guard lock(live_mutex);
          const auto start = address(h.ptr);
          const auto next = live.lower_bound(start);
          if (next != live.end() && next->first < start + span) ++overlaps;
          if (next != live.begin() && std::prev(next)->second > start) ++overlaps;
          live[start] = start + span;
        }
        // Tags at both ends: a block handed out twice would have them overwritten.
        std::memcpy(h.ptr, &h.tag, std::min(span, sizeof(h.tag)));
        if (span >= 2 * sizeof(h.tag)) {
          std::memcpy(static_cast<std::byte*>(h.ptr) + span - sizeof(h.tag), &h.tag, sizeof(h.tag));
        }
        held.push_back(h);
      } else {
        const std::size_t index = random() % held.size();
        const Held h = held[index];
        held[index] = held.back();
        held.pop_back();
        const std::size_t span = std::max<std::size_t>(h.bytes, 1);
        std::uint64_t first = 0;
        std::memcpy(&first, h.ptr, std::min(span, sizeof(first)));
        if (std::memcmp(&first, &h.tag, std::min(span, sizeof(first))) != 0) ++corrupted;
        if (span >= 2 * sizeof(h.tag)) {
          std::uint64_t last = 0;
          std::memcpy(&last, static_cast<std::byte*>(h.ptr) + span - sizeof(last), sizeof(last));
          if (last != h.tag) ++corrupted;
        }
        {
          std::lock_guard lock(live_mutex);
          live.erase(address(h.ptr));
        }
        if (h.reserved) {
          f.allocator.unreserve(h.ptr, h.bytes);
        } else {
          f.allocator.deallocate(h.ptr, h.bytes, h.category);
        }
      }
      if (step % 500 == 0 && seed == 1) f.allocator.empty_cache();
    }
    for (const Held& h : held) {
      {
        std::lock_guard lock(live_mutex);
        live.erase(address(h.ptr));
      }
      if (h.reserved) {
        f.allocator.unreserve(h.ptr, h.bytes);
      } else {
        f.allocator.deallocate(h.ptr, h.bytes, h.category);
      }
    }
  };
  std::atomic<bool> done{false};
  std::atomic<int> torn_stats{0};
  // Statistics are read while the others work; each snapshot must be consistent in itself.
  std::thread reader([&] {
    while (!done) {
      const CachingAllocatorStats cache = f.allocator.caching_stats();
      if (cache.inactive_split_bytes > cache.cached_free_bytes ||
          cache.largest_free_block > cache.cached_free_bytes || cache.num_segments < 0) {
        ++torn_stats;
      }
      const MemoryStats stats = f.allocator.stats();
      if (std::accumulate(stats.current.begin(), stats.current.end(), std::int64_t{0}) !=
              stats.total_current ||
          stats.total_current > stats.total_peak || stats.total_current > stats.reserved) {
        ++torn_stats;
      }
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t + 1);
  for (std::thread& t : threads) t.join();
  done = true;
  reader.join();

  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(corrupted.load(), 0);
  EXPECT_EQ(torn_stats.load(), 0);
  const MemoryStats stats = f.allocator.stats();
  EXPECT_EQ(stats.total_current, 0);
  for (std::int64_t bytes : stats.current) EXPECT_EQ(bytes, 0);
  EXPECT_GT(stats.total_peak, 0);
  expect_all_segments_whole(f);
  const std::int64_t allocs = f.allocator.caching_stats().num_device_allocs;
  EXPECT_LT(allocs, kThreads * kSteps / 100);  // the cache served almost every request
  f.allocator.empty_cache();
  EXPECT_EQ(f.allocator.caching_stats().num_segments, 0);
  EXPECT_EQ(f.source->used(), 0U);
  EXPECT_EQ(f.source->bad_frees, 0);
}

}  // namespace
}  // namespace varscope
