// Per-thread cuBLAS / cuDNN handles (see library_handles.h): a thread_local map device -> handle in
// front of a process-wide pool of idle handles left behind by threads that ended.
#include "cuda/library_handles.h"

#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "cuda/check.h"
#include "cuda/handles.h"

namespace varscope::cuda {
namespace {

int current_device() {
  int device = 0;
  VS_CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

/// Idle handles per device, handed from ended threads to new ones.
template <class Handle>
class HandlePool {
 public:
  /// An idle handle of `device` (the current device), or a new one.
  Handle acquire(int device) {
    {
      std::lock_guard lock(mutex_);
      auto it = idle_.find(device);
      if (it != idle_.end() && !it->second.empty()) {
        Handle handle = std::move(it->second.back());
        it->second.pop_back();
        return handle;
      }
    }
    return Handle();  // created outside the lock: cuDNN's first handle takes a while
  }

  /// Keeps `handle` for the next thread; destroys it when even that fails (out of host memory).
  void release(int device, Handle handle) noexcept {
    try {
      std::lock_guard lock(mutex_);
      idle_[device].push_back(std::move(handle));
    } catch (...) {  // the handle's destructor runs instead: nothing else to do in a destructor
    }
  }

 private:
  std::mutex mutex_;
  std::map<int, std::vector<Handle>> idle_;
};

template <class Handle>
HandlePool<Handle>& handle_pool() {
  static HandlePool<Handle> pool;
  return pool;
}

/// One thread's handles, one per device; given back to the pool when the thread ends. Thread-local
/// objects of a thread are destroyed before any static object, so the pool is still there.
template <class Handle>
class ThreadHandles {
 public:
  ThreadHandles() = default;
  ThreadHandles(const ThreadHandles&) = delete;
  ThreadHandles& operator=(const ThreadHandles&) = delete;
  ~ThreadHandles() {
    for (auto& [device, handle] : handles_)
      handle_pool<Handle>().release(device, std::move(handle));
  }

  Handle& for_device(int device) {
    auto it = handles_.find(device);
    if (it == handles_.end()) {
      it = handles_.emplace(device, handle_pool<Handle>().acquire(device)).first;
    }
    return it->second;
  }

 private:
  std::map<int, Handle> handles_;
};

template <class Handle>
Handle& this_thread_handle() {
  thread_local ThreadHandles<Handle> handles;
  return handles.for_device(current_device());
}

}  // namespace

cublasHandle_t cublas_handle(cudaStream_t stream) {
  CublasHandle& handle = this_thread_handle<CublasHandle>();
  handle.set_stream(stream);
  return handle.get();
}

CublasLtHandle& cublaslt_handle() { return this_thread_handle<CublasLtHandle>(); }

cudnnHandle_t cudnn_handle(cudaStream_t stream) {
  CudnnHandle& handle = this_thread_handle<CudnnHandle>();
  handle.set_stream(stream);
  return handle.get();
}

}  // namespace varscope::cuda
