#include "cuda/captured_graph.h"

#include <exception>
#include <utility>

#include "core/logging.h"
#include "cuda/check.h"

namespace varscope::cuda {

PinnedBuffer::PinnedBuffer(std::size_t bytes) {
  void* ptr = nullptr;
  VS_CUDA_CHECK(cudaHostAlloc(&ptr, bytes == 0 ? 1 : bytes, cudaHostAllocDefault));
  handle_ = decltype(handle_)(ptr);
}

CudaGraph::CudaGraph(cudaGraphExec_t exec, std::size_t nodes, std::vector<CapturedUpload> uploads,
                     cudaStream_t stream)
    : exec_(exec), nodes_(nodes), uploads_(std::move(uploads)), stream_(stream) {}

CudaGraph::~CudaGraph() {
  // The upload buffers must outlive the last launch that reads them.
  if (!launched_) return;
  try {
    done_.synchronize();
  } catch (const std::exception& e) {
    log_error(std::string("destroying a CUDA graph whose last launch failed: ") + e.what());
  }
}

void CudaGraph::launch() {
  VS_CUDA_CHECK(cudaGraphLaunch(exec_.get(), stream_));
  done_.record(stream_);
  launched_ = true;
}

void CudaGraph::replay() {
  if (launched_) done_.synchronize();  // before the host buffers are written again
  for (CapturedUpload& upload : uploads_) {
    if (upload.fill) upload.fill(upload.buffer.get());
  }
  launch();
}

}  // namespace varscope::cuda
