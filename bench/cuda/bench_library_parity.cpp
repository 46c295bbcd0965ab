// varscope's MatMul and Conv2D against the libraries under them, on the same GPU, same shapes, same
// precision: raw cuBLAS (cublasGemmEx, the default algorithm) and raw cuDNN (the fastest forward
// algorithm cudnnFindConvolutionForwardAlgorithmEx measures, NHWC and NCHW both tried). varscope
// runs the op through a Session whose inputs are variables already on the device, captured as a
// CUDA graph once warm, so the comparison is the op and its launch, not feeds. The varscope MatMul
// uses cuBLAS's default algorithm too; the varscope Conv2D picks its algorithm and layout by
// measurement.
//
// Every case is timed the same way (METHOD.md): CUDA events on the stream around a batch of
// kLaunches back-to-back launches after warm-up, one batch per benchmark iteration. Inputs are
// random, never zeros. The last table gives, per case, the median of every batch of each side and
// library time / varscope time (the target is >= 0.95).
//
//   build-gpu/bench/bench_library_parity --benchmark_repetitions=5
//   --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/backend.h"
#include "cuda/check.h"
#include "cuda/cuda_backend.h"
#include "cuda/handles.h"
#include "varscope/varscope.h"

namespace vs = varscope;
namespace vc = varscope::cuda;

namespace {

constexpr int kLaunches = 50;

vc::CudaBackend* gpu() { return static_cast<vc::CudaBackend*>(vs::cuda_backend()); }

// Device memory with random floats in [-1, 1).
class DeviceFloats {
 public:
  DeviceFloats(std::int64_t n, unsigned seed)
      : bytes_(static_cast<std::size_t>(n) * sizeof(float)) {
    ptr_ = gpu()->allocator().allocate(bytes_, vs::MemoryCategory::kOther, "bench");
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> host(static_cast<std::size_t>(n));
    for (float& v : host) v = dist(gen);
    gpu()->copy_from_host(ptr_, host.data(), bytes_);
  }
  ~DeviceFloats() { gpu()->allocator().deallocate(ptr_, bytes_, vs::MemoryCategory::kOther); }
  DeviceFloats(const DeviceFloats&) = delete;
  DeviceFloats& operator=(const DeviceFloats&) = delete;
  float* get() const { return static_cast<float*>(ptr_); }

