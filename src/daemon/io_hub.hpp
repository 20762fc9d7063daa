#pragma once
// The I/O of an attachable job, held by the daemon: the job's stdin, stdout and stderr are
// pipes whose other ends live here. Output is kept in a bounded buffer (replayed to whoever
// attaches) and copied to the log file when there is one, so output of a job nobody watches
// is not lost; any number of clients may attach at once.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "util/unique_fd.hpp"

namespace cedana::daemon {

class IoHub : public std::enable_shared_from_this<IoHub> {
public:
    // What the job's process gets as fds 0, 1 and 2.
    struct ChildEnds {
        util::UniqueFd stdin_read;
        util::UniqueFd stdout_write;
        util::UniqueFd stderr_write;
    };

    struct Chunk {
        int stream = 1;  // 1 stdout, 2 stderr
        std::string data;
    };

    // One attached client's view: the replayed buffer, then what comes.
    class Subscription {
    public:
        // Waits up to `wait` for output. Returns the chunks (empty on timeout); `done` once the
        // job has ended and all its output was taken.
        std::vector<Chunk> take(std::chrono::milliseconds wait, bool& done);
        [[nodiscard]] std::optional<int> exit_status() const;

    private:
        friend class IoHub;
        explicit Subscription(std::shared_ptr<IoHub> hub) : hub_(std::move(hub)) {}
        std::shared_ptr<IoHub> hub_;
        std::deque<Chunk> pending_;
        std::size_t pending_bytes_ = 0;
    };

    // The daemon's ends of a job's stdin, stdout and stderr.
    struct HubEnds {
        util::UniqueFd stdin_write;
        util::UniqueFd stdout_read;
        util::UniqueFd stderr_read;
    };
    // Asked on the hub's thread, once the job's output has closed, for its exit status when
    // nothing reports it (set_exit): nullopt while it is not known yet.
    using ExitSource = std::function<std::optional<int>()>;

    // `log` (may be empty) receives a copy of all output.
    static std::shared_ptr<IoHub> create(util::UniqueFd log, ChildEnds& child);
    // A hub over ends the daemon holds already: the FIFOs of a task another process (a
    // containerd shim) runs and reaps, whose exit status `exit_of` finds.
    static std::shared_ptr<IoHub> over(util::UniqueFd log, HubEnds ends, ExitSource exit_of);
    ~IoHub();
    IoHub(const IoHub&) = delete;
    IoHub& operator=(const IoHub&) = delete;

    std::shared_ptr<Subscription> subscribe();
    void unsubscribe(const std::shared_ptr<Subscription>& subscription);
    // Throws cedana::Error when the job no longer reads its input.
    void write_stdin(const std::string& data);
    void close_stdin();
    // The job's process ended with `status`; wakes the attached clients.
    void set_exit(int status);

private:
    IoHub() = default;
    void pump();
    void await_exit();

    static constexpr std::size_t kReplayBytes = 1 << 20;

    util::UniqueFd stdin_write_;
    util::UniqueFd stdout_read_;
    util::UniqueFd stderr_read_;
    util::UniqueFd log_;
    util::UniqueFd stop_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Chunk> replay_;
    std::size_t replay_bytes_ = 0;
    std::vector<std::weak_ptr<Subscription>> subscribers_;
    bool output_closed_ = false;
    std::optional<int> exit_status_;
    ExitSource exit_of_;
    std::thread thread_;
};

}  // namespace cedana::daemon
