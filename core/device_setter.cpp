#include "varscope/device_setter.h"

#include <atomic>
#include <memory>

#include "varscope/device.h"
#include "varscope/error.h"

namespace varscope {

DeviceFunction variable_device_setter(const std::vector<std::string>& variable_devices, const std::string& op_device) {
  if (variable_devices.empty()) throw InvalidArgumentError("variable_device_setter: no variable devices given");
  std::vector<Device> devices;
  for (const std::string& d : variable_devices) devices.push_back(Device::parse(d));
  const Device ops = Device::parse(op_device);
  // Shared by copies of the function, so a scope entered twice keeps one rotation (TF's strategy
  // object is shared the same way).
  auto next = std::make_shared<std::atomic<std::size_t>>(0);
  return [devices = std::move(devices), ops, next](const Node& node) {
    const Device current = Device::parse(node.device());
    if (node.op() == "VariableV2") {
      const Device& chosen = devices[next->fetch_add(1) % devices.size()];
      return chosen.merged_with(current).to_string();
    }
    return ops.merged_with(current).to_string();
  };
}

}  // namespace varscope
