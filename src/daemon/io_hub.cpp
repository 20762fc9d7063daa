#include "daemon/io_hub.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "util/error.hpp"

namespace cedana::daemon {

namespace {

std::pair<util::UniqueFd, util::UniqueFd> make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
    return {util::UniqueFd(fds[0]), util::UniqueFd(fds[1])};
}

// A subscriber that stops reading must not make the daemon hold unbounded output for it.
constexpr std::size_t kPendingBytes = 4 << 20;

}  // namespace

std::shared_ptr<IoHub> IoHub::create(util::UniqueFd log, ChildEnds& child) {
    auto in = make_pipe();
    auto out = make_pipe();
    auto err = make_pipe();
    child.stdin_read = std::move(in.first);
    child.stdout_write = std::move(out.second);
    child.stderr_write = std::move(err.second);
    return over(std::move(log), {std::move(in.second), std::move(out.first), std::move(err.first)}, {});
}

std::shared_ptr<IoHub> IoHub::over(util::UniqueFd log, HubEnds ends, ExitSource exit_of) {
    std::shared_ptr<IoHub> hub(new IoHub());
    hub->stdin_write_ = std::move(ends.stdin_write);
    hub->stdout_read_ = std::move(ends.stdout_read);
    hub->stderr_read_ = std::move(ends.stderr_read);
    hub->exit_of_ = std::move(exit_of);
    hub->log_ = std::move(log);
    hub->stop_.reset(::eventfd(0, EFD_CLOEXEC));
    if (!hub->stop_) fail(ErrorKind::internal, "eventfd: {}", std::strerror(errno));
    // The thread holds a plain pointer: the destructor stops and joins it first.
    hub->thread_ = std::thread([raw = hub.get()] { raw->pump(); });
    return hub;
}

IoHub::~IoHub() {
    const std::uint64_t one = 1;
    if (::write(stop_.get(), &one, sizeof one) != sizeof one) spdlog::warn("io hub: cannot stop: {}", std::strerror(errno));
    if (thread_.joinable()) thread_.join();
}

void IoHub::pump() {
    char buffer[65536];
    bool out_open = true;
    bool err_open = true;
    while (out_open || err_open) {
        pollfd fds[3] = {{stop_.get(), POLLIN, 0}, {out_open ? stdout_read_.get() : -1, POLLIN, 0}, {err_open ? stderr_read_.get() : -1, POLLIN, 0}};
        if (::poll(fds, 3, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[0].revents != 0) return;
        for (int i = 1; i <= 2; ++i) {
            if (fds[i].revents == 0) continue;
            const ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) {
                (i == 1 ? out_open : err_open) = false;
                continue;
            }
            if (log_ && ::write(log_.get(), buffer, static_cast<std::size_t>(got)) != got) {
                spdlog::warn("io hub: cannot write the job's log: {}", std::strerror(errno));
            }
            Chunk chunk{i, std::string(buffer, static_cast<std::size_t>(got))};
            const std::lock_guard lock(mutex_);
            replay_.push_back(chunk);
            replay_bytes_ += chunk.data.size();
            while (replay_bytes_ > kReplayBytes && replay_.size() > 1) {
                replay_bytes_ -= replay_.front().data.size();
                replay_.pop_front();
            }
            for (const auto& weak : subscribers_) {
                if (const auto sub = weak.lock()) {
                    sub->pending_.push_back(chunk);
                    sub->pending_bytes_ += chunk.data.size();
                    while (sub->pending_bytes_ > kPendingBytes && sub->pending_.size() > 1) {
                        sub->pending_bytes_ -= sub->pending_.front().data.size();
                        sub->pending_.pop_front();
                    }
                }
            }
            changed_.notify_all();
        }
    }
    // Only this thread reads the output and writes the log: what a finished job no longer
    // needs is let go now, not when its record is deleted (the replay buffer stays).
    stdout_read_.reset();
    stderr_read_.reset();
    log_.reset();
    {
        const std::lock_guard lock(mutex_);
        output_closed_ = true;
        changed_.notify_all();
    }
    if (exit_of_) await_exit();
}

void IoHub::await_exit() {
    // Output may close before the job ends (it closed its stdout): asked again, until the
    // hub is destroyed, at this pace.
    constexpr int kAskEveryMs = 200;
    while (true) {
        {
            const std::lock_guard lock(mutex_);
            if (exit_status_) return;
        }
        std::optional<int> status;
        try {
            status = exit_of_();
        } catch (const std::exception& e) {
            spdlog::warn("io hub: cannot learn the job's exit status: {}", e.what());
        }
        if (status) {
            set_exit(*status);
            return;
        }
        pollfd stop{stop_.get(), POLLIN, 0};
        if (::poll(&stop, 1, kAskEveryMs) > 0) return;
    }
}

std::shared_ptr<IoHub::Subscription> IoHub::subscribe() {
    std::shared_ptr<Subscription> sub(new Subscription(shared_from_this()));
    const std::lock_guard lock(mutex_);
    sub->pending_ = replay_;
    sub->pending_bytes_ = replay_bytes_;
    std::erase_if(subscribers_, [](const auto& weak) { return weak.expired(); });
    subscribers_.push_back(sub);
    return sub;
}

void IoHub::unsubscribe(const std::shared_ptr<Subscription>& subscription) {
    const std::lock_guard lock(mutex_);
    std::erase_if(subscribers_, [&](const auto& weak) { return weak.expired() || weak.lock() == subscription; });
}

std::vector<IoHub::Chunk> IoHub::Subscription::take(std::chrono::milliseconds wait, bool& done) {
    std::unique_lock lock(hub_->mutex_);
    const auto ready = [this] { return !pending_.empty() || (hub_->output_closed_ && hub_->exit_status_); };
    hub_->changed_.wait_for(lock, wait, ready);
    std::vector<Chunk> chunks(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.end()));
    pending_.clear();
    pending_bytes_ = 0;
    done = hub_->output_closed_ && hub_->exit_status_.has_value();
    return chunks;
}

std::optional<int> IoHub::Subscription::exit_status() const {
    const std::lock_guard lock(hub_->mutex_);
    return hub_->exit_status_;
}

void IoHub::write_stdin(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(stdin_write_.get(), data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(ErrorKind::failed_precondition, "the job does not read its input any more: {}", std::strerror(errno));
        done += static_cast<std::size_t>(n);
    }
}

void IoHub::close_stdin() { stdin_write_.reset(); }

void IoHub::set_exit(int status) {
    const std::lock_guard lock(mutex_);
    exit_status_ = status;
    changed_.notify_all();
}

}  // namespace cedana::daemon
