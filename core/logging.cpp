#include "core/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <string>

#include "core/spdlog_logger.h"

namespace varscope {
namespace {

constexpr const char* kLoggerName = "varscope";
constexpr const char* kLevelVariable = "VARSCOPE_LOG_LEVEL";

std::shared_ptr<spdlog::logger> make_logger() {
  std::shared_ptr<spdlog::logger> logger = spdlog::get(kLoggerName);
  if (!logger) {
    logger = std::make_shared<spdlog::logger>(
        kLoggerName, std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    logger->set_level(spdlog::level::warn);
    spdlog::register_logger(logger);
  }
  // The environment overrides the default, and the level of an application's own logger only when
  // set.
  const char* text = std::getenv(kLevelVariable);
  if (text == nullptr || *text == '\0') return logger;
  std::string name(text);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // spdlog::level::from_str maps anything it does not know to "off", which would silence a typo.
  const spdlog::level::level_enum level = spdlog::level::from_str(name);
  if (level == spdlog::level::off && name != "off") {
    logger->warn("{}='{}' is not a log level (trace, debug, info, warn, error, critical, off)",
                 kLevelVariable, text);
  } else {
    logger->set_level(level);
  }
  return logger;
}

}  // namespace

spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = make_logger();
  return *instance;
}

namespace {

spdlog::level::level_enum spdlog_level(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarning: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kCritical: return spdlog::level::critical;
  }
  return spdlog::level::critical;
}

}  // namespace

bool log_enabled(LogLevel level) noexcept {
  try {
    return logger().should_log(spdlog_level(level));
  } catch (...) {
    return false;
  }
}

void log_message(LogLevel level, std::string_view message) noexcept {
  try {
    logger().log(spdlog_level(level), message);
  } catch (...) {  // nothing left to tell it to
  }
}

}  // namespace varscope
