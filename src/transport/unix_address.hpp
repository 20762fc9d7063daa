#pragma once
// The sockaddr of a UNIX socket path, for the daemon's listener and the CLI's connection.

#include <sys/un.h>

#include <string>

namespace cedana::transport {

// Throws cedana::Error (invalid_argument) when `path` does not fit in sun_path.
sockaddr_un unix_address(const std::string& path);

}  // namespace cedana::transport
