#pragma once
// Names of the metadata the CLI and the daemon exchange beside the messages (see daemon.proto).

namespace cedana::api {

inline constexpr const char* kProfilingKey = "cedana-profiling";
inline constexpr const char* kConfigKey = "cedana-config";
inline constexpr const char* kProfileTrailer = "cedana-profile-bin";
// A request the CLI may ask the progress of (Progress); an id it made up.
inline constexpr const char* kRequestIdKey = "cedana-request-id";
// What a request moved, for the CLI's summary line: "WHAT\tBYTES\tMILLISECONDS" (binary
// metadata: gRPC refuses a tab in a text value).
inline constexpr const char* kTransferTrailer = "cedana-transfer-bin";

}  // namespace cedana::api
