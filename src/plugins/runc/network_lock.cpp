#include "plugins/runc/network_lock.hpp"

#include "util/subprocess.hpp"

namespace cedana::plugins::runc {

namespace {

criu_network_lock_method method(bool tcp_established) {
    if (!util::find_program("iptables-restore").empty()) return IPTABLES;
    return tcp_established ? NFTABLES : SKIP;
}

}  // namespace

const char* network_lock_name(bool tcp_established) {
    switch (method(tcp_established)) {
        case IPTABLES: return "iptables";
        case NFTABLES: return "nftables";
        case SKIP: return "skip";
    }
    return "skip";
}

void set_network_lock(criu_opts& opts, bool tcp_established) { opts.set_network_lock(method(tcp_established)); }

}  // namespace cedana::plugins::runc
