#include "cuda/cuda_backend.h"

#include <fmt/format.h>

#include <cstring>
#include <memory>
#include <string>

#include "core/format_bytes.h"
#include "core/logging.h"
#include "cuda/captured_graph.h"
#include "cuda/check.h"
#include "cuda/device_segment_source.h"
#include "cuda/kernels/fill.h"
#include "varscope/error.h"

namespace varscope {
namespace cuda {
// CudaBackend -------------------------------------------------------------------------------------

namespace {
int make_current(int device) {
  VS_CUDA_CHECK(cudaSetDevice(device));
  return device;
}

std::string device_name(int device) {
  cudaDeviceProp properties{};
  VS_CUDA_CHECK(cudaGetDeviceProperties(&properties, device));
  return properties.name;
}
}  // namespace

CudaBackend::CudaBackend(int device)
    : device_(make_current(device)),  // before stream_ is created on it
      name_(device_name(device)),
      allocator_(std::make_unique<DeviceSegmentSource>(device, name_)) {}

namespace {
// The capture this thread has open, if any (Backend::begin_capture).
thread_local std::unique_ptr<CaptureInProgress> this_thread_capture;

// Records why the open capture cannot succeed and throws: the caller needed a value now.
[[noreturn]] void fail_capture(CaptureInProgress& capture, const std::string& what) {
  capture.failure = what + " while its work is captured as a CUDA graph";
  throw InternalError(capture.failure);
}
}  // namespace

bool CudaBackend::capturing() const {
  return this_thread_capture && this_thread_capture->backend == this;
}

cudaStream_t CudaBackend::stream() const {
  return capturing() ? this_thread_capture->stream.get() : stream_.get();
}

void CudaBackend::synchronize() {
  if (capturing()) fail_capture(*this_thread_capture, "synchronize() was called");
  stream_.synchronize();
}

void CudaBackend::copy_to_host(void* host_dst, const void* device_src, std::size_t bytes) {
  if (bytes == 0) return;
  if (capturing()) fail_capture(*this_thread_capture, "a device value was copied to the host");
  VS_CUDA_CHECK(cudaMemcpyAsync(host_dst, device_src, bytes, cudaMemcpyDeviceToHost, stream()));
  stream_.synchronize();
}

void CudaBackend::copy_from_host(void* device_dst, const void* host_src, std::size_t bytes) {
  if (bytes == 0) return;
  if (capturing()) {
    // The graph copies from a pinned snapshot of the bytes as they are now.
    CapturedUpload& upload = this_thread_capture->uploads.emplace_back(CapturedUpload{PinnedBuffer(bytes), {}});
    std::memcpy(upload.buffer.get(), host_src, bytes);
    VS_CUDA_CHECK(cudaMemcpyAsync(device_dst, upload.buffer.get(), bytes, cudaMemcpyHostToDevice, stream()));
    return;
  }
  VS_CUDA_CHECK(cudaMemcpyAsync(device_dst, host_src, bytes, cudaMemcpyHostToDevice, stream()));
  // The caller may free or reuse host_src as soon as we return.
  stream_.synchronize();
}

void CudaBackend::upload_each_run(void* device_dst, std::size_t bytes, std::function<void(void*)> fill) {
  if (bytes == 0) return;
  if (!capturing()) {
    Backend::upload_each_run(device_dst, bytes, std::move(fill));
    return;
  }
  CapturedUpload& upload =
      this_thread_capture->uploads.emplace_back(CapturedUpload{PinnedBuffer(bytes), std::move(fill)});
  upload.fill(upload.buffer.get());
  VS_CUDA_CHECK(cudaMemcpyAsync(device_dst, upload.buffer.get(), bytes, cudaMemcpyHostToDevice, stream()));
}

namespace {
class EventMark final : public QueueMark {
 public:
  explicit EventMark(cudaStream_t stream) { event_.record(stream); }
  double ms_since(const QueueMark& earlier) const override {
    const auto& start = static_cast<const EventMark&>(earlier);
    event_.synchronize();
    return event_.elapsed_ms_since(start.event_);
  }

