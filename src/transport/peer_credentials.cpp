#include "transport/peer_credentials.hpp"

#include <sys/socket.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace cedana::transport {

namespace {

constexpr std::string_view kFdPeerPrefix = "fd:";

// The supplementary groups of `pid`, if it is still the process that connected (same
// effective uid); a PID reused since then would lend someone else's groups.
std::vector<gid_t> groups_of(pid_t pid, uid_t euid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    bool same_user = false;
    std::vector<gid_t> groups;
    while (std::getline(status, line)) {
        std::istringstream in(line);
        std::string key;
        in >> key;
        if (key == "Uid:") {
            uid_t real = 0, effective = 0;
            same_user = static_cast<bool>(in >> real >> effective) && effective == euid;
        } else if (key == "Groups:") {
            for (gid_t g; in >> g;) groups.push_back(g);
        }
    }
    return same_user ? groups : std::vector<gid_t>{};
}

}  // namespace

std::optional<PeerCredentials> socket_peer_credentials(int fd) {
    int domain = 0;
    socklen_t domain_len = sizeof domain;
    if (::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &domain_len) != 0 || domain != AF_UNIX) return std::nullopt;
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return std::nullopt;
    return PeerCredentials{cred.pid, cred.uid, cred.gid, groups_of(cred.pid, cred.uid)};
}

std::optional<PeerCredentials> peer_credentials(std::string_view grpc_peer) {
    if (!grpc_peer.starts_with(kFdPeerPrefix)) return std::nullopt;
    const std::string_view digits = grpc_peer.substr(kFdPeerPrefix.size());
    int fd = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), fd);
    if (ec != std::errc() || end != digits.data() + digits.size() || fd < 0) return std::nullopt;
    return socket_peer_credentials(fd);
}

}  // namespace cedana::transport
