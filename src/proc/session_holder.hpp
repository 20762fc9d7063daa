#pragma once
// The session a shell job restored onto a stand-in terminal lives in.
//
// `cedana __tty-session <tty> <program> [args...]` becomes a session leader with <tty> as its
// controlling terminal, runs <program> (CRIU) as its child, and stays, reaping its children,
// until none is left. CRIU restores the process as its sibling, so the process is the
// holder's child, in a session that owns its terminal. A session leader that exited would
// hang the terminal up and SIGHUP the process, so the holder stays as long as it runs, and
// exits with the status of the last of its children to exit.

#include <string>
#include <vector>

namespace cedana::proc {

inline constexpr const char* kSessionHolderCommand = "__tty-session";

// argv for the holder: this binary, the command, the terminal; append the program's argv.
std::vector<std::string> session_holder_launcher(const std::string& tty);

// The holder's main; never returns.
[[noreturn]] void run_session_holder(int argc, char** argv);

}  // namespace cedana::proc
