#include "plugins/containerd/dump.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/dump_route.hpp"
#include "plugins/containerd/checkpoint_files.hpp"
#include "plugins/containerd/client.hpp"
#include "plugins/containerd/record.hpp"
#include "plugins/containerd/settings.hpp"
#include "plugins/runc/access.hpp"
#include "plugins/runc/dump.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {

namespace fs = std::filesystem;
namespace v1 = cedana::daemon::v1;
using daemon::DumpCtx;
using Next = daemon::DumpChain::Next;
using namespace std::chrono_literals;

namespace {

// The shim notices its init is gone within moments of the runc plugin ending the container.
constexpr auto kStopWait = 10s;

std::string runc_root(const std::string& ns) { return "/run/containerd/runc/" + ns; }

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) fail(ErrorKind::failed_precondition, "cannot write {}", path.string());
}

// The container and its task, through containerd; then the runc plugin takes it from
// containerd's runc root. Afterwards, unless it keeps running, the stopped task goes, so that
// containerd knows the container has none and a restore can make one.
void resolve_container(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    runc::require_root_caller(ctx, "containerd containers");
    const std::string id = detail(req.details(), "id");
    if (id.empty()) fail(ErrorKind::invalid_argument, "name the container to dump: cedana dump containerd ID [--namespace NS]");
    if (detail(req.details(), "rootfs") == "true" || detail(req.details(), "rootfs_only") == "true" || !detail(req.details(), "commit_image").empty()) {
        fail(ErrorKind::unimplemented, "--rootfs, --rootfs-only and --image (the container's writable layer) are not available yet; without "
             "them the dump keeps the container, and its layer, for the restore");
    }
    Client client = client_for(ctx.config, req.details());
    client.container(id);
    const auto task = client.find_task(id);
    if (!task || task->status() == ::containerd::v1::types::STOPPED || task->status() == ::containerd::v1::types::CREATED) {
        fail(ErrorKind::failed_precondition, "container {} has no running task; only a running or paused container can be dumped", id);
    }
    auto& details = *req.mutable_details();
    details["namespace"] = client.ns();
    details["root"] = runc_root(client.ns());
    next(ctx, req, resp);
    if (ctx.dump.keep_running) return;
    const auto deadline = std::chrono::steady_clock::now() + kStopWait;
    while (true) {
        const auto now = client.find_task(id);
        if (!now || now->status() == ::containerd::v1::types::STOPPED) break;
        if (std::chrono::steady_clock::now() > deadline) {
            spdlog::warn("containerd: the task of {} is not stopped {} s after its dump; it is left for containerd", id,
                         std::chrono::duration_cast<std::chrono::seconds>(kStopWait).count());
            return;
        }
        std::this_thread::sleep_for(20ms);
    }
    try {
        client.delete_task(id);
    } catch (const Error& e) {
        spdlog::warn("containerd: cannot delete the stopped task of {} after its dump: {}", id, e.what());
    }
}

std::string descriptor(int pid, int fd) {
    std::error_code ec;
    const auto target = fs::read_symlink(fmt::format("/proc/{}/fd/{}", pid, fd), ec);
    return ec ? std::string("/dev/null") : target.string();
}

}  // namespace

daemon::DumpKind dump_kind() {
    daemon::DumpKind runc_kind = runc::dump_kind();
    daemon::DumpKind kind{.plugin = "containerd", .steps = {{"resolve-containerd", "containerd", resolve_container}}, .handler = {}};
    for (auto& step : runc_kind.steps) kind.steps.push_back(std::move(step));
    kind.handler = {"criu-dump", "criu", [runc_dump = runc_kind.handler.fn](DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp) {
                        const auto& dir = ctx.dump.staging->work_dir();
                        Client client = client_for(ctx.config, req.details());
                        const std::string id = detail(req.details(), "id");
                        write_file(dir / kRecordFile, record_to_json(client.container(id)));
                        // What CRIU knows each of them by: the runc plugin names a host file
                        // as an external file[mnt:ino].
                        nlohmann::json fds = nlohmann::json::array();
                        for (int fd = 0; fd <= 2; ++fd) {
                            std::string key = descriptor(req.pid(), fd);
                            for (const auto& file : ctx.dump.process.stdio) {
                                if (file.fd == fd && file.key.starts_with("file[")) key = file.key;
                            }
                            fds.push_back(key);
                        }
                        write_file(dir / kDescriptorsFile, fds.dump());
                        runc_dump(ctx, req, resp);
                    }};
    return kind;
}

}  // namespace cedana::plugins::containerd
