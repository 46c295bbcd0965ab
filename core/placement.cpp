#include "core/placement.h"

#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <string>

#include "core/logging.h"
#include "core/op_def.h"
#include "varscope/error.h"

namespace varscope {
namespace {

// Each cause is logged once per process: a training loop would otherwise warn every step.
void warn_once(const std::string& key, const std::string& message) {
  static std::mutex mutex;
  static std::set<std::string> seen;
  {
    std::lock_guard lock(mutex);
    if (!seen.insert(key).second) return;
  }
  log_warning(message);
}

// Union-find over node indices.
class Groups {
 public:
  explicit Groups(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), std::size_t{0}); }
  std::size_t find(std::size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  // The smaller index (the earlier node) stays the root, so a group's first node is its root.
  void join(std::size_t a, std::size_t b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<std::size_t> parent_;
};

}  // namespace

std::unordered_map<const Node*, NodePlacement> place_nodes(const std::vector<Node*>& nodes,
                                                           const DeviceSet& devices,
                                                           const PlacementOptions& options) {
  std::unordered_map<const Node*, std::size_t> index;
  std::map<std::string, std::size_t, std::less<>> by_name;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    index.emplace(nodes[i], i);
    by_name.emplace(nodes[i]->name(), i);
  }

  Groups groups(nodes.size());
  std::map<std::string, std::size_t> first_in_group;
  const OpRegistry& ops = OpRegistry::global();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = *nodes[i];
    for (const std::string& group : node.colocation_groups()) {
      auto [it, inserted] = first_in_group.emplace(group, i);
      if (!inserted) groups.join(it->second, i);
      // "loc:@v" also names the node v itself.
      if (group.starts_with("loc:@")) {
        if (auto named = by_name.find(std::string_view(group).substr(5)); named != by_name.end())
          groups.join(named->second, i);
      }
    }
    if (const OpDef* def = ops.find(node.op())) {
      for (int k : def->ref_inputs) {
        if (k < static_cast<int>(node.inputs().size())) {
          if (auto it = index.find(node.inputs()[static_cast<std::size_t>(k)].node); it != index.end())
            groups.join(it->second, i);
        }
      }
    }
  }

  // The members of each group, in id order; the root is the first.
  std::map<std::size_t, std::vector<std::size_t>> members;
  for (std::size_t i = 0; i < nodes.size(); ++i) members[groups.find(i)].push_back(i);

  const KernelRegistry& kernels = devices.kernels();
  const int cpu = 0;
  const int best = devices.size() > 1 ? devices.size() - 1 : cpu;  // the GPU when there is one
  std::unordered_map<const Node*, NodePlacement> placement;

  for (const auto& [root, group] : members) {
    // The group's request: the first explicit device among its members, else the session's.
    const Node* requester = nullptr;
    Device requested;
    for (std::size_t i : group) {
      const Device d = Device::parse(nodes[i]->device());
      if (d.type) {
        requester = nodes[i];
        requested = d;
        break;
      }
    }
    const bool explicit_request = requester != nullptr;
    if (!explicit_request) requested = options.default_device;
    const Node& first = *nodes[group.front()];
    if (!requester) requester = &first;

    int target = requested.type ? devices.find(*requested.type, requested.index.value_or(0)) : best;
    if (target < 0) {
      const std::string wanted = requested.to_string();
      const std::string what = explicit_request ? "Operation was explicitly assigned to " + wanted
                                                : "The session's device is " + wanted;
      if (!options.allow_soft_placement) {
        throw InvalidArgumentError("Cannot assign a device for operation " + requester->name() + ": " + what +
                                   " but available devices are " + devices.describe() +
                                   ". Make sure the device specification refers to a valid device.");
      }
      warn_once("device " + wanted, "Device " + wanted + " requested by node '" + requester->name() +
                                        "' is not available (devices: " + devices.describe() +
                                        "); such nodes run on the CPU (soft placement)");
      target = cpu;
    }

    // Every member needs a kernel there (a fed Placeholder needs none).
    const auto kernel_for = [&](const Node& node, int device) -> const KernelDef* {
      return kernels.find(node.op(), *devices.device(device).type, kernel_dtype(node));
    };
    if (target != cpu) {
      for (std::size_t i : group) {
        const Node& node = *nodes[i];
        if (node.op() == "Placeholder" || kernel_for(node, target)) continue;
        const std::string device_name = std::string(device_type_name(*devices.device(target).type));
        const std::string dtype = std::string(dtype_name(kernel_dtype(node)));
        if (!options.allow_soft_placement) {
          throw InvalidArgumentError("Cannot assign a device for operation " + node.name() +
                                     ": Could not satisfy device specification '" +
                                     full_device_name(devices.device(target)) + "' because no supported kernel for " +
                                     device_name + " devices is available (op " + node.op() + ", dtype " +
                                     dtype + ")");
        }
        warn_once("kernel " + node.op() + " " + dtype + " " + device_name,
                  "No " + device_name + " kernel for op " + node.op() + " (dtype " + dtype + "): node '" +
                      node.name() + "'" + (group.size() > 1 ? " and the nodes colocated with it run" : " runs") +
                      " on the CPU (soft placement); this warning is shown once per op");
        target = cpu;
        break;
      }
    }

    for (std::size_t i : group) {
      const Node& node = *nodes[i];
      NodePlacement& p = placement[&node];
      p.device = target;
      if (node.op() == "Placeholder") {
        p.device = cpu;  // a fed value arrives in host memory
        continue;
      }
      p.kernel = kernel_for(node, target);
      if (p.kernel && p.kernel->on_host) {  // shape arithmetic: the CPU kernel, on the host
        p.device = cpu;
        p.kernel = kernel_for(node, cpu);
      }
      if (!p.kernel) {
        const DType dtype = kernel_dtype(node);
        throw UnimplementedError("No kernel registered for op '" + node.op() + "' (dtype " +
                                 std::string(dtype_name(dtype)) + ") on device " +
                                 std::string(device_type_name(*devices.device(p.device).type)) +
                                 ", needed by node '" + node.name() + "'");
      }
    }
  }
  return placement;
}

}  // namespace varscope
