// A stand-in GPU for machines without one: host memory and the CPU's kernels, registered as device
// "/device:GPU:0" with an allocator of its own, so placement, copies between devices, HostMemory
// arguments and per-device memory statistics are tested in every CI run. It models no speed.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "core/device_set.h"

namespace varscope::testing {

struct FakeGpuOptions {
  /// Ops the stand-in GPU has no kernel for (to exercise soft placement).
  std::set<std::string> ops_without_kernel{};
  /// DeviceSetOptions::poison_activations.
  bool poison_activations = false;
  /// The GPU's kernel list instead of the CPU's kernels (e.g. cuda::register_cuda_kernels, to plan
  /// as the CUDA backend does: such kernels must never run on the stand-in). ops_without_kernel
  /// does not apply to it.
  std::function<void(KernelRegistry&)> gpu_kernels{};
  /// Says it can capture work (Backend::supports_capture), for planning tests: it never captures.
  bool claims_capture = false;
};

/// The real CPU plus a fresh stand-in GPU (each call makes a new one, with zeroed statistics).
std::shared_ptr<const DeviceSet> cpu_and_fake_gpu(const FakeGpuOptions& options = {});

/// The real CPU alone, as on a machine without a GPU.
std::shared_ptr<const DeviceSet> cpu_only(DeviceSetOptions options = {});

}  // namespace varscope::testing
