// What the CUDA backend records while a thread captures (CudaBackend::begin_capture), and the CUDA
// graph it becomes: kernels and copies queued on a capture stream, plus the pinned host buffers the
// recorded host-to-device copies read, which replay() refreshes.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/backend.h"
#include "cuda/handles.h"

namespace varscope::cuda {

/// Page-locked host memory (cudaHostAlloc), so a copy from it can be part of a CUDA graph.
class PinnedBuffer {
 public:
  /// Throws CudaError.
  explicit PinnedBuffer(std::size_t bytes);
  void* get() const noexcept { return handle_.get(); }

 private:
  UniqueHandle<void*, cudaFreeHost> handle_;
};

/// One recorded host-to-device copy: from `buffer`, whose bytes `fill` (when set) writes anew
/// before each replay; without `fill` the bytes are those taken at capture.
struct CapturedUpload {
  PinnedBuffer buffer;
  std::function<void(void*)> fill;
};

/// A capture in progress on one thread.
struct CaptureInProgress {
  explicit CaptureInProgress(const void* owner) : backend(owner) {}

  const void* backend;  // the CudaBackend capturing
  Stream stream;        // work queued by this thread while capturing goes here
  std::vector<CapturedUpload> uploads;
  std::string failure;  // set by a call that cannot be captured
};

/// An instantiated CUDA graph, launched on the backend's stream.
class CudaGraph final : public CapturedWork {
 public:
  /// `nodes`: how many nodes the graph behind `exec` has.
  CudaGraph(cudaGraphExec_t exec, std::size_t nodes, std::vector<CapturedUpload> uploads,
            cudaStream_t stream);
  ~CudaGraph() override;
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  void launch() override;
  void replay() override;
  std::int64_t operations() const override { return static_cast<std::int64_t>(nodes_); }

 private:
  UniqueHandle<cudaGraphExec_t, cudaGraphExecDestroy> exec_;
  std::size_t nodes_;
  std::vector<CapturedUpload> uploads_;
  cudaStream_t stream_;
  Event done_{cudaEventDisableTiming};  // the last launch has read the upload buffers
  bool launched_ = false;
};

}  // namespace varscope::cuda
