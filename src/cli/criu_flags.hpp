#pragma once
// The CRIU flags `dump` and `restore` share, bound to their API message.

#include <CLI/CLI.hpp>

#include "cedana/daemon/v1/daemon.pb.h"

namespace cedana::cli {

// Storage for the flags until the command runs; to_proto() fills the request.
struct CriuFlagValues {
    bool leave_running = false;
    bool shell_job = false;
    bool tcp_established = false;
    bool skip_in_flight = false;
    bool file_locks = false;
    bool link_remap = false;
    bool tcp_close = false;
    bool leave_stopped = false;
    std::vector<std::string> external;
    std::string criu_opts;

    [[nodiscard]] cedana::daemon::v1::CriuFlags to_proto() const;
};

// The flags both commands take.
void add_common_criu_flags(CLI::App& cmd, CriuFlagValues& v);

}  // namespace cedana::cli
