#include "cuda/conv_algorithm_cache.h"

#include <atomic>
#include <mutex>

namespace varscope::cuda {
namespace {
std::atomic<ConvLayoutChoice> layout_choice{ConvLayoutChoice::kFastest};
}  // namespace

void set_conv_layout_choice(ConvLayoutChoice choice) noexcept { layout_choice.store(choice); }

ConvLayoutChoice conv_layout_choice() noexcept { return layout_choice.load(); }

ConvAlgorithmCache& ConvAlgorithmCache::global() {
  static ConvAlgorithmCache cache;
  return cache;
}

std::optional<ConvAlgorithm> ConvAlgorithmCache::find(const ConvAlgorithmKey& key) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void ConvAlgorithmCache::insert(const ConvAlgorithmKey& key, const ConvAlgorithm& algorithm) {
  std::unique_lock lock(mutex_);
  entries_.emplace(key, algorithm);
}

std::size_t ConvAlgorithmCache::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

std::vector<std::pair<ConvAlgorithmKey, ConvAlgorithm>> ConvAlgorithmCache::entries() const {
  std::shared_lock lock(mutex_);
  return {entries_.begin(), entries_.end()};
}

}  // namespace varscope::cuda
