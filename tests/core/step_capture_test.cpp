// Capturing a run and replaying it (SessionOptions::capture_cuda_graphs), on a stand-in GPU whose
// kernels queue their work as closures: run at once, or recorded while the backend captures, as a
// CUDA stream records kernels. So the session's part (when to capture, feeds refreshed before each
// replay, fetches read back, stale captures dropped, failed captures undone) is tested in every CI
// run; tests/cuda/cuda_capture_test.cpp checks real CUDA graphs on a GPU.
#include "core/step_capture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/common_kernels.h"
#include "core/device_set.h"
#include "core/kernel.h"
#include "varscope/graph.h"
#include "varscope/initializers.h"
#include "varscope/ops.h"
#include "varscope/session.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RecordedWork final : public CapturedWork {
 public:
  struct Refresh {
    std::shared_ptr<std::vector<std::byte>> buffer;
    std::function<void(void*)> fill;
  };
  RecordedWork(std::vector<std::function<void()>> work, std::vector<Refresh> refreshes)
      : work_(std::move(work)), refreshes_(std::move(refreshes)) {}
  void launch() override {
    for (auto& w : work_) w();
  }
  void replay() override {
    for (Refresh& r : refreshes_) r.fill(r.buffer->data());
    launch();
  }
  std::int64_t operations() const override { return static_cast<std::int64_t>(work_.size()); }

 private:
  std::vector<std::function<void()>> work_;
  std::vector<Refresh> refreshes_;
};

// A GPU stand-in in host memory whose device work is queued through enqueue().
class DeferredGpu final : public Backend {
 public:
  DeviceType device_type() const override { return DeviceType::kGPU; }
  std::string name() const override { return "deferred stand-in GPU"; }
  Allocator& allocator() override { return host_->allocator(); }
  void synchronize() override { refuse_while_capturing("synchronize"); }
  void copy_to_host(void* dst, const void* src, std::size_t bytes) override {
    refuse_while_capturing("copy_to_host");
    if (bytes > 0) std::memcpy(dst, src, bytes);
  }
  void copy_from_host(void* dst, const void* src, std::size_t bytes) override {
    auto snapshot = std::make_shared<std::vector<std::byte>>(
        static_cast<const std::byte*>(src), static_cast<const std::byte*>(src) + bytes);
    enqueue([dst, snapshot] { std::memcpy(dst, snapshot->data(), snapshot->size()); });
  }
  void copy_on_device(void* dst, const void* src, std::size_t bytes) override {
    enqueue([=] { std::memmove(dst, src, bytes); });
  }
  void fill_bytes(void* dst, unsigned char value, std::size_t bytes) override {
    enqueue([=] { std::memset(dst, value, bytes); });
  }
  void register_kernels(KernelRegistry&) override {}
  void upload_each_run(void* dst, std::size_t bytes, std::function<void(void*)> fill) override {
    if (!recording_) {
      fill(dst);
      return;
    }
    auto buffer = std::make_shared<std::vector<std::byte>>(bytes);
    fill(buffer->data());
    refreshes_.push_back({buffer, std::move(fill)});
    enqueue([dst, buffer] { std::memcpy(dst, buffer->data(), buffer->size()); });
  }
  bool supports_capture() const override { return true; }
  void begin_capture() override {
    ASSERT_FALSE(recording_);
    recording_ = true;
    failure_.clear();
  }
  std::unique_ptr<CapturedWork> end_capture(std::string& why) override {
    recording_ = false;
    auto work = std::exchange(work_, {});
    auto refreshes = std::exchange(refreshes_, {});
    if (!failure_.empty()) {
      why = failure_;
      return nullptr;
    }
    return std::make_unique<RecordedWork>(std::move(work), std::move(refreshes));
  }

  void enqueue(std::function<void()> work) {
    if (recording_) {
      work_.push_back(std::move(work));
    } else {
      work();
    }
  }

 private:
  void refuse_while_capturing(const std::string& call) {
    if (!recording_) return;
    failure_ = call + " while capturing";
    throw InternalError(failure_);
  }

  std::unique_ptr<Backend> host_ = make_cpu_backend();
  bool recording_ = false;
  std::string failure_;
  std::vector<std::function<void()>> work_;
  std::vector<RecordedWork::Refresh> refreshes_;
};

DeferredGpu& gpu_of(KernelContext& ctx) { return static_cast<DeferredGpu&>(ctx.backend()); }

// Element-wise float kernels; y may be a scalar.
template <class Op>
void binary_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& y = ctx.input(1);
  Tensor& out = ctx.allocate_output(0, x.shape());
  const float* a = static_cast<const float*>(x.raw_data());
  const float* b = static_cast<const float*>(y.raw_data());
  float* c = static_cast<float*>(out.raw_data());
  const std::int64_t n = x.num_elements();
  const bool scalar = y.num_elements() == 1;
  gpu_of(ctx).enqueue([=] {
    for (std::int64_t i = 0; i < n; ++i) c[i] = Op{}(a[i], b[scalar ? 0 : i]);
  });
}

