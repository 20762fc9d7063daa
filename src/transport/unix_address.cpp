#include "transport/unix_address.hpp"

#include <sys/socket.h>

#include <cstring>

#include "util/error.hpp"

namespace cedana::transport {

sockaddr_un unix_address(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) {
        fail(ErrorKind::invalid_argument, "socket path {} is too long (at most {} bytes)", path, sizeof addr.sun_path - 1);
    }
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

}  // namespace cedana::transport