 private:
  std::size_t bytes_;
  void* ptr_;
};

// Seconds per call of every timed batch, by case ("MatMul/64x3136x1024/fp32") and side.
std::map<std::string, std::map<std::string, std::vector<double>>>& timings() {
  static std::map<std::string, std::map<std::string, std::vector<double>>> all;
  return all;
}

void record(const std::string& case_name, const std::string& side, double seconds) {
  timings()[case_name][side].push_back(seconds);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Times `launch` (queued on the backend's stream) per call, with events around kLaunches calls.
template <class Launch>
void time_launches(benchmark::State& state, const std::string& case_name, const std::string& side,
                   Launch&& launch) {
  cudaStream_t stream = gpu()->stream();
  for (int i = 0; i < 5; ++i) launch();  // warm-up
  gpu()->synchronize();
  vc::Event start, stop;
  for (auto _ : state) {
    start.record(stream);
    for (int i = 0; i < kLaunches; ++i) launch();
    stop.record(stream);
    stop.synchronize();
    const double seconds = stop.elapsed_ms_since(start) * 1e-3 / kLaunches;
    state.SetIterationTime(seconds);
    record(case_name, side, seconds);
  }
}

// ---- MatMul
// ---------------------------------------------------------------------------------------

struct Gemm {
  std::int64_t m, k, n;
  bool transpose_a;
};

std::string gemm_name(const Gemm& g, bool tf32) {
  return std::to_string(g.m) + "x" + std::to_string(g.k) + "x" + std::to_string(g.n) +
         (g.transpose_a ? "/ta" : "") + (tf32 ? "/tf32" : "/fp32");
}

void BM_RawCublas(benchmark::State& state, Gemm g, bool tf32) {
  if (!gpu()) return state.SkipWithError("no GPU");
  const DeviceFloats a(g.m * g.k, 1), b(g.k * g.n, 2), c(g.m * g.n, 3);
  vc::CublasHandle handle;
  handle.set_stream(gpu()->stream());
  VS_CUBLAS_CHECK(
      cublasSetMathMode(handle.get(), tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  const float alpha = 1, beta = 0;
  // Row-major C = op(A) B as column-major C^T = B^T op(A)^T.
  const int lda = static_cast<int>(g.transpose_a ? g.m : g.k);
  time_launches(state, "MatMul/" + gemm_name(g, tf32), "library", [&] {
    VS_CUBLAS_CHECK(cublasGemmEx(
        handle.get(), CUBLAS_OP_N, g.transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N, static_cast<int>(g.n),
        static_cast<int>(g.m), static_cast<int>(g.k), &alpha, b.get(), CUDA_R_32F,
        static_cast<int>(g.n), a.get(), CUDA_R_32F, lda, &beta, c.get(), CUDA_R_32F,
        static_cast<int>(g.n), tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F,
        CUBLAS_GEMM_DEFAULT));
  });
  state.counters["TFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(g.m * g.k * g.n) * 1e-12,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

// A session running one op over device-resident variables, captured once warm; `build` makes the
// op.
template <class Build>
void time_session_op(benchmark::State& state, const std::string& case_name,
                     const std::vector<vs::Shape>& input_shapes, Build&& build) {
  vs::Graph graph;
  vs::DefaultGraph use{graph};
  std::vector<vs::Variable> inputs;
  for (std::size_t i = 0; i < input_shapes.size(); ++i) {
    inputs.push_back(vs::get_variable("input_" + std::to_string(i), input_shapes[i],
                                      {.initializer = vs::random_uniform_initializer(
                                           {.minval = -1.0, .maxval = 1.0, .seed = 1})}));
  }
  const vs::Output out = build(inputs);
  vs::Session sess{
      graph, {.device = "/gpu:0", .allow_soft_placement = false, .capture_cuda_graphs = true}};
  sess.run_targets({vs::global_variables_initializer()});
  const std::string why = sess.why_not_captured({}, {}, {out.node});
  if (!why.empty()) return state.SkipWithError(("not captured: " + why).c_str());
  time_launches(state, case_name, "varscope", [&] { sess.run_targets({out.node}); });
  state.counters["replays"] = static_cast<double>(sess.capture_stats().replays);
}

void BM_VarscopeMatMul(benchmark::State& state, Gemm g, bool tf32) {
  if (!gpu()) return state.SkipWithError("no GPU");
  vs::set_allow_tf32(tf32);
  const vs::Shape a_shape = g.transpose_a ? vs::Shape{g.k, g.m} : vs::Shape{g.m, g.k};
  time_session_op(state, "MatMul/" + gemm_name(g, tf32), {a_shape, vs::Shape{g.k, g.n}},
                  [&](const std::vector<vs::Variable>& in) {
                    return vs::matmul(in[0].value(), in[1].value(), g.transpose_a, false,
                                      "product");
                  });
  vs::set_allow_tf32(false);
  state.counters["TFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(g.m * g.k * g.n) * 1e-12,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

// ---- Conv2D (forward, 5x5 SAME, stride 1, NHWC in varscope)
// -------------------------------------------

struct Conv {
  std::int64_t n, hw, c_in, c_out;
};

std::string conv_name(const Conv& c, bool tf32) {
  return "Conv2D/" + std::to_string(c.n) + "x" + std::to_string(c.hw) + "x" + std::to_string(c.hw) +
         "x" + std::to_string(c.c_in) + "->" + std::to_string(c.c_out) + (tf32 ? "/tf32" : "/fp32");
}

void BM_RawCudnnBestForward(benchmark::State& state, Conv c, bool tf32) {
  if (!gpu()) return state.SkipWithError("no GPU");
  constexpr int kR = 5, kPad = 2;
  const DeviceFloats x(c.n * c.hw * c.hw * c.c_in, 1), w(kR * kR * c.c_in * c.c_out, 2),
      y(c.n * c.hw * c.hw * c.c_out, 3);
  vc::CudnnHandle handle;
  handle.set_stream(gpu()->stream());
  cudnnTensorDescriptor_t xd = nullptr, yd = nullptr;
  cudnnFilterDescriptor_t wd = nullptr;
  cudnnConvolutionDescriptor_t cd = nullptr;
  VS_CUDNN_CHECK(cudnnCreateTensorDescriptor(&xd));
  VS_CUDNN_CHECK(cudnnCreateTensorDescriptor(&yd));
  VS_CUDNN_CHECK(cudnnCreateFilterDescriptor(&wd));
  VS_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&cd));
  const vc::UniqueHandle<cudnnTensorDescriptor_t, cudnnDestroyTensorDescriptor> x_owner(xd),
      y_owner(yd);
  const vc::UniqueHandle<cudnnFilterDescriptor_t, cudnnDestroyFilterDescriptor> w_owner(wd);
  const vc::UniqueHandle<cudnnConvolutionDescriptor_t, cudnnDestroyConvolutionDescriptor> c_owner(
      cd);
  VS_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(cd, kPad, kPad, 1, 1, 1, 1,
                                                 CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  VS_CUDNN_CHECK(cudnnSetConvolutionMathType(cd, tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH));

  // The best of both layouts, as varscope's own search considers both (the data stays as it is:
  // only the timing matters here).
  float best_ms = 0;
  cudnnConvolutionFwdAlgoPerf_t best{};
  cudnnTensorFormat_t best_format = CUDNN_TENSOR_NHWC;
  void* workspace = nullptr;
  std::size_t workspace_bytes = 0;
  const std::size_t search_bytes = std::size_t{256} << 20;
  void* search_space =
      gpu()->allocator().allocate(search_bytes, vs::MemoryCategory::kWorkspace, "search");
  for (cudnnTensorFormat_t format : {CUDNN_TENSOR_NHWC, CUDNN_TENSOR_NCHW}) {
    const int n = static_cast<int>(c.n), hw = static_cast<int>(c.hw), ci = static_cast<int>(c.c_in),
              co = static_cast<int>(c.c_out);
    VS_CUDNN_CHECK(cudnnSetTensor4dDescriptor(xd, format, CUDNN_DATA_FLOAT, n, ci, hw, hw));
    VS_CUDNN_CHECK(cudnnSetTensor4dDescriptor(yd, format, CUDNN_DATA_FLOAT, n, co, hw, hw));
    VS_CUDNN_CHECK(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, format, co, ci, kR, kR));
    std::array<cudnnConvolutionFwdAlgoPerf_t, CUDNN_CONVOLUTION_FWD_ALGO_COUNT> perf{};
    int found = 0;
    VS_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
        handle.get(), xd, x.get(), wd, w.get(), cd, yd, y.get(), static_cast<int>(perf.size()),
        &found, perf.data(), search_space, search_bytes));
    for (int i = 0; i < found; ++i) {
      if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > search_bytes) continue;
      if (best_ms == 0 || perf[i].time < best_ms) {
        best_ms = perf[i].time;
        best = perf[i];
        best_format = format;
      }
    }
  }
  gpu()->allocator().deallocate(search_space, search_bytes, vs::MemoryCategory::kWorkspace);
  if (best_ms == 0) return state.SkipWithError("cuDNN found no forward algorithm");
  const int n = static_cast<int>(c.n), hw = static_cast<int>(c.hw), ci = static_cast<int>(c.c_in),
            co = static_cast<int>(c.c_out);
  VS_CUDNN_CHECK(cudnnSetTensor4dDescriptor(xd, best_format, CUDNN_DATA_FLOAT, n, ci, hw, hw));
  VS_CUDNN_CHECK(cudnnSetTensor4dDescriptor(yd, best_format, CUDNN_DATA_FLOAT, n, co, hw, hw));
  VS_CUDNN_CHECK(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, best_format, co, ci, kR, kR));
  VS_CUDNN_CHECK(cudnnSetConvolutionMathType(cd, best.mathType));
  workspace_bytes = best.memory;
  if (workspace_bytes > 0) {
    workspace =
        gpu()->allocator().allocate(workspace_bytes, vs::MemoryCategory::kWorkspace, "workspace");
  }
  const float alpha = 1, beta = 0;
  time_launches(state, conv_name(c, tf32), "library", [&] {
    VS_CUDNN_CHECK(cudnnConvolutionForward(handle.get(), &alpha, xd, x.get(), wd, w.get(), cd,
                                           best.algo, workspace, workspace_bytes, &beta, yd,
                                           y.get()));
  });
  if (workspace)
    gpu()->allocator().deallocate(workspace, workspace_bytes, vs::MemoryCategory::kWorkspace);
  state.SetLabel(std::string(best_format == CUDNN_TENSOR_NHWC ? "NHWC" : "NCHW") + " algo " +
                 std::to_string(static_cast<int>(best.algo)));
  state.counters["TFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(c.n * c.hw * c.hw * c.c_out * 25 * c.c_in) * 1e-12,
      benchmark::Counter::kIsIterationInvariantRate);
}

void BM_VarscopeConv2D(benchmark::State& state, Conv c, bool tf32) {
  if (!gpu()) return state.SkipWithError("no GPU");
  vs::set_allow_tf32(tf32);
  time_session_op(state, conv_name(c, tf32),
                  {vs::Shape{c.n, c.hw, c.hw, c.c_in}, vs::Shape{5, 5, c.c_in, c.c_out}},
                  [&](const std::vector<vs::Variable>& in) {
                    return vs::nn::conv2d(in[0].value(), in[1].value(), {1, 1, 1, 1}, "SAME");
                  });
  vs::set_allow_tf32(false);
  state.counters["TFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(c.n * c.hw * c.hw * c.c_out * 25 * c.c_in) * 1e-12,
      benchmark::Counter::kIsIterationInvariantRate);
}

// The device's ceilings (METHOD.md): bytes per second of a large device-to-device copy (read plus
// written) and the FLOP rate of a large product through cuBLAS.
void BM_CeilingCopy(benchmark::State& state) {
  if (!gpu()) return state.SkipWithError("no GPU");
  constexpr std::int64_t kFloats = std::int64_t{64} << 20;  // 256 MiB each way
  const DeviceFloats from(kFloats, 1), to(kFloats, 2);
  time_launches(state, "Ceiling/copy_256MiB", "library", [&] {
    VS_CUDA_CHECK(cudaMemcpyAsync(to.get(), from.get(), kFloats * sizeof(float),
                                  cudaMemcpyDeviceToDevice, gpu()->stream()));
  });
  state.counters["GB/s"] = benchmark::Counter(2.0 * kFloats * sizeof(float) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}

// The reference CNN's products (dense forward, its two gradients) and a square one.
const std::vector<Gemm> kGemms = {{64, 3136, 1024, false},  {400, 3136, 1024, false},
                                  {3136, 64, 1024, true},   {3136, 400, 1024, true},
                                  {400, 1024, 3136, false}, {1024, 1024, 1024, false}};
const std::vector<Conv> kConvs = {
    {64, 28, 1, 32}, {64, 14, 32, 64}, {400, 28, 1, 32}, {400, 14, 32, 64}};

int register_all() {
  benchmark::RegisterBenchmark("Ceiling/copy_256MiB", BM_CeilingCopy)
      ->UseManualTime()
      ->Unit(benchmark::kMicrosecond);
  for (bool tf32 : {false, true}) {
    const Gemm big{8192, 8192, 8192, false};
    benchmark::RegisterBenchmark(("Ceiling/MatMul/" + gemm_name(big, tf32)).c_str(), BM_RawCublas,
                                 big, tf32)
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond)
        ->Iterations(3);
  }
  for (bool tf32 : {false, true}) {
    for (const Gemm& g : kGemms) {
      benchmark::RegisterBenchmark(("MatMul/" + gemm_name(g, tf32) + "/cublas").c_str(),
                                   BM_RawCublas, g, tf32)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(("MatMul/" + gemm_name(g, tf32) + "/varscope").c_str(),
                                   BM_VarscopeMatMul, g, tf32)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
    }
    for (const Conv& c : kConvs) {
      const std::string name = conv_name(c, tf32);
      benchmark::RegisterBenchmark((name + "/cudnn_best").c_str(), BM_RawCudnnBestForward, c, tf32)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark((name + "/varscope").c_str(), BM_VarscopeConv2D, c, tf32)
          ->UseManualTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // One line per case: the medians of both sides and library / varscope (the target is >= 0.95).
  // The ceilings first: no varscope side.
  for (const auto& [case_name, sides] : timings()) {
    if (sides.size() != 1 || !sides.contains("library")) continue;
    std::printf("%-40s %12.2f us (ceiling)\n", case_name.c_str(),
                median(sides.at("library")) * 1e6);
  }
  std::printf("\n%-40s %12s %12s %8s\n", "case", "library us", "varscope us", "ratio");
  for (const auto& [case_name, sides] : timings()) {
    const auto library = sides.find("library");
    const auto mine = sides.find("varscope");
    if (library == sides.end() || mine == sides.end()) continue;
    const double l = median(library->second), v = median(mine->second);
    std::printf("%-40s %12.2f %12.2f %8.3f %s\n", case_name.c_str(), l * 1e6, v * 1e6,
                v > 0 ? l / v : 0.0, v > 0 && l / v >= 0.95 ? "met" : "MISSED");
  }
  return 0;
}
