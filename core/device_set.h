// DeviceSet: the devices a Session may place nodes on (the host CPU first, then the GPUs), each
// with its Backend, and the kernels registered for them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/kernel.h"
#include "varscope/device.h"

namespace varscope {

struct DeviceSetOptions {
  /// Fill every activation, gradient and workspace block with 0xFF bytes (NaN for floats, -1 for
  /// integers) when it is handed out, so tests catch kernels that leave elements unwritten.
  bool poison_activations = false;
};

/// A device as TF names it in placements and errors: "/job:localhost/replica:0/task:0/device:GPU:0".
std::string full_device_name(const Device& device);

class DeviceSet {
 public:
  /// `backends[0]` must be a CPU backend; at most one backend per device type (one GPU for now).
  DeviceSet(std::vector<Backend*> backends, std::shared_ptr<const KernelRegistry> kernels,
            DeviceSetOptions options = {});

  /// This process's devices (the CPU, and the GPU when one is usable) with the global kernels.
  static std::shared_ptr<const DeviceSet> local();

  int size() const { return static_cast<int>(backends_.size()); }
  Backend& backend(int index) const { return *backends_.at(static_cast<std::size_t>(index)); }
  /// The device at `index` in canonical form ("/device:GPU:0").
  const Device& device(int index) const { return devices_.at(static_cast<std::size_t>(index)); }
  /// The index of the device of `type` and `index`, or -1 when there is none.
  int find(DeviceType type, int index = 0) const;
  /// The index a tensor's buffer lives on (a tensor without a device is on the host: 0), or -1.
  int find(const Device& device) const;
  const KernelRegistry& kernels() const { return *kernels_; }
  const DeviceSetOptions& options() const { return options_; }
  /// "[ /job:localhost/replica:0/task:0/device:CPU:0, ... ]", as TF lists devices in errors.
  std::string describe() const;

 private:
  std::vector<Backend*> backends_;
  std::vector<Device> devices_;
  std::shared_ptr<const KernelRegistry> kernels_;
  DeviceSetOptions options_;
};

}  // namespace varscope
