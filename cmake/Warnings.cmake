# Compiler warnings for varscope's own targets: -Wall -Wextra always, -Werror with VARSCOPE_WERROR.
# Applied per target (never globally), so third-party code is not held to them. nvcc gets the same
# flags for the host compiler, and -Werror all-warnings for its own diagnostics.
include_guard(GLOBAL)

option(VARSCOPE_WERROR "Treat compiler warnings as errors (CI turns this on)" OFF)

function(varscope_target_warnings target)
  target_compile_options(${target} PRIVATE
    "$<$<COMPILE_LANGUAGE:CXX>:-Wall;-Wextra>"
    "$<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra>")
  if(VARSCOPE_WERROR)
    target_compile_options(${target} PRIVATE
      "$<$<COMPILE_LANGUAGE:CXX>:-Werror>"
      "$<$<COMPILE_LANGUAGE:CUDA>:-Werror=all-warnings;-Xcompiler=-Werror>")
  endif()
endfunction()
