// The intra-op thread pool of the CPU kernels: one Eigen thread pool per process, used by Eigen
// Tensor expressions (contractions for MatMul/Conv2D) and by parallel_for for hand-written loops.
#pragma once

#include <cstdint>
#include <functional>

#define EIGEN_USE_THREADS
#include <unsupported/Eigen/CXX11/Tensor>

namespace varscope::cpu {

/// Threads: $VARSCOPE_NUM_THREADS if set, else the hardware concurrency. Created on first use.
const Eigen::ThreadPoolDevice& eigen_device();
int num_threads();

/// Runs fn(begin, end) over [0, n) split into shards; `cost_per_unit` is a rough cycle count per
/// index, so small loops stay on the calling thread. Blocks until every shard has run.
void parallel_for(std::int64_t n, double cost_per_unit, const std::function<void(std::int64_t, std::int64_t)>& fn);

}  // namespace varscope::cpu
