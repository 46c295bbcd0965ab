#include "cuda/conv_algorithm_cache.h"

#include <mutex>

namespace varscope::cuda {

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

}  // namespace varscope::cuda
