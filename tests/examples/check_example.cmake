# Runs one example program and compares its standard output with the expected text, which is what
# TensorFlow 1 prints for the equivalent Python program (tests/examples/<name>.py, kept for
# reference and never run here). On a mismatch it shows a unified diff and fails.
#
#   cmake -DPROGRAM=<path> -DEXPECTED=<file> -DACTUAL=<file> -P check_example.cmake
foreach(var PROGRAM EXPECTED ACTUAL)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_example.cmake: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND "${PROGRAM}" OUTPUT_VARIABLE actual ERROR_VARIABLE errors RESULT_VARIABLE rc)
file(WRITE "${ACTUAL}" "${actual}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}:\n${errors}\nits output so far:\n${actual}")
endif()

file(READ "${EXPECTED}" expected)
if(NOT actual STREQUAL expected)
  message("${PROGRAM}: output differs from ${EXPECTED} (- TensorFlow, + ours):")
  find_program(DIFF diff)
  if(DIFF)
    execute_process(COMMAND "${DIFF}" -u "${EXPECTED}" "${ACTUAL}")  # to ctest's output as it is
  else()
    message("expected:\n${expected}\nactual:\n${actual}")
  endif()
  message(FATAL_ERROR "${PROGRAM}: output differs from ${EXPECTED}")
endif()
message(STATUS "${PROGRAM}: output matches ${EXPECTED}")
