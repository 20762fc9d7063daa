#include "util/leftovers.hpp"

#include <atomic>
#include <utility>

#include <spdlog/spdlog.h>

namespace cedana::util {

namespace {
std::atomic<LeftoverBook*> g_book{nullptr};
}

void keep_leftovers_in(LeftoverBook* book) { g_book.store(book); }

// The book is a safety net for a daemon that dies: a request whose book cannot be written
// goes on (it removes its files itself), and only a crash in it would leave them.
Leftover::Leftover(const std::vector<std::filesystem::path>& paths) : book_(g_book.load()) {
    if (book_ == nullptr) return;
    try {
        id_ = book_->made(paths);
    } catch (const std::exception& e) {
        spdlog::warn("cannot write down {} for removal after a crash: {}", paths.empty() ? "" : paths.front().string(), e.what());
        book_ = nullptr;
    }
}

Leftover::~Leftover() {
    if (book_ != nullptr) book_->gone(id_);
}

Leftover::Leftover(Leftover&& other) noexcept : book_(std::exchange(other.book_, nullptr)), id_(other.id_) {}

Leftover& Leftover::operator=(Leftover&& other) noexcept {
    if (this != &other) {
        if (book_ != nullptr) book_->gone(id_);
        book_ = std::exchange(other.book_, nullptr);
        id_ = other.id_;
    }
    return *this;
}

}  // namespace cedana::util
