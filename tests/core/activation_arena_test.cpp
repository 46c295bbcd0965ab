// The activation arena: a recorded run is packed by liveness, later runs allocate nothing from the
// backing allocator, and any run that departs from the recording stays correct.
#include "core/activation_arena.h"
#include "core/memory_counter.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "fake_gpu.h"
#include "varscope/error.h"
#include "varscope/gradients.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

// Heap memory that counts calls, so a test can see that a planned run takes nothing from it.
class CountingAllocator final : public Allocator {
 public:
  void* allocate(std::size_t bytes, MemoryCategory category, std::string_view) override {
    ++allocations;
    counter.use(category, static_cast<std::int64_t>(bytes));
    return ::operator new(bytes == 0 ? 1 : bytes, std::align_val_t{64});
  }
  void deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept override {
    counter.use(category, -static_cast<std::int64_t>(bytes));
    ::operator delete(ptr, std::align_val_t{64});
  }
  MemoryStats stats() const override { return counter.snapshot(); }
  void reset_peak_stats() noexcept override { counter.reset_peaks(); }
  void* reserve(std::size_t bytes, std::string_view) override {
    ++reservations;
    counter.reserve(static_cast<std::int64_t>(bytes));
    return ::operator new(bytes, std::align_val_t{64});
  }
  void unreserve(void* ptr, std::size_t bytes) noexcept override {
    counter.reserve(-static_cast<std::int64_t>(bytes));
    ::operator delete(ptr, std::align_val_t{64});
  }
  void account(MemoryCategory category, std::int64_t bytes) noexcept override { counter.use(category, bytes); }

  int allocations = 0;
  int reservations = 0;
  MemoryCounter counter;
};

// One "run": a chain a -> b -> c where a dies before c is made, plus a workspace inside step 1.
struct Chain {
  std::vector<void*> run(ActivationArena& arena, std::size_t c_bytes = 1000) {
    arena.begin_run();
    arena.set_step(0);
    void* a = arena.allocate(1000, MemoryCategory::kActivation);
    arena.set_step(1);
    void* b = arena.allocate(2000, MemoryCategory::kActivation);
    void* w = arena.allocate(500, MemoryCategory::kWorkspace);
    arena.deallocate(w, 500, MemoryCategory::kWorkspace);
    arena.deallocate(a, 1000, MemoryCategory::kActivation);
    arena.set_step(2);
    void* c = arena.allocate(c_bytes, MemoryCategory::kGradient);
    std::memset(c, 7, c_bytes);
    arena.deallocate(b, 2000, MemoryCategory::kActivation);
    arena.set_step(3);
    arena.deallocate(c, c_bytes, MemoryCategory::kGradient);
    arena.end_run();
    return {a, b, w, c};
  }
};

TEST(ActivationArena, PlannedRunsTakeNothingFromTheBackingAllocator) {
  CountingAllocator heap;
  ActivationArena arena(heap);
  Chain chain;
  chain.run(arena);
  EXPECT_EQ(heap.allocations, 4);  // the recording run is served by the heap
  ASSERT_GT(arena.size(), 0u);
  // a (steps 0-1) and c (steps 2-3) never live together: c reuses a's bytes. b and w overlap a.
  EXPECT_EQ(arena.size(), 1024u + 2048u + 512u);

  const int before = heap.allocations;
  for (int i = 0; i < 5; ++i) {
    std::vector<void*> p = chain.run(arena);
    EXPECT_TRUE(arena.last_run_planned());
    for (void* ptr : p) EXPECT_TRUE(arena.owns(ptr));
    EXPECT_EQ(p[0], p[3]) << "c should take a's bytes";
  }
  EXPECT_EQ(heap.allocations, before);
  EXPECT_EQ(heap.reservations, 1);
  const MemoryStats s = heap.stats();
  EXPECT_EQ(s.current_bytes(MemoryCategory::kActivation), 0);
  EXPECT_EQ(s.peak_bytes(MemoryCategory::kActivation), 3000);
  EXPECT_EQ(s.peak_bytes(MemoryCategory::kWorkspace), 500);
  EXPECT_EQ(s.peak_bytes(MemoryCategory::kGradient), 1000);
}

TEST(ActivationArena, ADifferentRunFallsBackAndIsRecordedAgain) {
  CountingAllocator heap;
  ActivationArena arena(heap);
  Chain chain;
  chain.run(arena);
  chain.run(arena);
  EXPECT_TRUE(arena.last_run_planned());
  const int before = heap.allocations;
  std::vector<void*> p = chain.run(arena, 3000);  // c grew: served by the heap, nothing overwritten
  EXPECT_FALSE(arena.last_run_planned());
  EXPECT_FALSE(arena.owns(p[3]));
  EXPECT_EQ(heap.allocations, before + 1);
  chain.run(arena, 3000);  // recorded afresh
  chain.run(arena, 3000);
  EXPECT_TRUE(arena.last_run_planned());
  EXPECT_EQ(heap.stats().current_bytes(MemoryCategory::kGradient), 0);
}

