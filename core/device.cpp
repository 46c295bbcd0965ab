#include "varscope/device.h"

#include <cctype>
#include <charconv>
#include <vector>

#include "varscope/error.h"

namespace varscope {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(sep, start);
    parts.push_back(
        s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

std::optional<DeviceType> device_type_from(std::string_view text) {
  const std::string u = upper(text);
  if (u == "CPU") return DeviceType::kCPU;
  if (u == "GPU") return DeviceType::kGPU;
  return std::nullopt;
}

[[noreturn]] void malformed(std::string_view spec, const std::string& why) {
  throw InvalidArgumentError("Malformed device specification '" + std::string(spec) + "': " + why);
}

int parse_index(std::string_view spec, std::string_view field, std::string_view text) {
  int value = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    malformed(spec,
              std::string(field) + " '" + std::string(text) + "' is not a non-negative integer");
  }
  return value;
}

// "*" is TF's wildcard: the field stays unset.
std::optional<int> parse_optional_index(std::string_view spec, std::string_view field,
                                        std::string_view text) {
  if (text == "*") return std::nullopt;
  return parse_index(spec, field, text);
}

}  // namespace

std::string_view device_type_name(DeviceType type) {
  return type == DeviceType::kGPU ? "GPU" : "CPU";
}

// Mirrors tf.DeviceSpec.from_string, with device types limited to the ones varscope runs on.
Device Device::parse(std::string_view spec) {
  Device d;
  bool type_seen = false;
  for (std::string_view part : split(spec, '/')) {
    if (part.empty()) continue;
    const std::vector<std::string_view> f = split(part, ':');
    const auto set_once = [&](auto& field, auto value, std::string_view what) {
      if (field) malformed(spec, std::string(what) + " is given twice");
      field = value;
    };
    if (f.size() == 2 && f[0] == "job") {
      if (f[1].empty()) malformed(spec, "empty job name");
      set_once(d.job, std::string(f[1]), "job");
    } else if (f.size() == 2 && f[0] == "replica") {
      set_once(d.replica, parse_index(spec, "replica", f[1]), "replica");
    } else if (f.size() == 2 && f[0] == "task") {
      set_once(d.task, parse_index(spec, "task", f[1]), "task");
    } else if ((f.size() == 1 || f.size() == 2) && f[0] != "device" && device_type_from(f[0])) {
      // Legacy "/cpu:0", "/gpu:1", or "GPU:0" / "GPU".
      if (type_seen) malformed(spec, "more than one device type");
      type_seen = true;
      d.type = device_type_from(f[0]);
      if (f.size() == 2) d.index = parse_optional_index(spec, "device index", f[1]);
    } else if ((f.size() == 2 || f.size() == 3) && f[0] == "device") {
      if (type_seen) malformed(spec, "more than one device type");
      type_seen = true;
      if (f[1] != "*") {
        d.type = device_type_from(f[1]);
        if (!d.type)
          malformed(spec, "unknown device type '" + std::string(f[1]) + "' (expected CPU or GPU)");
      }
      if (f.size() == 3) d.index = parse_optional_index(spec, "device index", f[2]);
    } else {
      malformed(spec, "unknown attribute '" + std::string(part) + "'");
    }
  }
  return d;
}

Device Device::merged_with(const Device& other) const {
  Device d = *this;
  if (other.job) d.job = other.job;
  if (other.replica) d.replica = other.replica;
  if (other.task) d.task = other.task;
  if (other.type) d.type = other.type;
  if (other.index) d.index = other.index;
  return d;
}

std::string Device::to_string() const {
  std::string s;
  if (job) s += "/job:" + *job;
  if (replica) s += "/replica:" + std::to_string(*replica);
  if (task) s += "/task:" + std::to_string(*task);
  if (type || index) {
    s += "/device:";
    s += type ? std::string(device_type_name(*type)) : "*";
    s += ":" + (index ? std::to_string(*index) : std::string("*"));
  }
  return s;
}

std::ostream& operator<<(std::ostream& os, const Device& device) {
  return os << device.to_string();
}

std::string canonical_device(std::string_view spec) { return Device::parse(spec).to_string(); }

}  // namespace varscope