 private:
  Event event_;
};
}  // namespace

std::unique_ptr<QueueMark> CudaBackend::mark_queue() { return std::make_unique<EventMark>(stream()); }

void CudaBackend::begin_capture() {
  if (this_thread_capture) throw InternalError("begin_capture: this thread is capturing already");
  VS_CUDA_CHECK(cudaSetDevice(device_));
  auto capture = std::make_unique<CaptureInProgress>(this);
  // Relaxed: an allocation that misses the planned arena may cudaMalloc; the session then does not
  // launch the capture and runs the step eagerly instead.
  VS_CUDA_CHECK(cudaStreamBeginCapture(capture->stream.get(), cudaStreamCaptureModeRelaxed));
  this_thread_capture = std::move(capture);
}

std::unique_ptr<CapturedWork> CudaBackend::end_capture(std::string& why) {
  if (!capturing()) throw InternalError("end_capture: this thread is not capturing on " + name_);
  std::unique_ptr<CaptureInProgress> capture = std::move(this_thread_capture);
  cudaGraph_t recorded = nullptr;
  const cudaError_t status = cudaStreamEndCapture(capture->stream.get(), &recorded);
  const UniqueHandle<cudaGraph_t, cudaGraphDestroy> graph(recorded);
  if (!capture->failure.empty()) {
    (void)cudaGetLastError();
    why = capture->failure;
    return nullptr;
  }
  if (status != cudaSuccess || !graph) {
    (void)cudaGetLastError();
    why = fmt::format("cudaStreamEndCapture failed: CUDA error {} ({})", static_cast<int>(status),
                      cudaGetErrorName(status));
    return nullptr;
  }
  std::size_t nodes = 0;  // for CaptureStats only: unknown (0) should the count fail
  if (cudaGraphGetNodes(graph.get(), nullptr, &nodes) != cudaSuccess) {
    (void)cudaGetLastError();
    nodes = 0;
  }
  cudaGraphExec_t exec = nullptr;
  if (const cudaError_t error = cudaGraphInstantiate(&exec, graph.get(), 0); error != cudaSuccess) {
    (void)cudaGetLastError();
    why = fmt::format("cudaGraphInstantiate failed: CUDA error {} ({})", static_cast<int>(error),
                      cudaGetErrorName(error));
    return nullptr;
  }
  return std::make_unique<CudaGraph>(exec, nodes, std::move(capture->uploads), stream_.get());
}

void CudaBackend::copy_on_device(void* dst, const void* src, std::size_t bytes) {
  if (bytes == 0) return;
  VS_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream()));
}

void CudaBackend::fill_bytes(void* dst, unsigned char value, std::size_t bytes) {
  if (bytes == 0) return;
  VS_CUDA_CHECK(cudaMemsetAsync(dst, value, bytes, stream()));
}

void CudaBackend::register_kernels(KernelRegistry& registry) { register_cuda_kernels(registry); }

}  // namespace cuda

// Returns nullptr, logging why once at info, when no GPU is usable: no driver, no device, or a
// device this build has no device code for. Other failures (the device exists but will not start)
// throw.
std::unique_ptr<Backend> make_cuda_backend() {
  int count = 0;
  if (const cudaError_t status = cudaGetDeviceCount(&count); status != cudaSuccess) {
    (void)cudaGetLastError();
    log_info(fmt::format("no CUDA backend: cudaGetDeviceCount failed with CUDA error {} ({}: {})",
                         static_cast<int>(status), cudaGetErrorName(status),
                         cudaGetErrorString(status)));
    return nullptr;
  }
  if (count == 0) {
    log_info("no CUDA backend: no CUDA device found");
    return nullptr;
  }
  constexpr int kDevice = 0;  // one GPU per process until the multi-GPU issue
  VS_CUDA_CHECK(cudaSetDevice(kDevice));
  cudaDeviceProp properties{};
  VS_CUDA_CHECK(cudaGetDeviceProperties(&properties, kDevice));
  if (const cudaError_t status = cuda::probe_kernel_image(); status != cudaSuccess) {
    (void)cudaGetLastError();
    log_info(fmt::format(
        "no CUDA backend: {} (compute capability {}.{}) cannot run this build's device "
        "code (CMAKE_CUDA_ARCHITECTURES): CUDA error {} ({})",
        properties.name, properties.major, properties.minor, static_cast<int>(status),
        cudaGetErrorName(status)));
    return nullptr;
  }
  auto backend = std::make_unique<cuda::CudaBackend>(kDevice);
  log_info(fmt::format("CUDA backend on {} ({} of {}): {}, compute capability {}.{}, {} SMs, {}",
                       cuda::device_label(kDevice), kDevice + 1, count, properties.name,
                       properties.major, properties.minor, properties.multiProcessorCount,
                       format_bytes(static_cast<double>(properties.totalGlobalMem))));
  return backend;
}

}  // namespace varscope
