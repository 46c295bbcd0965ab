// Device names as TensorFlow writes them: "/cpu:0", "/gpu:0", "/device:GPU:0", "/job:ps/task:1".
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace varscope {

enum class DeviceType { kCPU, kGPU };

/// "CPU" or "GPU".
std::string_view device_type_name(DeviceType type);

/// A (partial) device specification, like tf.DeviceSpec. Every field is optional, so "/job:moo"
/// and "/gpu:0" are both valid. Parsing accepts TF's spellings ("/cpu:0", "/device:GPU:1",
/// "/job:worker/replica:0/task:1/device:CPU:0", "GPU:0"); printing is canonical
/// ("/job:worker/replica:0/task:1/device:CPU:0", "/device:GPU:0").
struct Device {
  std::optional<std::string> job{};
  std::optional<int> replica{};
  std::optional<int> task{};
  std::optional<DeviceType> type{};
  std::optional<int> index{};

  /// Parses a device string; "" gives the empty spec. Throws InvalidArgumentError on malformed text.
  static Device parse(std::string_view spec);
  static Device cpu(int index = 0) { return Device{{}, {}, {}, DeviceType::kCPU, index}; }
  static Device gpu(int index = 0) { return Device{{}, {}, {}, DeviceType::kGPU, index}; }

  /// True when no field is set.
  bool empty() const { return !job && !replica && !task && !type && !index; }
  /// Fields set in `other` override this one's (tf.DeviceSpec.make_merged_spec).
  Device merged_with(const Device& other) const;
  /// Canonical text; "" when empty.
  std::string to_string() const;

  bool operator==(const Device& other) const = default;
};

std::ostream& operator<<(std::ostream& os, const Device& device);

/// The canonical form of a device string ("/gpu:0" -> "/device:GPU:0"); "" stays "".
std::string canonical_device(std::string_view spec);

}  // namespace varscope
