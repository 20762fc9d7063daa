#include "plugins/process/restore_stdio.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "proc/session_holder.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::plugins::process {

namespace fs = std::filesystem;
namespace v1 = cedana::daemon::v1;
using daemon::IoHub;
using daemon::RestoreCtx;
using Next = daemon::RestoreChain::Next;

namespace {

util::UniqueFd open_append(const std::string& path) {
    return util::UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
}

// In order: --out for stdout and stderr; the CLI's own stdio with --no-server; the same log
// file, reopened for appending (CRIU would refuse it for having grown since the dump); else
// /dev/null.
util::UniqueFd open_replacement(const RestoreCtx& ctx, const v1::RestoreReq& req, const images::StdioFile& file) {
    if (file.fd > 0 && !req.out().empty()) {
        util::UniqueFd fd = open_append(req.out());
        if (!fd) fail(ErrorKind::invalid_argument, "--out {}: {}", req.out(), std::strerror(errno));
        return fd;
    }
    if (file.fd < static_cast<int>(ctx.caller_stdio.size())) {
        util::UniqueFd fd(::fcntl(ctx.caller_stdio[static_cast<std::size_t>(file.fd)], F_DUPFD_CLOEXEC, 0));
        if (fd) return fd;
    }
    if (file.kind == "file" && file.fd > 0) {
        if (util::UniqueFd fd(::open(("/" + file.key).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC)); fd) return fd;
    }
    util::UniqueFd fd(::open("/dev/null", file.fd == 0 ? O_RDONLY | O_CLOEXEC : O_WRONLY | O_CLOEXEC));
    if (!fd) fail(ErrorKind::internal, "cannot open /dev/null: {}", std::strerror(errno));
    return fd;
}

// --attach/--attachable: the process's stdio becomes pipes to the daemon (io_hub.hpp), which
// also copies the output to --out when given.
void attach_stdio(RestoreCtx& ctx, const v1::RestoreReq& req) {
    util::UniqueFd log;
    if (!req.out().empty()) {
        log = open_append(req.out());
        if (!log) fail(ErrorKind::invalid_argument, "--out {}: {}", req.out(), std::strerror(errno));
    }
    ctx.restore.hub = IoHub::create(std::move(log), ctx.restore.hub_ends);
    const int ends[3] = {ctx.restore.hub_ends.stdin_read.get(), ctx.restore.hub_ends.stdout_write.get(), ctx.restore.hub_ends.stderr_write.get()};
    std::map<std::string, bool> seen;
    for (const auto& file : ctx.restore.meta->stdio) {
        const bool replace = file.kind == "pipe" || file.kind == "socket" || file.kind == "file";
        if (!replace || file.fd > 2 || seen[file.key]) continue;
        seen[file.key] = true;
        ctx.restore.inherit.push_back({file.key, ends[file.fd]});
    }
}

// A shell job on a terminal gets the caller's terminal (--no-server from a terminal), or a
// new pseudo-terminal whose output the relay writes to --out (or, with --no-server, to the
// CLI's stdout; else discards).
void terminal(RestoreCtx& ctx, const v1::RestoreReq& req) {
    if (!ctx.caller_stdio.empty() && ::isatty(ctx.caller_stdio[0])) {
        ctx.restore.launch.stdin_fd = ctx.caller_stdio[0];
        return;
    }
    ctx.restore.pty = proc::open_pty();
    ctx.restore.launch.launcher = proc::session_holder_launcher(ctx.restore.pty->slave_path);
    ctx.restore.pty_out = open_replacement(ctx, req, {1, "tty", ""});
}

// The dumped process's stdin, stdout and stderr led to the caller's pipes, terminal and files,
// which are gone, belong to someone else or have changed since: each gets a replacement
// (see open_replacement), handed to CRIU as an inherited fd, or a terminal (see terminal()).
void open_stdio(RestoreCtx& ctx, const v1::RestoreReq& req) {
    if (ctx.restore.meta && req.attachable()) {
        attach_stdio(ctx, req);
    } else if (ctx.restore.meta) {
        std::map<std::string, bool> seen;
        for (const auto& file : ctx.restore.meta->stdio) {
            if (file.kind == "tty" && ctx.restore.launch.stdin_fd < 0 && ctx.restore.launch.launcher.empty()) terminal(ctx, req);
            const bool replace = file.kind == "pipe" || file.kind == "socket" || file.kind == "file";
            if (!replace || seen[file.key]) continue;
            seen[file.key] = true;
            ctx.restore.replacements.push_back(open_replacement(ctx, req, file));
            ctx.restore.inherit.push_back({file.key, ctx.restore.replacements.back().get()});
        }
    }
}

// A failed restore leaves no --out file behind that it created (and nothing wrote to).
}  // namespace

void restore_stdio(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    std::error_code ec;
    const bool new_out = !req.out().empty() && !fs::exists(req.out(), ec);
    try {
        open_stdio(ctx, req);
        next(ctx, req, resp);
    } catch (...) {
        if (new_out && fs::is_regular_file(req.out(), ec) && fs::file_size(req.out(), ec) == 0) fs::remove(req.out(), ec);
        throw;
    }
}


}  // namespace cedana::plugins::process
