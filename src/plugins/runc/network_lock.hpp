#pragma once
// How CRIU keeps a container's network quiet while it dumps. Its default, iptables, needs
// iptables-restore, which many hosts lack (runc then cannot checkpoint a container with a
// network namespace of its own at all). Without it: nftables when TCP connections are kept
// (--tcp-established), whose packets must not be answered with resets meanwhile; else
// nothing, since connections are not dumped then and an empty namespace has nothing to lock.
// The restore locks with the method the dump recorded. --criu-opts network_lock overrides.

#include "criu/rpc.pb.h"

namespace cedana::plugins::runc {

// "iptables", "nftables" or "skip", as it would be chosen here.
const char* network_lock_name(bool tcp_established);

void set_network_lock(criu_opts& opts, bool tcp_established);

}  // namespace cedana::plugins::runc
