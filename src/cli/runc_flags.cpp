#include "cli/runc_flags.hpp"

namespace cedana::cli {

void add_runc_flags(CLI::App& cmd, RuncFlagValues& v) {
    cmd.add_option("--root", v.root, "runc root directory");
    cmd.add_flag("--detach", v.detach, "detach from the container");
    cmd.add_option("--console-socket", v.console_socket, "socket to send the console's pty to");
    cmd.add_flag("--no-pivot", v.no_pivot, "do not use pivot_root");
    cmd.add_flag("--no-new-keyring", v.no_new_keyring, "do not create a new session keyring");
    cmd.add_flag("--no-subreaper", v.no_subreaper, "do not become a subreaper");
    cmd.add_option("--rootless", v.rootless, "true, false or auto")->check(CLI::IsMember({"true", "false", "auto"}));
    cmd.add_flag("--systemd-cgroup", v.systemd_cgroup, "use systemd cgroups");
    cmd.add_option("--log", v.log, "runc log file");
    cmd.add_option("--log-format", v.log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
}

}  // namespace cedana::cli
