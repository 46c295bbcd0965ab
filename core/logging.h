// The varscope logger: one spdlog logger named "varscope", writing to stderr.
//
// Its level comes from the environment variable VARSCOPE_LOG_LEVEL (trace, debug, info, warn,
// error, critical, off; default warn), read when the logger is first used. An application that
// registers its own spdlog logger named "varscope" before that gets it used instead. Device
// information is logged once at info; nothing is logged per element or per kernel above trace.
//
// Never include this from a .cu file (nvcc and spdlog/fmt do not mix well); log from the .cpp side.
#pragma once

#include <spdlog/spdlog.h>

namespace varscope {

/// The process-wide "varscope" logger, created on first use (thread-safe).
spdlog::logger& logger();

}  // namespace varscope
