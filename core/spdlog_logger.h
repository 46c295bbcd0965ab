// The spdlog logger behind core/logging.h, for code that configures it: its level, its sinks (tests
// add a ring-buffer sink to read what was logged). Everything else logs through core/logging.h.
#pragma once

#include <spdlog/spdlog.h>

namespace varscope {

/// The process-wide "varscope" logger, created on first use (thread-safe).
spdlog::logger& logger();

}  // namespace varscope
