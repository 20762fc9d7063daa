#include "plugins/containerd/settings.hpp"

#include <regex>

#include "config/schema.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {

void add_config_fields() {
    config::add_field({"containerd", "address", config::Kind::string, kDefaultAddress});
}

std::string address_of(const config::Config& config) {
    const auto section = config.document.find("containerd");
    if (section == config.document.end() || !section->is_object()) return kDefaultAddress;
    const std::string address = section->value("address", "");
    return address.empty() ? kDefaultAddress : address;
}

std::string namespace_of(const Details& details) {
    std::string ns = detail(details, "namespace");
    if (ns.empty()) return kDefaultNamespace;
    // containerd's rule for namespace names (namespaces.Validate): labels of letters, digits,
    // '-' and '_', joined by dots, each starting and ending with a letter or digit.
    static const std::regex valid(R"(^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?)*$)");
    if (ns.size() > 76 || !std::regex_match(ns, valid)) {
        fail(ErrorKind::invalid_argument, "--namespace {}: not a containerd namespace name (letters, digits, '-', '_' and dots)", ns);
    }
    return ns;
}

}  // namespace cedana::plugins::containerd
