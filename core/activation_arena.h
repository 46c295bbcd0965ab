// ActivationArena: the memory of one plan's activations, gradients and workspaces, planned by
// liveness so that a step allocates nothing from the system once the plan has run once.
//
// The first run records every allocation the kernels make (size, category, the step it was made
// and the step its last user released it) while serving it from the backing allocator. Then the
// blocks are packed into one buffer, greedily by size: two blocks share bytes only when their
// lifetimes do not overlap. Later runs hand out block k of the recording as the k-th allocation.
// A run that allocates differently (another size, a block still in use) falls back to the backing
// allocator for that allocation and the arena records afresh on the next run, so a wrong plan can
// cost speed, never correctness.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "core/backend.h"

namespace varscope {

class ActivationArena final : public Allocator {
 public:
  explicit ActivationArena(Allocator& backing) : backing_(backing) {}
  ~ActivationArena() override;
  ActivationArena(const ActivationArena&) = delete;
  ActivationArena& operator=(const ActivationArena&) = delete;

  /// Brackets one run; `step` is the index of the kernel about to run.
  void begin_run();
  void set_step(int step) { step_ = step; }
  /// After every run tensor has been released (fetches copied out): plans the next runs.
  void end_run();

  /// True when `ptr` lies in the arena's buffer (a tensor that must be copied out to survive the run).
  bool owns(const void* ptr) const;
  /// The planned buffer size (0 before the first plan).
  std::size_t size() const { return size_; }
  /// True when the arena has a plan and no allocation of the last run (or, during a run, of this one
  /// so far) missed it: the first run records and plans, later runs are served from the buffer.
  bool last_run_planned() const { return replaying_ && !diverged_; }
  /// Overwrites every block handed out from now on (tests: a kernel that leaves output elements
  /// unwritten then shows garbage instead of a previous run's correct values).
  void set_poison(std::function<void(void*, std::size_t)> poison) { poison_ = std::move(poison); }

  void* allocate(std::size_t bytes, MemoryCategory category, std::string_view what = {}) override;
  void deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept override;
  MemoryStats stats() const override { return backing_.stats(); }
  void reset_peak_stats() noexcept override { backing_.reset_peak_stats(); }
  void* reserve(std::size_t bytes, std::string_view what = {}) override { return backing_.reserve(bytes, what); }
  void unreserve(void* ptr, std::size_t bytes) noexcept override { backing_.unreserve(ptr, bytes); }
  void account(MemoryCategory category, std::int64_t bytes) noexcept override { backing_.account(category, bytes); }

 private:
  static constexpr int kNever = 1 << 30;  // a block still in use when the run ended

  struct Block {
    std::size_t bytes = 0;
    MemoryCategory category = MemoryCategory::kActivation;
    int first_step = 0;
    int last_step = kNever;
    std::size_t offset = 0;
    bool in_arena = false;          // escaped blocks (alive after the run) stay on the backing allocator
    std::vector<int> shares_bytes{};  // blocks placed over some of the same bytes
    void* recorded_ptr = nullptr;
    bool live = false;
  };

  void plan();
  void* take(std::size_t bytes, MemoryCategory category, std::string_view what);

  Allocator& backing_;
  std::vector<Block> blocks_;
  std::byte* buffer_ = nullptr;
  std::size_t size_ = 0;
  bool replaying_ = false;
  bool diverged_ = false;
  std::size_t next_ = 0;
  int step_ = 0;
  std::vector<int> live_blocks_;
  std::vector<std::pair<std::byte*, std::size_t>> retired_;
  std::function<void(void*, std::size_t)> poison_;
};

}  // namespace varscope
