// Backend: what a device gives the runtime: an allocator with statistics, copies, and kernels.
// Implemented by cpu/cpu_backend.cpp and cuda/cuda_backend.cpp; the core never sees device code.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "varscope/device.h"
#include "varscope/memory.h"

namespace varscope {

class KernelRegistry;

/// Device memory with per-category accounting.
class Allocator {
 public:
  virtual ~Allocator() = default;
  /// At least `bytes` bytes, 64-byte aligned. Throws OutOfMemoryError naming `what` on failure.
  virtual void* allocate(std::size_t bytes, MemoryCategory category, std::string_view what = {}) = 0;
  /// Returns memory from allocate() with the same size and category.
  virtual void deallocate(void* ptr, std::size_t bytes, MemoryCategory category) noexcept = 0;
  virtual MemoryStats stats() const = 0;
  /// Peaks restart from the current values (torch.cuda.reset_peak_memory_stats).
  virtual void reset_peak_stats() noexcept = 0;

  // Sub-allocation (the session's activation arena): a block taken with reserve() counts as
  // reserved only; the arena reports what it hands out of it per category through account().
  /// At least `bytes` bytes, 64-byte aligned, counted in `reserved`. Throws OutOfMemoryError.
  virtual void* reserve(std::size_t bytes, std::string_view what = {}) = 0;
  virtual void unreserve(void* ptr, std::size_t bytes) noexcept = 0;
  /// `bytes` of reserved memory put to use for `category` (negative: given back).
  virtual void account(MemoryCategory category, std::int64_t bytes) noexcept = 0;
};

/// Device work recorded between Backend::begin_capture() and end_capture() (a CUDA graph): the same
/// kernels on the same memory, queued again by one call.
class CapturedWork {
 public:
  virtual ~CapturedWork() = default;
  /// Queues the recorded work as it was captured (its first run: the uploads hold their bytes).
  virtual void launch() = 0;
  /// Refreshes the host bytes of every upload_each_run() the capture recorded (calling their fill
  /// functions), then queues the recorded work once more.
  virtual void replay() = 0;
  /// How many operations (kernels, copies, memsets: a CUDA graph's nodes) the work holds.
  virtual std::int64_t operations() const = 0;
};

/// A point in a backend's queue of work (a CUDA event; the host clock on the CPU), for timing it.
class QueueMark {
 public:
  virtual ~QueueMark() = default;
  /// Milliseconds from `earlier` (a mark of the same backend) to this mark, once both have passed.
  virtual double ms_since(const QueueMark& earlier) const = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual DeviceType device_type() const = 0;
  /// "CPU (Eigen, 2 threads)", "NVIDIA H100 80GB HBM3".
  virtual std::string name() const = 0;
  virtual Allocator& allocator() = 0;
  /// Waits for all queued work.
  virtual void synchronize() = 0;
  /// Byte copies; the device side is this backend's memory.
  virtual void copy_to_host(void* host_dst, const void* device_src, std::size_t bytes) = 0;
  virtual void copy_from_host(void* device_dst, const void* host_src, std::size_t bytes) = 0;
  virtual void copy_on_device(void* dst, const void* src, std::size_t bytes) = 0;
  /// Sets `bytes` bytes of this backend's memory at `dst` to `value` (queued like a kernel).
  virtual void fill_bytes(void* dst, unsigned char value, std::size_t bytes) = 0;
  /// Adds this backend's kernels to `registry`.
  virtual void register_kernels(KernelRegistry& registry) = 0;
  /// Marks the work queued so far: the host clock now, unless the backend queues work.
  virtual std::unique_ptr<QueueMark> mark_queue();

  /// A host-to-device copy of `bytes` bytes that `fill` writes into a host buffer: at once, and
  /// again before every replay of captured work that recorded it (fed values, random-stream
  /// positions). `fill` must stay callable as long as such captured work lives.
  virtual void upload_each_run(void* device_dst, std::size_t bytes, std::function<void(void*)> fill);

  // Capture: the work this thread queues between begin_capture() and end_capture() is recorded, not
  // run. While capturing, copies from the host take a snapshot of their bytes, and a copy to the host
  // (which needs the values now) makes end_capture() fail.
  /// True when this backend can capture (CUDA graphs).
  virtual bool supports_capture() const { return false; }
  /// Throws InternalError when !supports_capture() or this thread is capturing already.
  virtual void begin_capture();
  /// The recorded work, or nullptr when the capture failed (it then ran nothing and left nothing
  /// queued); `why` says why. Throws InternalError when this thread is not capturing.
  virtual std::unique_ptr<CapturedWork> end_capture(std::string& why);
};

/// The Eigen CPU backend (cpu/cpu_backend.cpp).
std::unique_ptr<Backend> make_cpu_backend();
/// The CUDA backend, or nullptr when no GPU is usable at run time or CUDA was not built
/// (cuda/cuda_backend.cpp, or core/no_cuda.cpp when VARSCOPE_WITH_CUDA is off).
std::unique_ptr<Backend> make_cuda_backend();

/// The process-wide backends (core/backends.cpp), created on first use.
Backend& cpu_backend();
/// nullptr when there is no GPU.
Backend* cuda_backend();
/// True when a CUDA device is usable.
bool cuda_available();

}  // namespace varscope
