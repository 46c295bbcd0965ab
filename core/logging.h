// Logging through the varscope logger: one spdlog logger named "varscope", writing to stderr.
//
// Its level comes from the environment variable VARSCOPE_LOG_LEVEL (trace, debug, info, warn,
// error, critical, off; default warn), read when the logger is first used. An application that
// registers its own spdlog logger named "varscope" before that gets it used instead. Device
// information is logged once at info; nothing is logged per element or per kernel above trace.
//
// This header is deliberately free of spdlog and fmt (each costs seconds of compile time in every
// file that includes it): callers pass finished messages. core/spdlog_logger.h gives the logger
// itself, for code that configures it (tests capture messages through a sink).
#pragma once

#include <string_view>

namespace varscope {

enum class LogLevel { kTrace, kDebug, kInfo, kWarning, kError, kCritical };

/// True when a message at `level` would be written: build costly messages only then.
bool log_enabled(LogLevel level) noexcept;

/// Writes `message` at `level`. Never throws (a failing sink loses the message), so destructors and
/// error paths may log.
void log_message(LogLevel level, std::string_view message) noexcept;

inline void log_info(std::string_view message) noexcept { log_message(LogLevel::kInfo, message); }
inline void log_warning(std::string_view message) noexcept {
  log_message(LogLevel::kWarning, message);
}
inline void log_error(std::string_view message) noexcept {
  log_message(LogLevel::kError, message);
}

}  // namespace varscope