// Updates the variable's buffer in place, as the real AssignAdd does.
void assign_add_kernel(KernelContext& ctx) {
  Tensor variable = ctx.input(0);
  const Tensor& delta = ctx.input(1);
  float* v = static_cast<float*>(variable.raw_data());
  const float* d = static_cast<const float*>(delta.raw_data());
  const std::int64_t n = variable.num_elements();
  gpu_of(ctx).enqueue([=] {
    for (std::int64_t i = 0; i < n; ++i) v[i] += d[i];
  });
  ctx.set_output(0, variable);
}

// A sum that needs the values on the host now: such a kernel cannot be captured.
void host_reading_sum_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  std::vector<float> host(static_cast<std::size_t>(x.num_elements()));
  ctx.backend().copy_to_host(host.data(), x.raw_data(), x.nbytes());
  float total = 0;
  for (float v : host) total += v;
  Tensor& out = ctx.allocate_output(0, Shape{});
  ctx.backend().copy_from_host(out.raw_data(), &total, sizeof total);
}

// Negation with a scratch buffer that is larger on the second call only: that run misses the
// activation arena's plan.
int neg_calls = 0;
void growing_scratch_neg_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor temp = ctx.allocate_temp(DType::kFloat32, Shape{++neg_calls == 2 ? 1000 : 1});
  Tensor& out = ctx.allocate_output(0, x.shape());
  const float* a = static_cast<const float*>(x.raw_data());
  float* c = static_cast<float*>(out.raw_data());
  const std::int64_t n = x.num_elements();
  gpu_of(ctx).enqueue([=] {
    for (std::int64_t i = 0; i < n; ++i) c[i] = -a[i];
  });
}

struct DeferredDevices {
  DeferredGpu gpu;
  std::shared_ptr<const DeviceSet> devices;
};

std::shared_ptr<const DeviceSet> cpu_and_deferred_gpu() {
  auto registry = std::make_shared<KernelRegistry>();
  cpu_backend().register_kernels(*registry);
  register_common_kernels(*registry, DeviceType::kGPU);
  registry->add("Add", DeviceType::kGPU, DType::kFloat32, binary_kernel<std::plus<float>>);
  registry->add("Mul", DeviceType::kGPU, DType::kFloat32, binary_kernel<std::multiplies<float>>);
  registry->add("AssignAdd", DeviceType::kGPU, DType::kFloat32, assign_add_kernel);
  registry->add("Sum", DeviceType::kGPU, DType::kFloat32, host_reading_sum_kernel, {.inputs = {1}});
  registry->add("Neg", DeviceType::kGPU, DType::kFloat32, growing_scratch_neg_kernel);
  auto owner = std::make_shared<DeferredDevices>();
  owner->devices = std::make_shared<const DeviceSet>(
      std::vector<Backend*>{&cpu_backend(), &owner->gpu}, registry);
  return std::shared_ptr<const DeviceSet>(owner, owner->devices.get());
}

Tensor vec(std::vector<float> values) { return Tensor::from_vector(values); }

std::vector<float> values_of(const Tensor& t) {
  const float* p = t.data<float>();
  return {p, p + t.num_elements()};
}

// After one eager run that dropped the first capture: the next run captures again, the one after
// replays, both with the right values.
void expect_captured_again(Session& sess, const Output& y, const FeedDict& feeds,
                           const std::vector<float>& expected) {
  for (int run = 0; run < 2; ++run)
    EXPECT_EQ(values_of(sess.run(y, feeds)), expected) << "run " << run;
  EXPECT_EQ(sess.capture_stats().captures, 2);
  EXPECT_EQ(sess.capture_stats().replays, 2);
}

class StepCaptureTest : public ::testing::Test {
 protected:
  Session make_session() {
    return Session(graph_, {.device = "/gpu:0", .capture_cuda_graphs = true},
                   cpu_and_deferred_gpu());
  }
  // Initializes, then runs y until it has been captured and replayed once.
  static void warm_up(Session& sess, const Output& y, const FeedDict& feeds) {
    sess.run_targets({global_variables_initializer()});
    for (int run = 0; run < 3; ++run) sess.run(y, feeds);
    ASSERT_EQ(sess.capture_stats().replays, 1);
  }

  Graph graph_;
  DefaultGraph use_{graph_};
  Output x_ = placeholder(DType::kFloat32, Shape{4}, "x");
  Variable w_ = get_variable("w", Shape{4}, {.initializer = constant_initializer(2.0)});
};

