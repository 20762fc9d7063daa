# The containerd plugin speaks containerd's gRPC API. Its definitions are compiled from the
# installed Debian package golang-github-containerd-containerd-dev (and gogo's, which they
# import, from golang-github-gogo-protobuf-dev), never copied into this repository.
#
# They import gogo.proto `weak`, which protoc's C++ generator refuses in the open-source
# runtime: a copy in the build tree imports it plainly, and is what protoc compiles.
set(CONTAINERD_GO_SOURCES "/usr/share/gocode/src" CACHE PATH "Where Debian's Go source packages are")
set(_ctd "github.com/containerd/containerd")
set(_gogo_root "${CONTAINERD_GO_SOURCES}/github.com/gogo/protobuf")
set(_ctd_protos
  api/types/descriptor.proto api/types/metrics.proto api/types/mount.proto api/types/platform.proto api/types/task/task.proto
  api/services/containers/v1/containers.proto api/services/tasks/v1/tasks.proto api/services/content/v1/content.proto
  api/services/images/v1/images.proto api/services/snapshots/v1/snapshots.proto api/services/leases/v1/leases.proto
  api/services/diff/v1/diff.proto api/services/version/v1/version.proto api/services/namespaces/v1/namespace.proto
  runtime/v2/runc/options/oci.proto)
if(NOT EXISTS "${CONTAINERD_GO_SOURCES}/${_ctd}/api/services/tasks/v1/tasks.proto" OR NOT EXISTS "${_gogo_root}/gogoproto/gogo.proto")
  message(FATAL_ERROR "containerd's API definitions are missing: apt-get install golang-github-containerd-containerd-dev "
                      "golang-github-gogo-protobuf-dev (scripts/install-deps.sh does)")
endif()

if(NOT Protobuf_INCLUDE_DIRS)
  message(FATAL_ERROR "protobuf's own definitions (google/protobuf/*.proto) were not found")
endif()
set(_ctd_src "${GEN_DIR}/containerd-api")
set(_ctd_out "${GEN_DIR}")
set(_ctd_names "")
set(_ctd_copies "")
set(_ctd_generated "")
foreach(_proto IN LISTS _ctd_protos)
  set(_from "${CONTAINERD_GO_SOURCES}/${_ctd}/${_proto}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_from}")
  file(READ "${_from}" _text)
  string(REGEX REPLACE "(^|\n)import weak " "\\1import " _text "${_text}")
  set(_to "${_ctd_src}/${_ctd}/${_proto}")
  if(EXISTS "${_to}")
    file(READ "${_to}" _old)
  else()
    set(_old "")
  endif()
  if(NOT _old STREQUAL _text)
    file(WRITE "${_to}" "${_text}")
  endif()
  list(APPEND _ctd_names "${_ctd}/${_proto}")
  list(APPEND _ctd_copies "${_to}")
  string(REGEX REPLACE "\\.proto$" "" _stem "${_ctd_out}/${_ctd}/${_proto}")
  list(APPEND _ctd_generated "${_stem}.pb.cc" "${_stem}.grpc.pb.cc")
endforeach()
list(APPEND _ctd_generated "${_ctd_out}/gogoproto/gogo.pb.cc")

add_custom_command(
  OUTPUT ${_ctd_generated}
  COMMAND protobuf::protoc --cpp_out=${_ctd_out} --grpc_out=${_ctd_out} --plugin=protoc-gen-grpc=${GRPC_CPP_PLUGIN}
          -I "${Protobuf_INCLUDE_DIRS}" -I "${_gogo_root}" -I "${_ctd_src}" "${_gogo_root}/gogoproto/gogo.proto" ${_ctd_names}
  WORKING_DIRECTORY "${_ctd_src}"
  DEPENDS ${_ctd_copies}
  COMMENT "Compiling containerd's API")

add_library(cedana_containerd_api STATIC ${_ctd_generated})
target_include_directories(cedana_containerd_api SYSTEM PUBLIC "${_ctd_out}")
target_link_libraries(cedana_containerd_api PUBLIC cedana_deps)
target_compile_options(cedana_containerd_api PRIVATE -w)
target_link_libraries(cedana_plugins PUBLIC cedana_containerd_api)
