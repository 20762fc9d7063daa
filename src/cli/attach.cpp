#include "cli/attach.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include <grpcpp/client_context.h>

#include "transport/channel.hpp"
#include "util/error.hpp"

namespace cedana::cli {

namespace v1 = cedana::daemon::v1;

namespace {

// Once the stream exists, a thread of ours may be using it: ending with an exception would
// destroy it under that thread. So every end from there on is an immediate exit.
[[noreturn]] void exit_with_error(const std::string& message) {
    const std::string line = "Error: " + message + "\n";
    [[maybe_unused]] const auto n = ::write(STDERR_FILENO, line.data(), line.size());
    std::_Exit(1);
}

void write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

void attach_to_job(Globals& globals, const std::string& jid, int pid) {
    // Ctrl+C and SIGTERM are taken by a thread of ours (detach), never by gRPC's threads,
    // which inherit this mask when the client starts them.
    sigset_t detach_signals;
    sigemptyset(&detach_signals);
    sigaddset(&detach_signals, SIGINT);
    sigaddset(&detach_signals, SIGTERM);
    if (const int err = pthread_sigmask(SIG_BLOCK, &detach_signals, nullptr); err != 0) {
        fail(ErrorKind::internal, "cannot block signals: {}", std::strerror(err));
    }
    auto client = globals.client();
    grpc::ClientContext context;
    auto stream = client.attach(context);
    v1::AttachReq first;
    first.set_jid(jid);
    first.set_pid(pid);
    if (!stream->Write(first)) {
        const auto status = stream->Finish();
        exit_with_error(status.error_code() == grpc::StatusCode::UNAVAILABLE ? transport::unreachable_message(client.endpoint())
                                                                             : status.error_message());
    }

    std::thread([&context, detach_signals] {
        int sig = 0;
        if (sigwait(&detach_signals, &sig) == 0) {
            std::cerr << "\ndetached; the job keeps running\n";
            context.TryCancel();
        }
    }).detach();
    v1::AttachResp resp;
    // The daemon's first answer says attached, or the call fails: only after it does a second
    // thread (input) share the stream.
    bool reading = stream->Read(&resp);
    if (reading) {
        // Input, until our stdin ends; the thread is left to exit with the process.
        std::thread([&stream] {
            char buffer[4096];
            for (;;) {
                const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) break;
                v1::AttachReq req;
                req.set_stdin(std::string(buffer, static_cast<std::size_t>(n)));
                if (!stream->Write(req)) return;
            }
            v1::AttachReq last;
            last.set_close_stdin(true);
            stream->Write(last);
        }).detach();
    }
    for (; reading; reading = stream->Read(&resp)) {
        if (!resp.stdout().empty()) write_all(STDOUT_FILENO, resp.stdout());
        if (!resp.stderr().empty()) write_all(STDERR_FILENO, resp.stderr());
        if (resp.exited()) {
            // No Finish: the input thread may still hold the stream; the exit ends it all.
            std::_Exit(resp.exit_status());
        }
    }
    const auto status = stream->Finish();
    if (status.error_code() == grpc::StatusCode::CANCELLED) std::_Exit(0);
    exit_with_error(status.error_code() == grpc::StatusCode::UNAVAILABLE ? transport::unreachable_message(client.endpoint())
                                                                         : status.error_message());
}

}  // namespace cedana::cli
