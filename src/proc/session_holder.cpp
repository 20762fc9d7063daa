#include "proc/session_holder.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace cedana::proc {

std::vector<std::string> session_holder_launcher(const std::string& tty) {
    return {std::filesystem::read_symlink("/proc/self/exe").string(), kSessionHolderCommand, tty};
}

namespace {

[[noreturn]] void die(const char* what) {
    std::fprintf(stderr, "cedana %s: %s: %s\n", kSessionHolderCommand, what, std::strerror(errno));
    std::_Exit(127);
}

}  // namespace

void run_session_holder(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: cedana %s <tty> <program> [args...]\n", kSessionHolderCommand);
        std::_Exit(2);
    }
    if (::setsid() < 0) die("setsid");
    const int tty = ::open(argv[2], O_RDWR);
    if (tty < 0) die("open terminal");
    if (::ioctl(tty, TIOCSCTTY, 0) != 0) die("TIOCSCTTY");
    if (::dup2(tty, STDIN_FILENO) < 0) die("dup2");
    if (tty != STDIN_FILENO) ::close(tty);

    const pid_t program = ::fork();
    if (program < 0) die("fork");
    if (program == 0) {
        ::execv(argv[3], argv + 3);
        die("exec");
    }
    int last = 0;
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            break;  // ECHILD: nothing left to hold the session for
        }
        if (pid != program) last = status;
    }
    std::_Exit(WIFEXITED(last) ? WEXITSTATUS(last) : 128 + WTERMSIG(last));
}

}  // namespace cedana::proc
