// CachingAllocator: a device allocator that keeps freed memory for reuse instead of returning it to
// the device, in the manner of PyTorch's CUDA caching allocator (ecosystem.md section 4.1).
//
// Memory comes from a SegmentSource in segments (cudaMalloc on a GPU, malloc in tests) and is
// handed out in blocks:
//   * every request is rounded up to a multiple of 512 bytes (at least 512);
//   * requests up to 1 MiB use the small pool, carved from 2 MiB segments; larger ones use the
//     large pool: 1-10 MiB requests get a 20 MiB segment, 10 MiB and more the size rounded up to
//     2 MiB;
//   * a request takes the smallest free block of its pool that fits (ties: the lowest address),
//     split when the rest is worth keeping (small pool: >= 512 bytes; large pool: > 1 MiB);
//   * a freed block merges with free neighbours of its segment; segments are kept (cached) until
//     empty_cache() or an out-of-memory retry returns the wholly free ones.
// Memory grows on demand: nothing is taken before the first request.
//
// Blocks are reused as soon as they are freed, without waiting for the device: this is safe while
// all device work runs on one stream in order (the CUDA backend's case).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "core/backend.h"
#include "varscope/memory.h"

namespace varscope {

/// Where a caching allocator gets its memory from: cudaMalloc on a GPU, malloc in tests.
class SegmentSource {
 public:
  virtual ~SegmentSource() = default;
  /// `bytes` of device memory, or nullptr when the device is out of memory (other failures throw).
  virtual void* allocate_segment(std::size_t bytes) = 0;
  virtual void free_segment(void* ptr, std::size_t bytes) noexcept = 0;
  /// Waits for all queued work on the device (before cached memory is handed back).
  virtual void synchronize() = 0;
  /// Free and total bytes of the device, when known.
  virtual std::optional<std::pair<std::size_t, std::size_t>> memory_info() const = 0;
  /// "/device:GPU:0 (NVIDIA H100 80GB HBM3)" for messages.
  virtual std::string describe() const = 0;
};

/// What a CachingAllocator holds and how it got there, beyond MemoryStats.
struct CachingAllocatorStats {
  /// Segments held from the source now.
  std::int64_t num_segments{};
  /// Successful allocate_segment() and free_segment() calls so far.
  std::int64_t num_device_allocs{};
  std::int64_t num_device_frees{};
  /// Segment allocations that failed, released the cache and tried again.
  std::int64_t num_alloc_retries{};
  /// Requests that failed with OutOfMemoryError.
  std::int64_t num_ooms{};
  /// Free bytes inside segments that also hold blocks in use (fragmentation).
  std::int64_t inactive_split_bytes{};
  /// All free bytes held in segments (inactive_split_bytes plus wholly free segments).
  std::int64_t cached_free_bytes{};
  /// The largest free block of either pool (0 when none).
  std::int64_t largest_free_block{};
};

/// Allocator over a SegmentSource. Categories count round_size() of each request (an unsplit
/// large block may be bigger); `reserved` is the bytes held in segments. Thread-safe.
class CachingAllocator final : public Allocator {
 public:
  /// Every size is a multiple of this.
  static constexpr std::size_t kMinBlockSize = 512;
  /// Requests up to this size use the small pool.
  static constexpr std::size_t kSmallSize = std::size_t{1} << 20;
  /// Segment size of the small pool.
  static constexpr std::size_t kSmallBuffer = std::size_t{2} << 20;
  /// Large requests below this get a kLargeBuffer segment.
  static constexpr std::size_t kMinLargeAlloc = std::size_t{10} << 20;
  static constexpr std::size_t kLargeBuffer = std::size_t{20} << 20;
  /// Larger requests get a segment of their size rounded up to a multiple of this.
  static constexpr std::size_t kRoundLarge = std::size_t{2} << 20;

  explicit CachingAllocator(std::unique_ptr<SegmentSource> source);
  /// Returns every segment to the source, including any still in use.
  ~CachingAllocator() override;
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  /// Throws OutOfMemoryError naming the device, the request, `what`, varscope's allocated and
  /// reserved bytes and the device's free bytes, after releasing the cache and retrying once.
  void* allocate(std::size_t bytes, MemoryCategory category, std::string_view what = {}) override;
  /// An unknown pointer is logged and ignored.
  void deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept override;
  MemoryStats stats() const override;
  void reset_peak_stats() noexcept override;
  void* reserve(std::size_t bytes, std::string_view what = {}) override;
  void unreserve(void* ptr, std::size_t bytes) noexcept override;
  void account(MemoryCategory category, std::int64_t bytes) noexcept override;

  CachingAllocatorStats caching_stats() const;
  /// Returns the wholly free segments to the source (synchronizing the device first).
  void empty_cache();

  /// `bytes` rounded up to a multiple of kMinBlockSize, at least kMinBlockSize; 0 on overflow.
  static std::size_t round_size(std::size_t bytes);
  /// The segment a request of `rounded` bytes gets when no cached block fits; 0 on overflow.
  static std::size_t segment_size(std::size_t rounded);

 private:
  struct Block;
  struct BySizeThenAddress {
    bool operator()(const Block* a, const Block* b) const;
  };
  using FreeBlocks = std::set<Block*, BySizeThenAddress>;

  /// A block of at least `bytes`; `counted` puts it in `category`, else only in `reserved`.
  void* take(std::size_t bytes, MemoryCategory category, bool counted, std::string_view what);
  /// Frees the block at `ptr` taken by take(counted); logs and ignores anything else.
  void give(void* ptr, std::size_t bytes, std::optional<MemoryCategory> category) noexcept;

  FreeBlocks& pool_of(const Block& block);
  /// A new segment for `size` rounded bytes, as one free block in its pool; nullptr when the
  /// source has no memory even after the cache is released.
  Block* new_segment(std::size_t size);
  /// Takes the free `block` out of its pool, cut down to `size` when the rest is worth keeping
  /// (the rest stays in the pool).
  void carve(Block& block, std::size_t size);
  /// Merges the freed `block` with free neighbours and puts the result in its pool.
  void release_block(Block& block) noexcept;
  /// Returns wholly free segments to the source; the number returned.
  std::size_t release_cached_segments();
  [[noreturn]] void throw_out_of_memory(std::size_t bytes, MemoryCategory category,
                                        std::string_view what);
  CachingAllocatorStats caching_stats_locked() const;
  /// stats_ for `bytes` more (negative: fewer) in use for `category`.
  void count(MemoryCategory category, std::int64_t bytes) noexcept;

  mutable std::mutex mutex_;
  std::unique_ptr<SegmentSource> source_;
  /// Every block of every segment by address; owns them.
  std::map<std::uintptr_t, std::unique_ptr<Block>> blocks_;
  FreeBlocks small_free_;
  FreeBlocks large_free_;
  MemoryStats stats_{};
  CachingAllocatorStats counts_{};
};

}  // namespace varscope
