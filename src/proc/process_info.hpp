#pragma once
// What /proc tells about a process that is about to be checkpointed.

#include <optional>
#include <string>
#include <vector>

#include "images/metadata.hpp"

namespace cedana::proc {

struct ProcessInfo {
    int pid = 0;
    int sid = 0;
    std::string command;                     // argv joined by spaces
    std::vector<images::StdioFile> stdio;    // fds 0, 1, 2 that are open

    // Started from a shell: not the leader of its own session, so CRIU must not try to
    // dump the session and terminal it shares with the shell.
    [[nodiscard]] bool is_shell_job() const { return sid != pid; }
};

// Throws cedana::Error(not_found) when there is no such process.
ProcessInfo inspect(int pid);

// True when the process's session leader lives in an ancestor PID namespace, out of the
// process's sight (its own getsid() says 0). CRIU cannot dump such a process: it happens to
// programs started without setsid by a shell outside their container.
bool session_leader_outside_namespace(int pid);

// The parent's PID, or 0 when there is no such process.
int parent_of(int pid);

// The fields of /proc/<pid>/stat that cedana uses.
struct ProcStat {
    char state = '?';
    int ppid = 0;
    int pgrp = 0;
    int session = 0;
    unsigned long flags = 0;
    long rss_pages = 0;  // resident set, in pages
};

// nullopt when there is no such process. Raw reads: the PID check runs it over every process.
std::optional<ProcStat> read_stat(int pid);

// True when the process has exited and waits for its parent to reap it.
bool is_zombie(int pid);

// True when the process is stopped (SIGSTOP, job control): state T.
bool is_stopped(int pid);

// A PID as a user wrote it; throws cedana::Error(invalid_argument) for anything but a
// positive number.
int parse_pid(const std::string& text);

// The kernel's flag of a task past the point of no return of its exit (PF_EXITING): it runs
// none of its own code any more, and becomes a zombie once the kernel has freed its memory.
inline constexpr unsigned long kExitingFlag = 0x4;

// True when the process is gone, a zombie, or exiting (see kExitingFlag).
bool is_exiting(int pid);

// True when a process with this PID exists.
bool exists(int pid);

}  // namespace cedana::proc
