#pragma once
// The parts of an object being uploaded as it is produced: bytes are cut into parts of a
// fixed size, and each full part goes to a sender on worker threads while the next one
// fills. Reserved room (a tar header known only at the end of its entry) holds back just its
// own part until it is filled; later parts go out meanwhile, so a provider must put parts
// together by number or offset (S3 multipart, the cedana store's ranged PUTs).
//
// Memory: at most `window` parts queued or in flight, plus the part being filled and any
// held for room not yet filled.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cedana::storage {

class PartWindow {
public:
    // Sends part `number` (1-based), which begins at byte `offset` of the object; throws
    // cedana::Error when it cannot, which fails the upload (the next append, fill or drain
    // rethrows it).
    using Sender = std::function<void(int number, std::uint64_t offset, const std::string& data)>;

    struct Shape {
        std::size_t part_size;
        std::size_t window;
        int workers;
    };

    PartWindow(Shape shape, Sender sender);
    // Stops the workers; parts not sent are dropped (the owner abandons the upload).
    ~PartWindow();
    PartWindow(const PartWindow&) = delete;
    PartWindow& operator=(const PartWindow&) = delete;

    void append(const char* data, std::size_t size);
    std::uint64_t reserve(std::size_t size);
    void fill(std::uint64_t offset, const char* data, std::size_t size);
    // Sends the last part (an empty first one when nothing was appended) and waits for every
    // part to be sent; rethrows the first sender's error.
    void drain();
    [[nodiscard]] std::uint64_t size() const;
    [[nodiscard]] std::size_t part_size() const { return shape_.part_size; }

private:
    struct Part {
        std::string data;
        std::size_t unfilled = 0;  // reserved bytes not yet filled
        bool sealed = false;       // full, or the last
    };

    [[nodiscard]] int part_of(std::uint64_t offset) const;
    void seal(int number);
    void release_if_ready(int number);
    void work();
    void rethrow_locked();

    Shape shape_;
    Sender sender_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t size_ = 0;
    std::map<int, Part> held_;  // filling, or waiting to be filled
    std::deque<std::pair<int, Part>> queue_;
    std::size_t in_flight_ = 0;
    std::exception_ptr error_;
    bool stopping_ = false;
    std::vector<std::jthread> workers_;
};

}  // namespace cedana::storage
