#include "daemon/server.hpp"

#include <csignal>
#include <cstring>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <grpcpp/server_builder.h>
#include <spdlog/spdlog.h>

#include "daemon/service.hpp"
#include "jobs/store.hpp"
#include "transport/endpoint.hpp"
#include "transport/listener.hpp"
#include "util/error.hpp"

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

}  // namespace

void serve_until_signalled(const config::Loaded& loaded) {
    const auto endpoint = transport::parse_endpoint(loaded.config.address, loaded.config.protocol);
    const sigset_t stop_signals = block_stop_signals();
    // Orphans of the daemon's jobs become its children, and its reaper reaps them
    // (util/owned_children.hpp), instead of PID 1, which may reap them late or never.
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        fail(ErrorKind::internal, "cannot become a child subreaper: {}", std::strerror(errno));
    }

    jobs::Store store(loaded.config.db.path);
    // The I/O an earlier daemon held for attachable jobs went with it.
    for (auto job : store.jobs()) {
        if (!job.attachable) continue;
        job.attachable = false;
        job.log = "[I/O lost: daemon restarted]";
        store.update_job(job);
    }
    Service service(loaded.json, store);
    grpc::ServerBuilder builder;
    transport::Listener listener(endpoint, builder);
    builder.RegisterService(&service);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server) fail(ErrorKind::failed_precondition, "cannot listen on {} ({})", endpoint.display(), loaded.config.protocol);
    listener.start(*server);
    spdlog::info("cedana daemon {} listening on {} ({})", CEDANA_VERSION, endpoint.display(), loaded.config.protocol);

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
