#pragma once
// The runc flags `run runc` and `restore runc` (and `restore job`) share, as runc names them.

#include <string>

#include <CLI/CLI.hpp>

namespace cedana::cli {

struct RuncFlagValues {
    std::string root;
    bool detach = false;
    std::string console_socket;
    bool no_pivot = false;
    bool no_new_keyring = false;
    bool no_subreaper = false;
    std::string rootless;
    bool systemd_cgroup = false;
    std::string log;
    std::string log_format;
};

void add_runc_flags(CLI::App& cmd, RuncFlagValues& v);

}  // namespace cedana::cli
