# gRPC, protobuf and abseil linked from Debian's static archives instead of their ~70 shared
# libraries. Loading and relocating those libraries was most of a CLI command's start-up
# (~8 ms of ~13 ms) and ~6 MiB of the idle daemon's resident memory. The "unsecure" gRPC
# flavour leaves out TLS, which cedana does not use (UNIX, VSOCK and plain TCP), and with it
# OpenSSL. Defines the target cedana_grpc.

pkg_check_modules(GRPC_UNSECURE REQUIRED grpc++_unsecure)

# Debian's grpc++_unsecure.pc lists gRPC's own archives and abseil's; upb, re2, c-ares and
# address_sorting only come in through Requires.private of the shared build, so they are
# named here.
set(_cedana_static_names grpc++_unsecure grpc_unsecure upb re2 cares address_sorting gpr protobuf)
foreach(_name IN LISTS GRPC_UNSECURE_STATIC_LIBRARIES)
  if(_name MATCHES "^absl_")
    list(APPEND _cedana_static_names ${_name})
  endif()
endforeach()
list(REMOVE_DUPLICATES _cedana_static_names)

set(_cedana_static_archives)
foreach(_name IN LISTS _cedana_static_names)
  find_library(CEDANA_STATIC_${_name} NAMES lib${_name}.a REQUIRED)
  list(APPEND _cedana_static_archives "${CEDANA_STATIC_${_name}}")
endforeach()

add_library(cedana_grpc INTERFACE)
# One group: the archives depend on each other in cycles (gRPC <-> abseil, protobuf <-> abseil).
target_link_libraries(cedana_grpc INTERFACE
  "$<LINK_GROUP:RESCAN,${_cedana_static_archives}>" Threads::Threads atomic ${CMAKE_DL_LIBS} rt m)
target_include_directories(cedana_grpc SYSTEM INTERFACE ${GRPC_UNSECURE_INCLUDE_DIRS} ${Protobuf_INCLUDE_DIRS})
