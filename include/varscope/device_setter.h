// Device functions that place variables apart from the ops that use them.
#pragma once

#include <string>
#include <vector>

#include "varscope/graph.h"

namespace varscope {

/// tf.train.replica_device_setter on one machine: a device function (for DeviceScope) that puts each
/// new variable on the next of `variable_devices` in turn (round robin; shards of a partitioned
/// variable thus spread over them) and every other op on `op_device` ("" leaves it unconstrained).
/// A device a node already has (from an inner scope) wins, field by field, as in TF. Throws
/// InvalidArgumentError for an empty list or a malformed device.
///
///   DeviceScope params{variable_device_setter({"/cpu:0"}, "/gpu:0")};  // variables on the host
DeviceFunction variable_device_setter(const std::vector<std::string>& variable_devices,
                                      const std::string& op_device = "");

}  // namespace varscope