TEST_F(StepCaptureTest, ReplaysWarmRunsWithEachRunsFeeds) {
  const Output y = add(multiply(x_, w_.value()), constant(1.0, DType::kFloat32), "y");
  Session sess = make_session();
  sess.run_targets({global_variables_initializer()});
  EXPECT_EQ(sess.why_not_captured({y}, {x_}), "");
  for (int run = 0; run < 6; ++run) {
    const float f = static_cast<float>(run);
    const Tensor out = sess.run(y, {{x_, vec({f, f + 1, -f, 0.5f})}});
    EXPECT_THAT(values_of(out), ElementsAre(2 * f + 1, 2 * (f + 1) + 1, -2 * f + 1, 2.0f))
        << "run " << run;
  }
  // Run 1 records the arena, run 2 is served from it and captured, runs 3 to 6 replay.
  const CaptureStats stats = sess.capture_stats();
  EXPECT_EQ(stats.captures, 1);
  EXPECT_EQ(stats.replays, 4);
  EXPECT_EQ(stats.failures, 0);
  EXPECT_EQ(stats.last_capture_operations,
            3);  // the feed's upload, Mul, Add (the Const is made once)
}

TEST_F(StepCaptureTest, ReplayedUpdatesChangeTheVariableInPlace) {
  Node* train = assign_add(w_, x_).node;
  const Output doubled = multiply(w_.value(), constant(2.0, DType::kFloat32), "doubled");
  Session sess = make_session();
  sess.run_targets({global_variables_initializer()});
  float expected = 2;
  for (int run = 1; run <= 5; ++run) {
    const auto f = static_cast<float>(run);
    expected += f;
    sess.run({}, {{x_, vec({f, f, f, f})}}, {train});
    EXPECT_THAT(values_of(sess.variable_value(w_)),
                ElementsAre(expected, expected, expected, expected))
        << "run " << run;
    // Another plan reads the variable between the replays of the first.
    EXPECT_EQ(values_of(sess.run(doubled))[0], 2 * expected);
  }
  EXPECT_EQ(sess.capture_stats().replays, 2 * 3);  // runs 3 to 5 of both plans
}

TEST_F(StepCaptureTest, AVariableGivenANewBufferMakesTheCaptureStale) {
  const Output y = multiply(x_, w_.value(), "y");
  Session sess = make_session();
  const FeedDict feeds{{x_, vec({1, 2, 3, 4})}};
  warm_up(sess, y, feeds);

  sess.assign_variable(w_, vec({10, 10, 10, 10}));  // a new buffer: the capture reads the old one
  EXPECT_THAT(values_of(sess.run(y, feeds)), ElementsAre(10, 20, 30, 40));  // eager
  EXPECT_EQ(sess.capture_stats().replays, 1);
  expect_captured_again(sess, y, feeds, {10, 20, 30, 40});
}

TEST_F(StepCaptureTest, AFailedCaptureIsUndoneAndTheRunDoneEagerly) {
  // The update is recorded before the sum fails the capture: it must still happen once per run.
  Node* train = assign_add(w_, x_).node;
  Output total;
  {
    ControlDependencies after{std::vector<Node*>{train}};
    total = reduce_sum(multiply(x_, w_.value()), {0}, false, "total");
  }
  Session sess = make_session();
  sess.run_targets({global_variables_initializer()});
  float w = 2;
  for (int run = 1; run <= 6; ++run) {
    w += 1;
    EXPECT_FLOAT_EQ(sess.run(total, {{x_, vec({1, 1, 1, 1})}}).item<float>(), 4 * w)
        << "run " << run;
    EXPECT_FLOAT_EQ(values_of(sess.variable_value(w_))[0], w);
  }
  // Runs 2 and 4 tried to capture and failed; after two failures the plan runs eagerly for good.
  EXPECT_EQ(sess.capture_stats().failures, 2);
  EXPECT_EQ(sess.capture_stats().captures, 0);
}

TEST_F(StepCaptureTest, AnAllocationOutsideThePlannedArenaFailsTheCapture) {
  const Output y = negative(multiply(x_, w_.value()), "y");
  Session sess = make_session();
  sess.run_targets({global_variables_initializer()});
  neg_calls = 0;
  for (int run = 0; run < 6; ++run) {
    const auto f = static_cast<float>(run);
    EXPECT_THAT(values_of(sess.run(y, {{x_, vec({f, 1, 2, 3})}})), ElementsAre(-2 * f, -2, -4, -6))
        << run;
  }
  // Run 2's capture missed the plan and was done again eagerly; run 4 captured, runs 5 and 6
  // replay.
  EXPECT_EQ(sess.capture_stats().failures, 1);
  EXPECT_EQ(sess.capture_stats().captures, 1);
  EXPECT_EQ(sess.capture_stats().replays, 2);
}

