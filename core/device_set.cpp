#include "core/device_set.h"

#include "varscope/error.h"

namespace varscope {

std::string full_device_name(const Device& device) {
  return "/job:localhost/replica:0/task:0" + device.to_string();
}

DeviceSet::DeviceSet(std::vector<Backend*> backends, std::shared_ptr<const KernelRegistry> kernels,
                     DeviceSetOptions options)
    : backends_(std::move(backends)), kernels_(std::move(kernels)), options_(options) {
  if (backends_.empty() || !backends_.front() || backends_.front()->device_type() != DeviceType::kCPU) {
    throw InternalError("DeviceSet: the first backend must be the CPU");
  }
  if (!kernels_) throw InternalError("DeviceSet: no kernel registry");
  for (Backend* backend : backends_) {
    if (!backend) throw InternalError("DeviceSet: null backend");
    const DeviceType type = backend->device_type();
    if (find(type) >= 0) {
      throw InternalError("DeviceSet: two " + std::string(device_type_name(type)) + " backends");
    }
    devices_.push_back(Device{{}, {}, {}, type, 0});
  }
}

std::shared_ptr<const DeviceSet> DeviceSet::local() {
  static const std::shared_ptr<const DeviceSet> devices = [] {
    std::vector<Backend*> backends{&cpu_backend()};
    if (Backend* gpu = cuda_backend()) backends.push_back(gpu);
    // The registry lives as long as the process (kernel_registry() is a function-local static).
    return std::make_shared<const DeviceSet>(
        std::move(backends), std::shared_ptr<const KernelRegistry>(&kernel_registry(), [](const KernelRegistry*) {}));
  }();
  return devices;
}

int DeviceSet::find(DeviceType type, int index) const {
  for (std::size_t i = 0; i < devices_.size(); ++i) {
    if (*devices_[i].type == type && *devices_[i].index == index) return static_cast<int>(i);
  }
  return -1;
}

int DeviceSet::find(const Device& device) const {
  if (!device.type) return 0;
  return find(*device.type, device.index.value_or(0));
}

std::string DeviceSet::describe() const {
  std::string out = "[";
  for (std::size_t i = 0; i < devices_.size(); ++i) {
    out += (i ? ", " : " ") + full_device_name(devices_[i]);
  }
  return out + " ]";
}

}  // namespace varscope
