#include "storage/part_window.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace cedana::storage {

PartWindow::PartWindow(Shape shape, Sender sender) : shape_(shape), sender_(std::move(sender)) {
    for (int i = 0; i < shape_.workers; ++i) workers_.emplace_back([this] { work(); });
}

PartWindow::~PartWindow() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    workers_.clear();
}

int PartWindow::part_of(std::uint64_t offset) const { return static_cast<int>(offset / shape_.part_size) + 1; }

void PartWindow::rethrow_locked() {
    if (error_) std::rethrow_exception(error_);
}

void PartWindow::release_if_ready(int number) {
    const auto it = held_.find(number);
    if (it == held_.end() || !it->second.sealed || it->second.unfilled > 0) return;
    queue_.emplace_back(number, std::move(it->second));
    held_.erase(it);
    changed_.notify_all();
}

void PartWindow::seal(int number) {
    held_[number].sealed = true;
    release_if_ready(number);
}

void PartWindow::append(const char* data, std::size_t size) {
    std::unique_lock lock(mutex_);
    while (size > 0) {
        changed_.wait(lock, [&] { return queue_.size() + in_flight_ < shape_.window || error_; });
        rethrow_locked();
        const int number = part_of(size_);
        Part& part = held_[number];
        const std::size_t take = std::min(size, shape_.part_size - part.data.size());
        part.data.append(data, take);
        data += take;
        size -= take;
        size_ += take;
        if (part.data.size() == shape_.part_size) seal(number);
    }
}

std::uint64_t PartWindow::reserve(std::size_t size) {
    const std::lock_guard lock(mutex_);
    rethrow_locked();
    const std::uint64_t at = size_;
    while (size > 0) {
        const int number = part_of(size_);
        Part& part = held_[number];
        const std::size_t take = std::min(size, shape_.part_size - part.data.size());
        part.data.append(take, '\0');
        part.unfilled += take;
        size -= take;
        size_ += take;
        if (part.data.size() == shape_.part_size) seal(number);
    }
    return at;
}

void PartWindow::fill(std::uint64_t offset, const char* data, std::size_t size) {
    const std::lock_guard lock(mutex_);
    rethrow_locked();
    while (size > 0) {
        const int number = part_of(offset);
        const auto it = held_.find(number);
        const std::size_t within = offset % shape_.part_size;
        const std::size_t take = std::min(size, shape_.part_size - within);
        if (it == held_.end() || it->second.unfilled < take || it->second.data.size() < within + take) {
            throw std::logic_error("PartWindow::fill() outside reserved room");
        }
        std::memcpy(it->second.data.data() + within, data, take);
        it->second.unfilled -= take;
        release_if_ready(number);
        data += take;
        size -= take;
        offset += take;
    }
}

void PartWindow::work() {
    for (;;) {
        std::pair<int, Part> job;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
            if (stopping_ || error_) return;
            job = std::move(queue_.front());
            queue_.pop_front();
            ++in_flight_;
        }
        std::exception_ptr failed;
        try {
            sender_(job.first, static_cast<std::uint64_t>(job.first - 1) * shape_.part_size, job.second.data);
        } catch (...) {
            failed = std::current_exception();
        }
        {
            const std::lock_guard lock(mutex_);
            --in_flight_;
            if (failed && !error_) error_ = failed;
        }
        changed_.notify_all();
    }
}

void PartWindow::drain() {
    std::unique_lock lock(mutex_);
    rethrow_locked();
    if (size_ == 0) held_[1];
    const int last = part_of(size_ == 0 ? 0 : size_ - 1);
    if (held_.contains(last) && !held_.at(last).sealed) seal(last);
    if (!held_.empty()) throw std::logic_error("PartWindow::drain() with reserved room never filled");
    changed_.wait(lock, [&] { return (queue_.empty() && in_flight_ == 0) || error_; });
    rethrow_locked();
}

std::uint64_t PartWindow::size() const {
    const std::lock_guard lock(mutex_);
    return size_;
}

}  // namespace cedana::storage
