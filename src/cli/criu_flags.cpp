#include "cli/criu_flags.hpp"

namespace cedana::cli {

cedana::daemon::v1::CriuFlags CriuFlagValues::to_proto() const {
    cedana::daemon::v1::CriuFlags f;
    f.set_leave_running(leave_running);
    f.set_shell_job(shell_job);
    f.set_tcp_established(tcp_established);
    f.set_skip_in_flight(skip_in_flight);
    f.set_file_locks(file_locks);
    f.set_link_remap(link_remap);
    f.set_tcp_close(tcp_close);
    f.set_leave_stopped(leave_stopped);
    for (const auto& e : external) f.add_external(e);
    f.set_criu_opts_json(criu_opts);
    return f;
}

void add_common_criu_flags(CLI::App& cmd, CriuFlagValues& v) {
    cmd.add_flag("--shell-job", v.shell_job, "the process was started from a shell (found by itself; this forces it)");
    cmd.add_flag("--tcp-established", v.tcp_established, "checkpoint/restore established TCP connections");
    cmd.add_flag("--file-locks", v.file_locks, "checkpoint/restore file locks");
    cmd.add_flag("--link-remap", v.link_remap, "allow linked remaps of deleted files");
    cmd.add_option("--external", v.external, "an external resource, as CRIU's --external (repeatable)");
    cmd.add_option("--criu-opts", v.criu_opts, "CRIU options as JSON by name, e.g. '{\"tcp_close\": true}'; override the flags");
}

}  // namespace cedana::cli
