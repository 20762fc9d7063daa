#pragma once
// How far a request's transfer (an upload, a download, a migration's stream) has come,
// counted by the threads that move the bytes and read by Progress calls as they run.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace cedana::util {

class TransferProgress {
public:
    struct Snapshot {
        bool active = false;
        std::string what;
        std::uint64_t done = 0;
        std::uint64_t total = 0;
        std::uint64_t elapsed_ms = 0;
    };

    // A transfer starts: `total` 0 when its size is not known yet.
    void begin(std::string what, std::uint64_t total) {
        const std::lock_guard lock(mutex_);
        what_ = std::move(what);
        total_ = total;
        done_ = 0;
        started_ = std::chrono::steady_clock::now();
        ended_.reset();
    }
    void add(std::uint64_t bytes) { done_ += bytes; }
    void end() {
        const std::lock_guard lock(mutex_);
        if (!what_.empty() && !ended_) ended_ = std::chrono::steady_clock::now();
    }

    [[nodiscard]] Snapshot snapshot() const {
        const std::lock_guard lock(mutex_);
        if (what_.empty()) return {};
        const auto until = ended_.value_or(std::chrono::steady_clock::now());
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(until - started_).count();
        return {.active = !ended_, .what = what_, .done = done_, .total = total_, .elapsed_ms = static_cast<std::uint64_t>(ms)};
    }

private:
    mutable std::mutex mutex_;
    std::string what_;
    std::uint64_t total_ = 0;
    std::atomic<std::uint64_t> done_ = 0;
    std::chrono::steady_clock::time_point started_;
    std::optional<std::chrono::steady_clock::time_point> ended_;
};

}  // namespace cedana::util
