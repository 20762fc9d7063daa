#pragma once
// Names of the metadata the CLI and the daemon exchange beside the messages (see daemon.proto).

namespace cedana::api {

inline constexpr const char* kProfilingKey = "cedana-profiling";
inline constexpr const char* kConfigKey = "cedana-config";
inline constexpr const char* kProfileTrailer = "cedana-profile-bin";

}  // namespace cedana::api
