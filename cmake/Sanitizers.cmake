# Sanitizer and fuzzing builds (scripts/sanitize makes them; CI runs it after the main suite).
# The flags apply to every C++ target of such a build, so the library and the tests are instrumented
# alike. They are CPU-only builds: nvcc-compiled code cannot be instrumented.
#
#   VARSCOPE_SANITIZE="address,undefined"   AddressSanitizer + UndefinedBehaviorSanitizer
#   VARSCOPE_SANITIZE="thread"              ThreadSanitizer
#   VARSCOPE_BUILD_FUZZERS=ON               libFuzzer targets (tests/fuzz/; Clang only), with
#                                           coverage instrumentation of the whole library
include_guard(GLOBAL)

set(VARSCOPE_SANITIZE "" CACHE STRING
    "Sanitizers for every C++ target, as -fsanitize= takes them (address,undefined / thread); empty: none")
option(VARSCOPE_BUILD_FUZZERS "Build the libFuzzer targets of tests/fuzz/ (needs Clang)" OFF)

if(VARSCOPE_SANITIZE OR VARSCOPE_BUILD_FUZZERS)
  if(VARSCOPE_WITH_CUDA)
    message(FATAL_ERROR "varscope: sanitizer and fuzzing builds are CPU-only: add -DVARSCOPE_WITH_CUDA=OFF")
  endif()
endif()

if(VARSCOPE_SANITIZE)
  # Stop at the first report (a test must fail, not print and pass); frame pointers for the stacks.
  add_compile_options(
    "$<$<COMPILE_LANGUAGE:CXX>:-fsanitize=${VARSCOPE_SANITIZE};-fno-sanitize-recover=all;-fno-omit-frame-pointer>")
  add_link_options("-fsanitize=${VARSCOPE_SANITIZE}")
endif()

if(VARSCOPE_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "varscope: VARSCOPE_BUILD_FUZZERS needs Clang (libFuzzer), not "
                        "${CMAKE_CXX_COMPILER_ID}: configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage feedback from the readers and everything they call; the fuzz programs add libFuzzer's
  # main (-fsanitize=fuzzer) at link time.
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link>")
endif()

function(varscope_sanitizers_status)
  if(VARSCOPE_SANITIZE)
    varscope_status(ON "sanitizers" "-fsanitize=${VARSCOPE_SANITIZE}")
  endif()
  if(VARSCOPE_BUILD_FUZZERS)
    varscope_status(ON "fuzzers" "libFuzzer (tests/fuzz/), ctest -L fuzz")
  endif()
endfunction()
