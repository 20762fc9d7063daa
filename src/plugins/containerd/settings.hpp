#pragma once
// Where containerd is and which of its namespaces a request is about: containerd.address
// in the configuration (CEDANA_CONTAINERD_ADDRESS), default containerd's own socket; the
// request's --namespace, default containerd's "default".

#include <string>

#include "config/config.hpp"
#include "plugins/runc/details.hpp"

namespace cedana::plugins::containerd {

inline constexpr const char* kDefaultAddress = "/run/containerd/containerd.sock";
inline constexpr const char* kDefaultNamespace = "default";

using runc::Details;

// Adds containerd.address to the configuration's fields; from the plugin's registration.
void add_config_fields();

std::string address_of(const config::Config& config);

// The namespace the request names (details "namespace"), else kDefaultNamespace. Throws
// cedana::Error for a name containerd would refuse.
std::string namespace_of(const Details& details);

// The value of `key` in `details`, empty when absent: the runc plugin's.
using runc::detail;

}  // namespace cedana::plugins::containerd
