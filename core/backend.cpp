// The defaults of Backend's optional parts: an upload through a host buffer, and no capture.
#include "core/backend.h"

#include <vector>

#include "varscope/error.h"

namespace varscope {

void Backend::upload_each_run(void* device_dst, std::size_t bytes,
                              std::function<void(void*)> fill) {
  std::vector<std::byte> staging(bytes);
  fill(staging.data());
  copy_from_host(device_dst, staging.data(), bytes);
}

void Backend::begin_capture() { throw InternalError(name() + " cannot capture work"); }

std::unique_ptr<CapturedWork> Backend::end_capture(std::string&) {
  throw InternalError(name() + " cannot capture work");
}

}  // namespace varscope
