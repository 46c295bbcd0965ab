// SourceLocation: where a call was made (get_variable's caller, for "already exists" messages).
// It is std::source_location where the standard library has it; where it does not (Clang 14 with
// libstdc++ 12, the compiler of the fuzzers), a class with the same interface built on the
// __builtin_FILE/FUNCTION/LINE intrinsics that GCC and Clang both provide.
#pragma once

#include <version>

#if defined(__cpp_lib_source_location)
#include <source_location>

namespace varscope {
using SourceLocation = std::source_location;
}  // namespace varscope

#else
#include <cstdint>

namespace varscope {

class SourceLocation {
 public:
  /// The caller's location, when used as a default argument (as std::source_location::current()).
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          const char* function = __builtin_FUNCTION(),
                                          std::uint_least32_t line = __builtin_LINE()) noexcept {
    SourceLocation location;
    location.file_ = file;
    location.function_ = function;
    location.line_ = line;
    return location;
  }

  constexpr SourceLocation() noexcept = default;
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }
  /// Unknown without std::source_location: 0.
  constexpr std::uint_least32_t column() const noexcept { return 0; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  std::uint_least32_t line_ = 0;
};

}  // namespace varscope

#endif
