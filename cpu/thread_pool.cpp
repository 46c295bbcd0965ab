#include "cpu/thread_pool.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

namespace varscope::cpu {
namespace {

int configured_threads() {
  if (const char* env = std::getenv("VARSCOPE_NUM_THREADS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

struct Pool {
  Pool() : threads(configured_threads()), pool(threads), device(&pool, threads) {}
  int threads;
  Eigen::ThreadPool pool;
  Eigen::ThreadPoolDevice device;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

const Eigen::ThreadPoolDevice& eigen_device() { return pool().device; }

int num_threads() { return pool().threads; }

void parallel_for(std::int64_t n, double cost_per_unit,
                  const std::function<void(std::int64_t, std::int64_t)>& fn) {
  if (n <= 0) return;
  // Eigen's cost model: bytes loaded/stored and compute cycles per unit.
  const Eigen::TensorOpCost cost(0, 0, cost_per_unit);
  pool().device.parallelFor(n, cost, [&fn](Eigen::Index begin, Eigen::Index end) { fn(begin, end); });
}

}  // namespace varscope::cpu