TEST(ActivationArena, ABlockStillInUseIsNeverHandedOutTwice) {
  CountingAllocator heap;
  ActivationArena arena(heap);
  Chain chain;
  chain.run(arena);
  // Same sizes, but a is kept alive into step 2, where the plan put c over it.
  arena.begin_run();
  arena.set_step(0);
  void* a = arena.allocate(1000, MemoryCategory::kActivation);
  arena.set_step(1);
  void* b = arena.allocate(2000, MemoryCategory::kActivation);
  void* w = arena.allocate(500, MemoryCategory::kWorkspace);
  arena.deallocate(w, 500, MemoryCategory::kWorkspace);
  arena.set_step(2);
  void* c = arena.allocate(1000, MemoryCategory::kGradient);
  EXPECT_NE(c, a);
  EXPECT_FALSE(arena.owns(c));
  arena.deallocate(a, 1000, MemoryCategory::kActivation);
  arena.deallocate(b, 2000, MemoryCategory::kActivation);
  arena.deallocate(c, 1000, MemoryCategory::kGradient);
  arena.end_run();
  EXPECT_FALSE(arena.last_run_planned());
}

TEST(SessionMemory, StepsReuseOnePlannedArenaAndReportCategories) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, Shape{-1, 256}, "x");
  Variable w = get_variable("w", {256}, {.initializer = ones()});
  Output h = multiply(x, w);
  Output y = square(add(h, h));
  Output loss = reduce_sum(y);
  Session sess{g};
  sess.run_targets({global_variables_initializer()});
  const Tensor feed = Tensor::filled(DType::kFloat32, Shape{64, 256}, 0.5);

  const MemoryStats before = sess.memory_stats();
  const std::int64_t variable_bytes = before.current_bytes(MemoryCategory::kVariable);
  EXPECT_EQ(variable_bytes, 256 * 4);
  std::vector<float> losses;
  for (int i = 0; i < 4; ++i) losses.push_back(sess.run(loss, {{x, feed}}).item<float>());
  for (float l : losses) EXPECT_FLOAT_EQ(l, 64 * 256 * 1.0f);  // (0.5 + 0.5)^2 per element
  const MemoryStats after_warm = sess.memory_stats();
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(sess.run(loss, {{x, feed}}).item<float>(), 64 * 256 * 1.0f);
  const MemoryStats steady = sess.memory_stats();
  // Nothing more is reserved once the plan's arena exists; activations are all returned.
  EXPECT_EQ(steady.reserved, after_warm.reserved);
  EXPECT_EQ(steady.current_bytes(MemoryCategory::kActivation), 0);
  EXPECT_GE(steady.peak_bytes(MemoryCategory::kActivation), 2 * 64 * 256 * 4);
  EXPECT_EQ(steady.current_bytes(MemoryCategory::kVariable), variable_bytes);

  // A smaller batch plans its own arena and gives the right answer.
  const Tensor small = Tensor::filled(DType::kFloat32, Shape{3, 256}, 0.5);
  for (int i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(sess.run(loss, {{x, small}}).item<float>(), 3 * 256 * 1.0f);
  for (int i = 0; i < 2; ++i) EXPECT_FLOAT_EQ(sess.run(loss, {{x, feed}}).item<float>(), 64 * 256 * 1.0f);
}

TEST(SessionMemory, FetchedActivationsSurviveTheNextRun) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, Shape{4}, "x");
  Output y = square(x);
  Session sess{g};
  std::vector<Tensor> kept;
  for (int i = 1; i <= 4; ++i) kept.push_back(sess.run(y, {{x, Tensor::filled(DType::kFloat32, Shape{4}, i)}}));
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(kept[static_cast<std::size_t>(i - 1)].to_vector<float>(), std::vector<float>(4, static_cast<float>(i * i)));
}

// reset_peak_memory_stats: peaks restart from the current bytes, so a step's own peak shows (on a
// stand-in GPU, whose allocator no other test shares).
TEST(SessionMemory, ResetPeaksMeasuresOneStep) {
  Graph g;
  DefaultGraph use{g};
  Output x = placeholder(DType::kFloat32, Shape{-1, 256}, "x");
  Output loss = reduce_sum(square(add(x, x)));
  Session sess{g, {.device = "/gpu:0"}, testing::cpu_and_fake_gpu()};
  constexpr auto kActivation = MemoryCategory::kActivation;
  EXPECT_FLOAT_EQ(sess.run(loss, {{x, Tensor::filled(DType::kFloat32, Shape{64, 256}, 0.5)}}).item<float>(),
                  64 * 256);
  const std::int64_t big_peak = sess.memory_stats("/gpu:0").peak_bytes(kActivation);
  EXPECT_GE(big_peak, 64 * 256 * 4);

  sess.reset_peak_memory_stats("/gpu:0");
  const MemoryStats reset = sess.memory_stats("/gpu:0");
  EXPECT_EQ(reset.peak_bytes(kActivation), reset.current_bytes(kActivation));
  EXPECT_EQ(reset.total_peak, reset.total_current);

  EXPECT_FLOAT_EQ(sess.run(loss, {{x, Tensor::filled(DType::kFloat32, Shape{4, 256}, 0.5)}}).item<float>(),
                  4 * 256);
  const std::int64_t small_peak = sess.memory_stats("/gpu:0").peak_bytes(kActivation);
  EXPECT_GE(small_peak, 4 * 256 * 4);
  EXPECT_LT(small_peak, big_peak);
  EXPECT_THROW(sess.reset_peak_memory_stats("/gpu:3"), NotFoundError);
}

}  // namespace
}  // namespace varscope
