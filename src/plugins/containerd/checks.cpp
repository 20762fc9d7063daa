#include "plugins/containerd/checks.hpp"

#include <fmt/format.h>

#include "plugins/containerd/client.hpp"
#include "plugins/containerd/settings.hpp"
#include "util/error.hpp"
#include "util/subprocess.hpp"

namespace cedana::plugins::containerd {

using health::Result;
using health::Severity;

namespace {

// containerd starts this binary for every task of runtime io.containerd.runc.v2.
constexpr const char* kShim = "containerd-shim-runc-v2";

}  // namespace

health::Section containerd_checks(const config::Config& config, const health::CheckOptions&) {
    health::Section section;
    const std::string address = address_of(config);
    Client client(address, kDefaultNamespace);
    try {
        const auto v = client.version();
        section.results.push_back({"Address", address, Severity::ok, ""});
        section.results.push_back({"Version", fmt::format("{} ({})", v.version, v.revision), Severity::ok, ""});
    } catch (const Error&) {
        // Nothing running at containerd's own default is a machine without containerd in use:
        // only its containers need it. An address someone set is meant to answer.
        const bool configured = address != kDefaultAddress;
        section.results.push_back({"Address", address + ": not reachable", configured ? Severity::error : Severity::warning,
                                   configured ? "start containerd there, or correct containerd.address (CEDANA_CONTAINERD_ADDRESS)"
                                              : "containerd containers need containerd running; set containerd.address "
                                                "(CEDANA_CONTAINERD_ADDRESS) if it listens elsewhere"});
        return section;
    }
    const std::string shim = util::find_program(kShim);
    if (shim.empty()) {
        section.results.push_back({"Runtime", "io.containerd.runc.v2: " + std::string(kShim) + " not in PATH", Severity::error,
                                   "install containerd's runc shim (Debian: containerd)"});
    } else {
        section.results.push_back({"Runtime", "io.containerd.runc.v2 (" + shim + ")", Severity::ok, ""});
    }
    try {
        section.results.push_back({"Namespace", fmt::format("{} ({})", kDefaultNamespace, client.namespace_exists() ? "exists" : "made on first use"),
                                   Severity::ok, ""});
    } catch (const Error& e) {
        section.results.push_back({"Namespace", fmt::format("{}: {}", kDefaultNamespace, e.what()), Severity::error, "check containerd's log"});
    }
    return section;
}

}  // namespace cedana::plugins::containerd
