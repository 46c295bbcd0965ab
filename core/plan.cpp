#include "core/plan.h"

#include <utility>

#include "core/device_set.h"
#include "core/step_capture.h"

namespace varscope {

RunResources::RunResources() = default;
RunResources::RunResources(RunResources&&) noexcept = default;
RunResources& RunResources::operator=(RunResources&&) noexcept = default;
RunResources::~RunResources() = default;

RunResources RunResourcePool::acquire(const FeedShapes& feed_shapes, const DeviceSet& devices) {
  {
    std::lock_guard lock(mutex_);
    auto& free = free_[feed_shapes];
    if (!free.empty()) {
      RunResources resources = std::move(free.back());
      free.pop_back();
      return resources;
    }
  }
  RunResources resources;
  for (int d = 0; d < devices.size(); ++d) {
    Backend& backend = devices.backend(d);
    auto& arena =
        resources.arenas.emplace_back(std::make_unique<ActivationArena>(backend.allocator()));
    if (devices.options().poison_activations) {
      arena->set_poison(
          [&backend](void* ptr, std::size_t bytes) { backend.fill_bytes(ptr, 0xFF, bytes); });
    }
  }
  return resources;
}

void RunResourcePool::release(const FeedShapes& feed_shapes, RunResources resources) {
  std::lock_guard lock(mutex_);
  free_[feed_shapes].push_back(std::move(resources));
}

}  // namespace varscope
