#include "util/leftovers.hpp"

#include <atomic>
#include <utility>

namespace cedana::util {

namespace {
std::atomic<LeftoverBook*> g_book{nullptr};
}

void keep_leftovers_in(LeftoverBook* book) { g_book.store(book); }

Leftover::Leftover(const std::vector<std::filesystem::path>& paths) : book_(g_book.load()) {
    if (book_ != nullptr) id_ = book_->made(paths);
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
