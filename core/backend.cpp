// The defaults of Backend's optional parts: an upload through a host buffer, marks on the host
// clock, and no capture.
#include "core/backend.h"

#include <chrono>
#include <vector>

#include "varscope/error.h"

namespace varscope {

void Backend::upload_each_run(void* device_dst, std::size_t bytes,
                              std::function<void(void*)> fill) {
  std::vector<std::byte> staging(bytes);
  fill(staging.data());
  copy_from_host(device_dst, staging.data(), bytes);
}

namespace {

class HostClockMark final : public QueueMark {
 public:
  double ms_since(const QueueMark& earlier) const override {
    const auto& start = static_cast<const HostClockMark&>(earlier);
    return std::chrono::duration<double, std::milli>(time_ - start.time_).count();
  }

 private:
  std::chrono::steady_clock::time_point time_ = std::chrono::steady_clock::now();
};

}  // namespace

std::unique_ptr<QueueMark> Backend::mark_queue() { return std::make_unique<HostClockMark>(); }

void Backend::begin_capture() { throw InternalError(name() + " cannot capture work"); }

std::unique_ptr<CapturedWork> Backend::end_capture(std::string&) {
  throw InternalError(name() + " cannot capture work");
}

}  // namespace varscope
