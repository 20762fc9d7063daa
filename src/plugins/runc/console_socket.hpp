#pragma once
// runc's --console-socket: a UNIX socket the caller listens on, which receives the master of
// the container's terminal as one SCM_RIGHTS message (as runc's recvtty expects it). runc
// sends it when it creates the container; on restore CRIU makes the terminal anew and hands
// its master over (orphan-pts-master), and cedana passes it on.

#include <string>

#include "util/unique_fd.hpp"

namespace cedana::plugins::runc {

// Connects to the socket. Throws cedana::Error (failed_precondition) naming it when nothing
// listens there, before anything else of a restore is done.
util::UniqueFd connect_console_socket(const std::string& path);

// Sends `master` over the connected socket. Throws cedana::Error when it cannot.
void send_console(int socket, int master, const std::string& path);

}  // namespace cedana::plugins::runc
