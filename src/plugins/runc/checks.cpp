#include "plugins/runc/checks.hpp"

#include <unistd.h>

#include <filesystem>

#include "plugins/runc/network_lock.hpp"
#include "plugins/runc/runtime.hpp"
#include "util/subprocess.hpp"

namespace cedana::plugins::runc {

namespace fs = std::filesystem;
using health::Result;
using health::Severity;

namespace {

// The root, or the nearest directory above it that exists (runc creates the rest).
Result state_root() {
    fs::path dir = kDefaultRoot;
    std::error_code ec;
    while (!fs::exists(dir, ec) && dir.has_parent_path() && dir != dir.parent_path()) dir = dir.parent_path();
    if (::access(dir.c_str(), W_OK) == 0) return {"State root", kDefaultRoot, Severity::ok, ""};
    return {"State root", std::string(kDefaultRoot) + " not writable", Severity::error,
            "run the daemon as root, or pass --root to a directory it can write"};
}

}  // namespace

health::Section runc_checks(const config::Config&, const health::CheckOptions&) {
    health::Section section;
    const std::string binary = find_runc();
    if (binary.empty()) {
        section.results.push_back({"Binary", "not found in PATH", Severity::error, "install runc (apt-get install runc)"});
        return section;
    }
    section.results.push_back({"Binary", binary, Severity::ok, ""});
    if (const auto version = runc_version(binary)) {
        section.results.push_back({"Version", *version, Severity::ok, ""});
    } else {
        section.results.push_back({"Version", "does not answer `runc --version`", Severity::error, "reinstall runc"});
    }
    section.results.push_back(state_root());
    if (!util::find_program("iptables-restore").empty()) {
        section.results.push_back({"Network lock", "iptables", Severity::ok, ""});
    } else {
        section.results.push_back({"Network lock", std::string(network_lock_name(false)) + " (nftables with --tcp-established)", Severity::ok,
                                   "iptables-restore is missing, which CRIU's default lock needs; cedana locks without it"});
    }
    return section;
}

}  // namespace cedana::plugins::runc
