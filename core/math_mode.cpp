#include "varscope/math_mode.h"

#include <atomic>

namespace varscope {
namespace {
// Relaxed: kernels read it when they launch; no other memory is published through it.
std::atomic<bool> allow_tf32_flag{false};
}  // namespace

void set_allow_tf32(bool allow) noexcept { allow_tf32_flag.store(allow, std::memory_order_relaxed); }
bool allow_tf32() noexcept { return allow_tf32_flag.load(std::memory_order_relaxed); }

}  // namespace varscope
