#pragma once
// A terminal for a restored shell job whose terminal is gone.
//
// CRIU restores a shell job's terminal by handing the process its own stdin, which must be
// a terminal. When the restorer (the daemon) has none, a new pseudo-terminal stands in: its
// slave becomes CRIU's stdin, and the relay copies what the process writes to the master
// into a file (--out) or discards it, so the process never blocks on a full terminal.

#include <atomic>
#include <string>
#include <thread>

#include "util/unique_fd.hpp"

namespace cedana::proc {

struct Pty {
    util::UniqueFd master;
    std::string slave_path;
};

// Throws cedana::Error when no pseudo-terminal can be had.
Pty open_pty();

class TtyRelay {
public:
    // Copies `master` into `out` until the last holder of the slave closes it. A terminal
    // writes "\r\n" for a newline; into a file it goes as "\n".
    TtyRelay(util::UniqueFd master, util::UniqueFd out);
    // Stops copying (the process keeps its terminal, which then only fills up).
    ~TtyRelay();
    TtyRelay(const TtyRelay&) = delete;
    TtyRelay& operator=(const TtyRelay&) = delete;

    [[nodiscard]] bool finished() const;
    // Waits until the process's side is closed and everything it wrote is copied.
    void drain();

private:
    void run();

    util::UniqueFd master_;
    util::UniqueFd out_;
    util::UniqueFd stop_;
    std::atomic<bool> finished_{false};
    std::thread thread_;
};

}  // namespace cedana::proc
