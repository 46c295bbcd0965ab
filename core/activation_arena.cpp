#include "core/activation_arena.h"

#include <algorithm>

namespace varscope {
namespace {

constexpr std::size_t kAlignment = 64;

std::size_t aligned(std::size_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

ActivationArena::~ActivationArena() {
  if (buffer_) backing_.unreserve(buffer_, size_);
  for (const auto& [ptr, bytes] : retired_) backing_.unreserve(ptr, bytes);
}

void ActivationArena::begin_run() {
  next_ = 0;
  step_ = 0;
  diverged_ = false;
  if (!replaying_) blocks_.clear();
}

bool ActivationArena::owns(const void* ptr) const {
  const auto* p = static_cast<const std::byte*>(ptr);
  const auto within = [p](const std::byte* begin, std::size_t bytes) {
    return begin != nullptr && p >= begin && p < begin + bytes;
  };
  if (within(buffer_, size_)) return true;
  return std::any_of(retired_.begin(), retired_.end(), [&](const auto& r) { return within(r.first, r.second); });
}

void* ActivationArena::allocate(std::size_t bytes, MemoryCategory category, std::string_view what) {
  void* ptr = take(bytes, category, what);
  if (poison_ && bytes > 0) poison_(ptr, bytes);
  return ptr;
}

void* ActivationArena::take(std::size_t bytes, MemoryCategory category, std::string_view what) {
  if (!replaying_) {
    void* ptr = backing_.allocate(bytes, category, what);
    Block& b = blocks_.emplace_back();
    b.bytes = bytes;
    b.category = category;
    b.first_step = step_;
    b.recorded_ptr = ptr;
    live_blocks_.push_back(static_cast<int>(blocks_.size() - 1));
    return ptr;
  }
  const std::size_t k = next_++;
  if (k < blocks_.size()) {
    Block& b = blocks_[k];
    const bool free_bytes = std::none_of(b.shares_bytes.begin(), b.shares_bytes.end(),
                                         [&](int other) { return blocks_[static_cast<std::size_t>(other)].live; });
    if (b.in_arena && b.bytes == bytes && b.category == category && free_bytes) {
      b.live = true;
      live_blocks_.push_back(static_cast<int>(k));
      backing_.account(category, static_cast<std::int64_t>(bytes));
      return buffer_ + b.offset;
    }
    // An escaped block is served by the backing allocator as recorded; anything else is a divergence.
    if (!(b.bytes == bytes && !b.in_arena)) diverged_ = true;
  } else {
    diverged_ = true;
  }
  return backing_.allocate(bytes, category, what);
}

void ActivationArena::deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept {
  if (owns(ptr)) {
    for (auto it = live_blocks_.begin(); replaying_ && it != live_blocks_.end(); ++it) {
      Block& b = blocks_[static_cast<std::size_t>(*it)];
      if (buffer_ + b.offset == ptr) {
        b.live = false;
        live_blocks_.erase(it);
        break;
      }
    }
    backing_.account(category, -static_cast<std::int64_t>(bytes));
    return;
  }
  if (!replaying_) {
    for (auto it = live_blocks_.begin(); it != live_blocks_.end(); ++it) {
      Block& b = blocks_[static_cast<std::size_t>(*it)];
      if (b.recorded_ptr == ptr) {
        b.last_step = step_;
        live_blocks_.erase(it);
        break;
      }
    }
    backing_.deallocate(ptr, bytes, category);
    return;
  }
  backing_.deallocate(ptr, bytes, category);
}

void ActivationArena::end_run() {
  if (!replaying_) {
    // Blocks still alive (held past the run) keep kNever and stay off the arena.
    for (int k : live_blocks_) blocks_[static_cast<std::size_t>(k)].recorded_ptr = nullptr;
    live_blocks_.clear();
    plan();
    replaying_ = true;
    return;
  }
  // A tensor of the planned buffer outliving the run, or an allocation that did not follow the
  // recording: record the next run afresh.
  if (diverged_ || !live_blocks_.empty() || next_ != blocks_.size()) {
    if (!live_blocks_.empty() && buffer_ != nullptr) {
      // Tensors still point into the buffer: keep it until the arena goes, plan into a new one.
      retired_.emplace_back(buffer_, size_);
      buffer_ = nullptr;
      size_ = 0;
    }
    for (int k : live_blocks_) blocks_[static_cast<std::size_t>(k)].live = false;
    live_blocks_.clear();
    replaying_ = false;
  }
}

void ActivationArena::plan() {
  std::vector<int> order;
  for (std::size_t k = 0; k < blocks_.size(); ++k) {
    Block& b = blocks_[k];
    b.recorded_ptr = nullptr;
    b.shares_bytes.clear();
    b.in_arena = b.last_step != kNever;
    if (b.in_arena) order.push_back(static_cast<int>(k));
  }
  // Greedy by size (largest first), each block at the lowest offset free over its lifetime.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return blocks_[static_cast<std::size_t>(a)].bytes > blocks_[static_cast<std::size_t>(b)].bytes;
  });
  std::vector<int> placed;
  std::size_t total = 0;
  for (int k : order) {
    Block& b = blocks_[static_cast<std::size_t>(k)];
    std::vector<std::pair<std::size_t, std::size_t>> busy;  // [begin, end) of time-overlapping blocks
    for (int p : placed) {
      const Block& o = blocks_[static_cast<std::size_t>(p)];
      if (o.first_step <= b.last_step && b.first_step <= o.last_step) busy.emplace_back(o.offset, o.offset + aligned(o.bytes));
    }
    std::sort(busy.begin(), busy.end());
    std::size_t offset = 0;
    for (const auto& [begin, end] : busy) {
      if (begin >= offset + aligned(b.bytes)) break;
      offset = std::max(offset, end);
    }
    b.offset = offset;
    total = std::max(total, offset + aligned(b.bytes));
    placed.push_back(k);
  }
  for (std::size_t i = 0; i < placed.size(); ++i) {
    for (std::size_t j = i + 1; j < placed.size(); ++j) {
      Block& a = blocks_[static_cast<std::size_t>(placed[i])];
      Block& c = blocks_[static_cast<std::size_t>(placed[j])];
      if (a.offset < c.offset + aligned(c.bytes) && c.offset < a.offset + aligned(a.bytes)) {
        a.shares_bytes.push_back(placed[j]);
        c.shares_bytes.push_back(placed[i]);
      }
    }
  }
  if (total != size_) {
    if (buffer_) backing_.unreserve(buffer_, size_);
    buffer_ = nullptr;
    size_ = 0;
    if (total > 0) {
      buffer_ = static_cast<std::byte*>(backing_.reserve(total, "activation arena"));
      size_ = total;
    }
  }
}

}  // namespace varscope
