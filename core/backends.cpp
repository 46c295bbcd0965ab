// The process-wide backends, created on first use.
//
// Note [Backends are never destroyed]: each backend is created once and intentionally leaked.
// Tensors held in static or thread-local storage (caches, test fixtures) may be released after
// main() returns; their buffers go back to the backend's allocator, which must still exist, and by
// then the CUDA runtime may already be unloaded, so a CUDA backend's destructor could not free
// anything anyway. The OS reclaims host and device memory at exit.
#include <exception>

#include "core/backend.h"
#include "core/logging.h"

namespace varscope {
namespace {

// A CUDA backend that fails to start for a reason other than "no device" (make_cuda_backend returns
// nullptr for that) is reported once and treated as absent, so a broken GPU setup degrades to the
// CPU instead of failing every Session. VARSCOPE_REQUIRE_CUDA=1 in the tests turns this into a
// failure.
Backend* create_cuda_backend() noexcept {
  try {
    return make_cuda_backend().release();
  } catch (const std::exception& e) {
    log_warning(std::string("CUDA backend unavailable, running on the CPU only: ") + e.what());
    return nullptr;
  }
}

}  // namespace

Backend& cpu_backend() {
  // Thread-safe: a function-local static is initialized once. Note [Backends are never destroyed].
  static Backend* const backend = make_cpu_backend().release();
  return *backend;
}

Backend* cuda_backend() {
  // Note [Backends are never destroyed].
  static Backend* const backend = create_cuda_backend();
  return backend;
}

bool cuda_available() { return cuda_backend() != nullptr; }

}  // namespace varscope
