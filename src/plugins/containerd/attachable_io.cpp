#include "plugins/containerd/attachable_io.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/error.hpp"

namespace cedana::plugins::containerd {

namespace fs = std::filesystem;

namespace {

util::UniqueFd open_fifo(const fs::path& path, int flags) {
    util::UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
    if (!fd) fail(ErrorKind::internal, "cannot open the task's FIFO {}: {}", path.string(), std::strerror(errno));
    return fd;
}

fs::path make_fifo(const fs::path& dir, const char* name) {
    const fs::path path = dir / name;
    if (::mkfifo(path.c_str(), 0600) != 0) fail(ErrorKind::internal, "cannot make a FIFO for the task's {}: {}", name, std::strerror(errno));
    return path;
}

void make_blocking(const util::UniqueFd& fd) {
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) fail(ErrorKind::internal, "fcntl: {}", std::strerror(errno));
}

}  // namespace

util::UniqueFd open_output(const std::string& path) {
    if (path.empty()) return {};
    util::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!fd) fail(ErrorKind::invalid_argument, "cannot open {} for the task's output: {}", path, std::strerror(errno));
    return fd;
}

AttachableIo::AttachableIo() : dir_("cedana-containerd-io") {
    // Read-write: the hub's writer end of stdin, open without waiting for the shim's reader.
    stdin_ = open_fifo(make_fifo(dir_.path(), "stdin"), O_RDWR);
    const fs::path out = make_fifo(dir_.path(), "stdout");
    const fs::path err = make_fifo(dir_.path(), "stderr");
    stdout_held_ = open_fifo(out, O_RDWR);
    stderr_held_ = open_fifo(err, O_RDWR);
    stdout_ = open_fifo(out, O_RDONLY | O_NONBLOCK);
    stderr_ = open_fifo(err, O_RDONLY | O_NONBLOCK);
    make_blocking(stdout_);
    make_blocking(stderr_);
}

TaskIo AttachableIo::io() const {
    return {(dir_.path() / "stdin").string(), (dir_.path() / "stdout").string(), (dir_.path() / "stderr").string()};
}

std::shared_ptr<daemon::IoHub> AttachableIo::hub(util::UniqueFd log, const Client& client, const std::string& id, int pid,
                                                 std::function<void(int pid, int code)> job_ended) {
    auto exit_of = [client = Client(client), id, pid, job_ended = std::move(job_ended)]() mutable -> std::optional<int> {
        auto code = client.wait_task(id);
        if (!code) return std::nullopt;
        if (job_ended && pid > 0) job_ended(pid, *code);
        return code;
    };
    auto hub = daemon::IoHub::over(std::move(log), {std::move(stdin_), std::move(stdout_), std::move(stderr_)}, std::move(exit_of));
    stdout_held_.reset();
    stderr_held_.reset();
    return hub;
}

}  // namespace cedana::plugins::containerd
