#include "jobs/spawn.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "util/error.hpp"
#include "util/owned_children.hpp"
#include "util/unique_fd.hpp"

namespace cedana::jobs {

namespace fs = std::filesystem;

namespace {

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
    for (const auto& entry : env) {
        if (entry.starts_with(name + "=")) return entry.substr(name.size() + 1);
    }
    return "";
}

bool is_executable_file(const fs::path& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The program's path, resolved the way the caller's shell would, checked before anything starts.
std::string resolve(const SpawnSpec& spec) {
    const std::string& program = spec.args.front();
    if (program.find('/') != std::string::npos) {
        const fs::path path = fs::path(program).is_absolute() ? fs::path(program) : fs::path(spec.cwd) / program;
        std::error_code ec;
        if (!fs::exists(path, ec)) fail(ErrorKind::not_found, "cannot run {}: no such file", program);
        if (!is_executable_file(path)) fail(ErrorKind::invalid_argument, "cannot run {}: not an executable file (chmod +x?)", program);
        return path.string();
    }
    std::stringstream dirs(env_value(spec.env, "PATH").empty() ? "/usr/local/bin:/usr/bin:/bin" : env_value(spec.env, "PATH"));
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
        if (is_executable_file(candidate)) return candidate.string();
    }
    fail(ErrorKind::not_found, "cannot run {}: not found in PATH", program);
}

}  // namespace

pid_t spawn_job(const SpawnSpec& spec) {
    if (spec.args.empty()) fail(ErrorKind::invalid_argument, "no program to run: give its path and arguments");
    const std::string path = resolve(spec);

    // Everything the child needs is prepared here: after fork only async-signal-safe calls.
    std::vector<char*> argv;
    for (const auto& a : spec.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    util::UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!devnull) fail(ErrorKind::internal, "cannot open /dev/null: {}", std::strerror(errno));
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
    util::UniqueFd report_read(report[0]);
    util::UniqueFd report_write(report[1]);

    // Owned from birth (util/owned_children.hpp): the daemon's reaper, or the caller, waits for it.
    auto held = util::owned_children().hold();
    const pid_t pid = ::fork();
    if (pid < 0) fail(ErrorKind::internal, "fork: {}", std::strerror(errno));
    if (pid == 0) {
        // The reason a step failed goes back through the pipe as (step, errno).
        auto die = [&](int step) {
            const int info[2] = {step, errno};
            [[maybe_unused]] const auto n = ::write(report_write.get(), info, sizeof info);
            ::_exit(127);
        };
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
        // The job gets its stdio and nothing else of the daemon's (or, with --no-server, of
        // the caller's): CLOEXEC rather than closed, so the report pipe still works until exec.
        ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
        if (spec.new_session && ::setsid() < 0) die(0);
        if (::dup2(spec.stdin_fd >= 0 ? spec.stdin_fd : devnull.get(), STDIN_FILENO) < 0) die(1);
        if (::dup2(spec.stdout_fd, STDOUT_FILENO) < 0) die(1);
        if (::dup2(spec.stderr_fd >= 0 ? spec.stderr_fd : spec.stdout_fd, STDERR_FILENO) < 0) die(1);
        if (!spec.as_root) {
            if (::setgroups(spec.groups.size(), spec.groups.data()) != 0 || ::setgid(spec.gid) != 0 || ::setuid(spec.uid) != 0) die(2);
        }
        if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) die(3);
        ::execve(path.c_str(), argv.data(), envp.data());
        die(4);
    }
    util::owned_children().own(held, pid);
    held.unlock();
    report_write.reset();
    int info[2] = {0, 0};
    ssize_t got = 0;
    do {
        got = ::read(report_read.get(), info, sizeof info);
    } while (got < 0 && errno == EINTR);
    if (got == 0) return pid;  // exec closed the pipe: the program runs
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    util::owned_children().disown(pid);
    static const char* const steps[] = {"start a session", "set up its output", "switch to the calling user", "enter its directory",
                                        "execute it"};
    const char* step = info[0] >= 0 && info[0] < 5 ? steps[info[0]] : "start it";
    fail(info[0] == 3 ? ErrorKind::invalid_argument : ErrorKind::failed_precondition, "cannot run {}: failed to {}: {}", spec.args.front(),
         step, std::strerror(info[1]));
}

}  // namespace cedana::jobs