TEST_F(StepCaptureTest, ANewFeedShapeIsCapturedSeparately) {
  const Output x = placeholder(DType::kFloat32, Shape{-1}, "batch");
  const Output y = multiply(x, constant(3.0, DType::kFloat32), "y");
  Session sess = make_session();
  for (int run = 0; run < 3; ++run) {
    EXPECT_THAT(values_of(sess.run(y, {{x, vec({1, 2})}})), ElementsAre(3, 6));
    EXPECT_THAT(values_of(sess.run(y, {{x, vec({1, 2, 3})}})), ElementsAre(3, 6, 9));
  }
  EXPECT_EQ(sess.capture_stats().captures, 2);
  EXPECT_EQ(sess.capture_stats().replays, 2);
}

TEST_F(StepCaptureTest, ShapeArithmeticOnTheHostIsCaptured) {
  const Output y = reshape(multiply(x_, w_.value()), shape(x_), "y");
  Session sess = make_session();
  sess.run_targets({global_variables_initializer()});
  EXPECT_EQ(sess.why_not_captured({y}, {x_}), "");
}

TEST_F(StepCaptureTest, HostWorkOnFedValuesIsNotCaptured) {
  Output on_host;
  {
    DeviceScope cpu{"/cpu:0"};
    on_host = add(x_, constant(1.0, DType::kFloat32), "on_host");
  }
  const Output y = multiply(on_host, w_.value(), "y");
  Session sess = make_session();
  sess.run_targets({global_variables_initializer()});
  EXPECT_THAT(sess.why_not_captured({y}, {x_}),
              HasSubstr("uploads a host value that changes from run to run"));
  EXPECT_THAT(sess.why_not_captured({on_host}, {x_}),
              HasSubstr("a fetch is computed on the host from values that change"));
  for (int run = 0; run < 5; ++run) {
    const auto f = static_cast<float>(run);
    EXPECT_THAT(values_of(sess.run(y, {{x_, vec({f, f, f, f})}})),
                ElementsAre(2 * (f + 1), 2 * (f + 1), 2 * (f + 1), 2 * (f + 1)));
  }
  EXPECT_EQ(sess.capture_stats().captures, 0);
}

TEST_F(StepCaptureTest, AValueBroughtToTheHostMidRunIsNotCaptured) {
  const Output on_gpu = multiply(x_, w_.value(), "on_gpu");
  Output y;
  {
    DeviceScope cpu{"/cpu:0"};
    y = add(on_gpu, constant(1.0, DType::kFloat32), "y");
  }
  Session sess = make_session();
  sess.run_targets({global_variables_initializer()});
  EXPECT_THAT(sess.why_not_captured({y}, {x_}),
              HasSubstr("brings a device value to the host during the run"));
  EXPECT_THAT(sess.why_not_captured({y}, {x_}), HasSubstr("on_gpu"));
}

TEST_F(StepCaptureTest, AFedShapeForADeviceStepIsNotCaptured) {
  const Output fed_shape = placeholder(DType::kInt32, Shape{1}, "fed_shape");
  const Output y = reshape(multiply(x_, w_.value()), fed_shape, "y");
  Session sess = make_session();
  sess.run_targets({global_variables_initializer()});
  EXPECT_THAT(sess.why_not_captured({y}, {x_, fed_shape}),
              HasSubstr("node 'y' (Reshape) takes input 1 in host memory, and its value changes"));
}

TEST_F(StepCaptureTest, ATracedRunIsDoneEagerlyAndTheNextCapturesAgain) {
  const Output y = multiply(x_, w_.value(), "y");
  Session sess = make_session();
  const FeedDict feeds{{x_, vec({1, 2, 3, 4})}};
  warm_up(sess, y, feeds);
  RunMetadata metadata;
  const Tensor traced =
      sess.run({.trace_level = RunOptions::TraceLevel::kFullTrace}, {y}, feeds, {}, &metadata)[0];
  EXPECT_THAT(values_of(traced), ElementsAre(2, 4, 6, 8));
  EXPECT_FALSE(metadata.step_stats.empty());
  EXPECT_EQ(sess.capture_stats().replays, 1);
  expect_captured_again(sess, y, feeds, {2, 4, 6, 8});
}

TEST_F(StepCaptureTest, OffByDefault) {
  const Output y = multiply(x_, w_.value(), "y");
  Session sess(graph_, {.device = "/gpu:0"}, cpu_and_deferred_gpu());
  sess.run_targets({global_variables_initializer()});
  for (int run = 0; run < 5; ++run) sess.run(y, {{x_, vec({1, 2, 3, 4})}});
  EXPECT_EQ(sess.capture_stats().captures, 0);
  EXPECT_EQ(sess.capture_stats().replays, 0);
}

}  // namespace
}  // namespace varscope
