# varscope_status(<ON|OFF> <part> <detail>): one "✓ part: detail" or "✗ part: detail" line of the
# configure summary, one per optional part of the build.
include_guard(GLOBAL)

function(varscope_status ok part detail)
  if(ok)
    set(mark "✓")
  else()
    set(mark "✗")
  endif()
  message(STATUS "  ${mark} ${part}: ${detail}")
endfunction()
