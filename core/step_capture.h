// Capturing a whole run of a plan as device work (a CUDA graph) and replaying it.
//
// A run can be replayed when nothing it does on the host depends on values that change from run to
// run: every device step runs on one device that can capture; the host only runs pure steps whose
// inputs are constants or shapes (fixed for given feed shapes); values reach the device only as
// copies of feeds (refreshed before every replay) or of such fixed host values; nothing is copied
// back to the host before the run ends. analyze_capture() decides that when the plan is built.
//
// Session::run then captures the second run of a plan with given feed shapes (the first records the
// arena; the second is served from the planned buffer, so every address is fixed) and replays the
// capture from then on, as long as no variable has been given a new buffer since (Assign,
// Session::assign_variable, a restore). A capture that fails leaves no trace: the host state its
// kernels changed is put back and the run is done eagerly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/plan.h"
#include "varscope/tensor.h"

namespace varscope {

class DeviceSet;

/// Sets plan.capture_device, or plan.not_capturable to the reason naming the step at fault.
void analyze_capture(Plan& plan, const DeviceSet& devices);

/// How a replay finds one fetch.
struct CapturedFetch {
  enum class Kind : std::uint8_t { kDevice, kFeed, kHostValue, kVariable };
  Kind kind = Kind::kDevice;
  const void* device_data = nullptr;  // kDevice: the arena bytes the captured work writes
  DType dtype = DType::kInvalid;
  Shape shape{};
  int device = 0;
  int feed_slot = -1;              // kFeed
  Tensor host_value{};             // kHostValue: a value fixed for these feed shapes
  const Node* variable = nullptr;  // kVariable
};

struct CapturedRun {
  std::unique_ptr<CapturedWork> work;
  /// VariableValues::buffers_generation() when captured: any other value makes the capture stale.
  std::uint64_t generation = 0;
  /// The feeds of the run being replayed, read by the uploads the capture recorded.
  std::shared_ptr<std::vector<Tensor>> feeds;
  std::vector<CapturedFetch> fetches;
};

}  // namespace varscope
