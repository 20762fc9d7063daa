# The libraries cedana uses, linked from Debian's static archives instead of ~70 shared
# libraries. The dynamic loader resolving the C++ symbols of gRPC, abseil, protobuf and
# libstdc++ across those libraries was most of a CLI command's start-up (~9 of ~13 ms) and
# ~7 MiB of the idle daemon's resident memory; every command pays it twice in a dump and
# restore. Only glibc stays shared. gRPC is its secure flavour, with OpenSSL's libssl and
# libcrypto, for TLS to and from a TCP daemon (transport/tls_credentials.hpp). The price: a
# security fix in one of these libraries (OpenSSL's above all) needs a rebuild of cedana, as
# with any static binary.
#
# Defines cedana_deps (what cedana_core links) and, through the link options, applies
# itself to every executable of the project.

pkg_check_modules(GRPC REQUIRED grpc++)

# Debian's grpc++.pc lists gRPC's own archives and abseil's; upb, re2, c-ares and
# address_sorting only come in through Requires.private of the shared build, so they are
# named here.
set(_cedana_static_names
  grpc++ grpc upb re2 cares address_sorting gpr protobuf ssl crypto
  archive sqlite3 zstd lz4 xxhash fuse3 pugixml z)
foreach(_name IN LISTS GRPC_STATIC_LIBRARIES)
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

add_library(cedana_deps INTERFACE)
# One group: the archives depend on each other in cycles (gRPC <-> abseil, protobuf <-> abseil).
target_link_libraries(cedana_deps INTERFACE
  "$<LINK_GROUP:RESCAN,${_cedana_static_archives}>" Threads::Threads ${CMAKE_DL_LIBS} rt m
  CLI11::CLI11 nlohmann_json::nlohmann_json fmt::fmt-header-only)
target_include_directories(cedana_deps INTERFACE ${FUSE3_INCLUDE_DIRS})
# spdlog and fmt as headers: Debian ships them only as shared C++ libraries, which would
# bring back a second, shared libstdc++.
target_compile_definitions(cedana_deps INTERFACE SPDLOG_FMT_EXTERNAL)
target_include_directories(cedana_deps SYSTEM INTERFACE ${GRPC_INCLUDE_DIRS} ${Protobuf_INCLUDE_DIRS})

# libstdc++ and libgcc in the binary; unused sections dropped, which also drops the writers
# of libarchive's formats cedana never writes (7-Zip, XAR) with their references to liblzma,
# libbz2 and libxml2.
add_link_options(-static-libstdc++ -static-libgcc -Wl,--gc-sections -Wl,--as-needed)
