#include "core/caching_allocator.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "core/format_bytes.h"
#include "core/logging.h"
#include "varscope/error.h"

namespace varscope {

// A block is a piece of one segment; the blocks of a segment are linked by address and cover it
// without gaps, so the segment's first block (prev == nullptr) starts at the pointer the source
// gave and a lone free block (no prev, no next) is a wholly free segment of its size.
struct CachingAllocator::Block {
  std::byte* ptr{};
  std::size_t size{};
  /// round_size() of the request it serves, <= size: a large-pool block is not split for a
  /// remainder of 1 MiB or less. What the category counts.
  std::size_t requested{};
  bool small{};    // which pool: fixed by the segment it lives in
  bool in_use{};   // handed out; a free block is in its pool's free set
  bool counted{};  // allocate()d in `category` rather than reserve()d
  MemoryCategory category{MemoryCategory::kOther};
  Block* prev{};
  Block* next{};

  std::uintptr_t address() const { return reinterpret_cast<std::uintptr_t>(ptr); }
};

bool CachingAllocator::BySizeThenAddress::operator()(const Block* a, const Block* b) const {
  if (a->size != b->size) return a->size < b->size;
  return a->address() < b->address();
}

namespace {

// deallocate() and unreserve() are noexcept: a message that cannot be formatted is lost, not thrown.
template <class... Args>
void log_error_format(fmt::format_string<Args...> format, Args&&... args) noexcept {
  try {
    log_error(fmt::format(format, std::forward<Args>(args)...));
  } catch (...) {
  }
}

}  // namespace

CachingAllocator::CachingAllocator(std::unique_ptr<SegmentSource> source)
    : source_(std::move(source)) {
  if (!source_) throw InternalError("CachingAllocator needs a SegmentSource");
}

CachingAllocator::~CachingAllocator() {
  // Blocks still in use belong to nobody once the allocator is gone: their segments go back too.
  std::int64_t in_use = 0;
  for (const auto& [address, block] : blocks_) {
    if (block->in_use) in_use += static_cast<std::int64_t>(block->size);
    if (block->prev != nullptr) continue;
    std::size_t segment = 0;
    for (const Block* b = block.get(); b != nullptr; b = b->next) segment += b->size;
    source_->free_segment(block->ptr, segment);
  }
  if (in_use > 0) {
    try {
      log_warning(fmt::format("caching allocator for {} destroyed with {} bytes still in use",
                              source_->describe(), in_use));
    } catch (...) {
    }
  }
}

std::size_t CachingAllocator::round_size(std::size_t bytes) {
  if (bytes <= kMinBlockSize) return kMinBlockSize;
  if (bytes > std::numeric_limits<std::size_t>::max() - (kMinBlockSize - 1)) return 0;
  return (bytes + kMinBlockSize - 1) / kMinBlockSize * kMinBlockSize;
}

std::size_t CachingAllocator::segment_size(std::size_t rounded) {
  if (rounded <= kSmallSize) return kSmallBuffer;
  if (rounded < kMinLargeAlloc) return kLargeBuffer;
  if (rounded > std::numeric_limits<std::size_t>::max() - (kRoundLarge - 1)) return 0;
  return (rounded + kRoundLarge - 1) / kRoundLarge * kRoundLarge;
}

void* CachingAllocator::allocate(std::size_t bytes, MemoryCategory category,
                                 std::string_view what) {
  return take(bytes, category, /*counted=*/true, what);
}

void CachingAllocator::deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept {
  give(ptr, bytes, category);
}

void* CachingAllocator::reserve(std::size_t bytes, std::string_view what) {
  // The arena's memory ends up as activations: that is the category its failure names.
  return take(bytes, MemoryCategory::kActivation, /*counted=*/false, what);
}

void CachingAllocator::unreserve(void* ptr, std::size_t bytes) noexcept {
  give(ptr, bytes, std::nullopt);
}

void CachingAllocator::account(MemoryCategory category, std::int64_t bytes) noexcept {
  std::lock_guard lock(mutex_);
  count(category, bytes);
}

MemoryStats CachingAllocator::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void CachingAllocator::reset_peak_stats() noexcept {
  std::lock_guard lock(mutex_);
  stats_.reset_peaks();
}

CachingAllocatorStats CachingAllocator::caching_stats() const {
  std::lock_guard lock(mutex_);
  return caching_stats_locked();
}

void CachingAllocator::empty_cache() {
  std::lock_guard lock(mutex_);
  release_cached_segments();
}

void CachingAllocator::count(MemoryCategory category, std::int64_t bytes) noexcept {
  const auto c = static_cast<std::size_t>(category);
  stats_.current[c] += bytes;
  stats_.peak[c] = std::max(stats_.peak[c], stats_.current[c]);
  stats_.total_current += bytes;
  stats_.total_peak = std::max(stats_.total_peak, stats_.total_current);
}

void* CachingAllocator::take(std::size_t bytes, MemoryCategory category, bool counted,
                             std::string_view what) {
  std::lock_guard lock(mutex_);
  const std::size_t size = round_size(bytes);
  if (size == 0 || segment_size(size) == 0) throw_out_of_memory(bytes, category, what);

  FreeBlocks& pool = size <= kSmallSize ? small_free_ : large_free_;
  Block key;
  key.size = size;  // address 0: the lowest-addressed block of the smallest size that fits
  Block* block = nullptr;
  if (const auto it = pool.lower_bound(&key); it != pool.end()) {
    block = *it;
  } else {
    block = new_segment(size);
    if (block == nullptr) throw_out_of_memory(bytes, category, what);
  }
  carve(*block, size);
  block->in_use = true;
  block->requested = size;
  block->counted = counted;
  block->category = category;
  if (counted) count(category, static_cast<std::int64_t>(size));
  return block->ptr;
}

void CachingAllocator::give(void* ptr, std::size_t bytes,
                            std::optional<MemoryCategory> category) noexcept {
  if (ptr == nullptr) return;
  const char* const call = category ? "deallocate" : "unreserve";
  std::lock_guard lock(mutex_);
  const auto it = blocks_.find(reinterpret_cast<std::uintptr_t>(ptr));
  if (it == blocks_.end() || !it->second->in_use) {
    log_error_format("caching allocator for {}: {} of {} bytes at {} it did not hand out (ignored)",
              source_->describe(), call, bytes, ptr);
    return;
  }
  Block& block = *it->second;
  // Freeing a reserve()d block through deallocate() (or the reverse) would corrupt the category
  // counts: refuse it, the block stays in use.
  if (block.counted != category.has_value()) {
    log_error_format("caching allocator for {}: {} of {} bytes at {}, which was {} (ignored)",
              source_->describe(), call, bytes, ptr, block.counted ? "allocate()d" : "reserve()d");
    return;
  }
  // A wrong size or category is the caller's bug; the block's own record keeps the counts right.
  if (round_size(bytes) != block.requested || (category && *category != block.category)) {
    log_error_format(
        "caching allocator for {}: {} of {} bytes ({}) at {}, allocated as {} bytes ({}); using "
        "the allocation's",
        source_->describe(), call, bytes, category ? memory_category_name(*category) : "reserved",
        ptr, block.requested, block.counted ? memory_category_name(block.category) : "reserved");
  }
  if (block.counted) count(block.category, -static_cast<std::int64_t>(block.requested));
  release_block(block);
}

CachingAllocator::FreeBlocks& CachingAllocator::pool_of(const Block& block) {
  return block.small ? small_free_ : large_free_;
}

CachingAllocator::Block* CachingAllocator::new_segment(std::size_t size) {
  const std::size_t bytes = segment_size(size);
  void* ptr = source_->allocate_segment(bytes);
  if (ptr == nullptr) {
    // Cached segments may be what fills the device: give them back and try once more.
    ++counts_.num_alloc_retries;
    release_cached_segments();
    ptr = source_->allocate_segment(bytes);
    if (ptr == nullptr) return nullptr;
  }
  try {
    auto owned = std::make_unique<Block>();
    Block* block = owned.get();
    block->ptr = static_cast<std::byte*>(ptr);
    block->size = bytes;
    block->small = size <= kSmallSize;
    const auto [it, inserted] = blocks_.emplace(block->address(), std::move(owned));
    if (!inserted) throw InternalError("caching allocator: a new segment overlaps a block");
    try {
      pool_of(*block).insert(block);
    } catch (...) {
      blocks_.erase(it);
      throw;
    }
    ++counts_.num_device_allocs;
    ++counts_.num_segments;
    stats_.reserved += static_cast<std::int64_t>(bytes);
    return block;
  } catch (...) {
    source_->free_segment(ptr, bytes);
    throw;
  }
}

void CachingAllocator::carve(Block& block, std::size_t size) {
  FreeBlocks& pool = pool_of(block);
  const std::size_t rest = block.size - size;
  // A small remainder in the large pool is not worth a block: it stays inside this one.
  const bool split = block.small ? rest >= kMinBlockSize : rest > kSmallSize;
  if (!split) {
    pool.erase(&block);
    return;
  }
  // Everything that allocates comes first, so a bad_alloc leaves the block as it was.
  auto owned = std::make_unique<Block>();
  Block* tail = owned.get();
  tail->ptr = block.ptr + size;
  tail->size = rest;
  tail->small = block.small;
  const auto [it, inserted] = blocks_.emplace(tail->address(), std::move(owned));
  if (!inserted) throw InternalError("caching allocator: a split block overlaps another");
  try {
    pool.insert(tail);
  } catch (...) {
    blocks_.erase(it);
    throw;
  }
  pool.erase(&block);  // before its size, part of the key, changes
  block.size = size;
  tail->prev = &block;
  tail->next = block.next;
  if (block.next != nullptr) block.next->prev = tail;
  block.next = tail;
}

void CachingAllocator::release_block(Block& freed) noexcept {
  freed.in_use = false;
  freed.requested = 0;
  freed.counted = false;
  FreeBlocks& pool = pool_of(freed);
  Block* block = &freed;
  // Free neighbours leave the pool before their size changes; the merged-away block is destroyed.
  if (Block* prev = block->prev; prev != nullptr && !prev->in_use) {
    pool.erase(prev);
    prev->size += block->size;
    prev->next = block->next;
    if (block->next != nullptr) block->next->prev = prev;
    blocks_.erase(block->address());
    block = prev;
  }
  if (Block* next = block->next; next != nullptr && !next->in_use) {
    pool.erase(next);
    block->size += next->size;
    block->next = next->next;
    if (next->next != nullptr) next->next->prev = block;
    blocks_.erase(next->address());
  }
  try {
    pool.insert(block);
  } catch (...) {
    // Out of host memory: the block stays free but unfindable until a neighbour is freed.
    log_error_format("caching allocator: no memory to cache a freed block of {} bytes", block->size);
  }
}

std::size_t CachingAllocator::release_cached_segments() {
  std::vector<Block*> segments;
  for (const FreeBlocks* pool : {&small_free_, &large_free_}) {
    for (Block* block : *pool) {
      if (block->prev == nullptr && block->next == nullptr) segments.push_back(block);
    }
  }
  if (segments.empty()) return 0;
  // Work queued before the blocks were freed may still use them.
  source_->synchronize();
  for (Block* block : segments) {
    pool_of(*block).erase(block);
    source_->free_segment(block->ptr, block->size);
    stats_.reserved -= static_cast<std::int64_t>(block->size);
    --counts_.num_segments;
    ++counts_.num_device_frees;
    blocks_.erase(block->address());
  }
  return segments.size();
}

CachingAllocatorStats CachingAllocator::caching_stats_locked() const {
  CachingAllocatorStats stats = counts_;
  for (const FreeBlocks* pool : {&small_free_, &large_free_}) {
    for (const Block* block : *pool) {
      const auto size = static_cast<std::int64_t>(block->size);
      stats.cached_free_bytes += size;
      // Free neighbours are always merged, so a free block with a neighbour shares its segment
      // with blocks in use.
      if (block->prev != nullptr || block->next != nullptr) stats.inactive_split_bytes += size;
    }
    if (!pool->empty()) {
      stats.largest_free_block =
          std::max(stats.largest_free_block, static_cast<std::int64_t>((*pool->rbegin())->size));
    }
  }
  return stats;
}

void CachingAllocator::throw_out_of_memory(std::size_t bytes, MemoryCategory category,
                                           std::string_view what) {
  ++counts_.num_ooms;
  const CachingAllocatorStats cache = caching_stats_locked();
  std::string device_memory = "the device's free memory is unknown";
  if (const auto info = source_->memory_info()) {
    device_memory =
        fmt::format("{} free of {} on the device", format_bytes(static_cast<double>(info->first)),
                    format_bytes(static_cast<double>(info->second)));
  }
  const std::string requester = what.empty()
                                    ? std::string(memory_category_name(category))
                                    : fmt::format("{} '{}'", memory_category_name(category), what);
  throw OutOfMemoryError(fmt::format(
      "Out of memory on {}: tried to allocate {} ({} bytes) for {}; varscope has {} allocated, {} "
      "reserved ({} of it cached and free, largest free block {}); {}",
      source_->describe(), format_bytes(static_cast<double>(bytes)), bytes, requester,
      format_bytes(static_cast<double>(stats_.total_current)),
      format_bytes(static_cast<double>(stats_.reserved)),
      format_bytes(static_cast<double>(cache.cached_free_bytes)),
      format_bytes(static_cast<double>(cache.largest_free_block)), device_memory));
}

}  // namespace varscope
