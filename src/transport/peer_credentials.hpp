#pragma once
// Who is on the other end of a request's connection, as the kernel says (SO_PEERCRED).
// gRPC 1.51 exposes no peer credentials, so the daemon accepts UNIX connections itself and
// hands each one to gRPC as a descriptor (transport/listener.hpp); gRPC then names the
// connection "fd:<N>" in ServerContext::peer(). A call keeps its transport, and with it that
// descriptor, open until the call ends, so N cannot be reused by another connection while
// the call's handler runs.

#include <sys/types.h>

#include <optional>
#include <string_view>
#include <vector>

namespace cedana::transport {

struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    // Supplementary groups, from /proc/<pid>/status while the caller is alive; empty if gone.
    std::vector<gid_t> groups;
};

// The credentials of the UNIX-socket peer behind a gRPC peer string; nullopt for TCP and
// VSOCK connections, which carry none.
std::optional<PeerCredentials> peer_credentials(std::string_view grpc_peer);

// The credentials of the peer of a connected UNIX socket; nullopt if `fd` is not one.
std::optional<PeerCredentials> socket_peer_credentials(int fd);

}  // namespace cedana::transport
