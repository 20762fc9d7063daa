#include "daemon/server.hpp"

#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <charconv>
#include <csignal>
#include <cstring>
#include <optional>
#include <string>

#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>

#include "daemon/call_guard.hpp"
#include "daemon/database_lock.hpp"
#include "daemon/recovery.hpp"
#include "daemon/service.hpp"
#include "daemon/work_journal.hpp"
#include "jobs/store.hpp"
#include "transport/endpoint.hpp"
#include "transport/listener.hpp"
#include "transport/listener_security.hpp"
#include "util/error.hpp"
#include "util/leftovers.hpp"

namespace cedana::daemon {

namespace {

// How long in-flight requests get to finish after a stop signal before they are cancelled.
constexpr auto kGracePeriod = std::chrono::seconds(10);

// Stop signals are taken synchronously by sigwait in this thread; blocking them before gRPC
// starts its threads keeps any of those from being picked to run a handler instead.
sigset_t block_stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    // SIGCHLD too, in every thread to come: the reaper reads it from a signalfd.
    sigset_t blocked = set;
    sigaddset(&blocked, SIGCHLD);
    if (const int err = pthread_sigmask(SIG_BLOCK, &blocked, nullptr); err != 0) {
        fail(ErrorKind::internal, "cannot block stop signals: {}", std::strerror(err));
    }
    std::signal(SIGPIPE, SIG_IGN);
    return set;
}

// connection.socket_group: a group name, or a numeric gid.
std::optional<gid_t> socket_group(const std::string& name) {
    if (name.empty()) return std::nullopt;
    long size = ::sysconf(_SC_GETGR_R_SIZE_MAX);
    std::string buffer(static_cast<std::size_t>(size > 0 ? size : 16384), '\0');
    group entry{};
    group* found = nullptr;
    if (const int rc = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found); rc != 0 && rc != ENOENT && rc != ESRCH) {
        fail(ErrorKind::internal, "cannot look up group {}: {}", name, std::strerror(rc));
    }
    if (found != nullptr) return found->gr_gid;
    gid_t gid = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), gid);
    if (ec == std::errc() && end == name.data() + name.size()) return gid;
    fail(ErrorKind::invalid_argument, "connection.socket_group (--group) {}: no such group; create it (groupadd {}) or name another",
         name, name);
}

// A token in a configuration file others can read is anyone's token.
void warn_about_readable_token(const config::Loaded& loaded) {
    if (loaded.file.empty() || loaded.config.connection.auth_token.empty()) return;
    struct stat st {};
    if (::stat(loaded.file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        spdlog::warn("{} may be read by others (mode {:o}); if it holds connection.auth_token, anyone who reads it can call this daemon: "
                     "chmod 600 {}, or keep the token in connection.auth_token_file",
                     loaded.file, st.st_mode & 0777, loaded.file);
    }
}

}  // namespace

void serve_until_signalled(const config::Loaded& loaded) {
    const auto endpoint = transport::parse_endpoint(loaded.config.address, loaded.config.protocol);
    // Refused before anything is touched: a daemon its callers cannot trust, or that would
    // trust anyone, does not start.
    const auto security = transport::plan_listener_security(endpoint, loaded.config.connection);
    const auto group = endpoint.protocol == transport::Protocol::unix_socket ? socket_group(loaded.config.connection.socket_group)
                                                                              : std::nullopt;
    warn_about_readable_token(loaded);
    const sigset_t stop_signals = block_stop_signals();
    // Orphans of the daemon's jobs become its children, and its reaper reaps them
    // (util/owned_children.hpp), instead of PID 1, which may reap them late or never.
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        fail(ErrorKind::internal, "cannot become a child subreaper: {}", std::strerror(errno));
    }

    const DatabaseLock database_lock(loaded.config.db.path);
    jobs::Store store(loaded.config.db.path);
    finish_interrupted_work(store);
    LeftoverJournal leftovers(store);
    util::keep_leftovers_in(&leftovers);
    struct ForgetLeftovers {
        ~ForgetLeftovers() { util::keep_leftovers_in(nullptr); }
    } forget;
    // The I/O an earlier daemon held for attachable jobs went with it.
    for (auto job : store.jobs()) {
        if (!job.attachable) continue;
        job.attachable = false;
        job.log = "[I/O lost: daemon restarted]";
        store.update_job(job);
    }
    Service service(loaded.json, store, CallGuard(security, endpoint.protocol != transport::Protocol::unix_socket));
    grpc::ServerBuilder builder;
    transport::Listener listener(endpoint, security, group, builder);
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server) fail(ErrorKind::failed_precondition, "cannot listen on {} ({})", endpoint.display(), loaded.config.protocol);
    listener.start(*server);
    spdlog::info("cedana daemon {} listening on {} ({}{})", CEDANA_VERSION, endpoint.display(), loaded.config.protocol,
                 security.tls ? (security.client_certificates ? ", mutual TLS" : ", TLS") : "");

    int signal = 0;
    if (const int err = sigwait(&stop_signals, &signal); err != 0) {
        fail(ErrorKind::internal, "waiting for a stop signal failed: {}", std::strerror(err));
    }
    spdlog::info("received {}, stopping", strsignal(signal));
    listener.stop();
    server->Shutdown(std::chrono::system_clock::now() + kGracePeriod);
    server->Wait();
    spdlog::info("stopped");
}

}  // namespace cedana::daemon
