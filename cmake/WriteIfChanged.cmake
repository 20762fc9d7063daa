# Writes CONTENT to PATH at configure time only when it differs from what is there, so that
# a re-configure rebuilds nothing that includes a generated file whose text is unchanged.
function(cedana_write_if_changed path content)
  set(_old "")
  if(EXISTS "${path}")
    file(READ "${path}" _old)
  endif()
  if(NOT _old STREQUAL content)
    file(WRITE "${path}" "${content}")
  endif()
endfunction()
