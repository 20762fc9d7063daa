#include "plugins/store/upload_sessions.hpp"

#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cedana::plugins::store {

namespace {

std::string random_id() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) fail(ErrorKind::internal, "cannot draw an upload id: OpenSSL has no randomness");
    std::string id;
    for (const unsigned char b : bytes) id += fmt::format("{:02x}", b);
    return id;
}

}  // namespace

UploadSessions::~UploadSessions() {
    const std::lock_guard lock(mutex_);
    for (auto& [id, session] : open_) {
        const std::lock_guard session_lock(session->mutex);
        close_locked(*session);
    }
}

std::string UploadSessions::open(const RequestTarget& target, std::int64_t expires) {
    const std::lock_guard lock(mutex_);
    if (open_.size() >= kMaxOpen) {
        fail(ErrorKind::unavailable, "{} uploads are open already; finish or abort one, or wait for them to expire", kMaxOpen);
    }
    auto session = std::make_shared<UploadSession>();
    session->id = random_id();
    session->target = target;
    session->expires = expires;
    session->fd = tree_.create_partial(session->id);
    open_[session->id] = session;
    return session->id;
}

std::shared_ptr<UploadSession> UploadSessions::find(const std::string& id) {
    const std::lock_guard lock(mutex_);
    const auto it = open_.find(id);
    return it == open_.end() ? nullptr : it->second;
}

void UploadSessions::write(UploadSession& session, std::uint64_t offset, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::pwrite(session.fd.get(), bytes.data(), bytes.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const ErrorKind kind = errno == ENOSPC || errno == EDQUOT ? ErrorKind::failed_precondition : ErrorKind::internal;
            fail(kind, "cannot store the upload of {}: {}", session.target.path, std::strerror(errno));
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
}

void UploadSessions::received(UploadSession& session, std::uint64_t first, std::uint64_t end) {
    if (first >= end) return;
    const std::lock_guard lock(session.mutex);
    auto& ranges = session.received;
    // Merge with every range that touches [first, end).
    auto it = ranges.upper_bound(first);
    if (it != ranges.begin() && std::prev(it)->second >= first) --it;
    while (it != ranges.end() && it->first <= end) {
        first = std::min(first, it->first);
        end = std::max(end, it->second);
        it = ranges.erase(it);
    }
    ranges.emplace(first, end);
}

void UploadSessions::complete(const std::string& id, std::uint64_t total) {
    const auto session = find(id);
    if (!session) fail(ErrorKind::not_found, "no such upload: it finished, was aborted, expired, or the store restarted");
    {
        const std::lock_guard lock(session->mutex);
        if (session->closed) fail(ErrorKind::not_found, "no such upload: it finished or was aborted");
        const auto& ranges = session->received;
        const bool whole = total == 0 ? ranges.empty() : (ranges.size() == 1 && ranges.begin()->first == 0 && ranges.begin()->second == total);
        if (!whole) {
            const std::uint64_t first_missing = ranges.empty() || ranges.begin()->first > 0 ? 0 : ranges.begin()->second;
            if (first_missing >= total) {
                fail(ErrorKind::invalid_argument, "upload of {}: bytes beyond the {} declared were sent", session->target.path, total);
            }
            fail(ErrorKind::invalid_argument, "upload of {} is incomplete: byte {} of {} never arrived", session->target.path, first_missing, total);
        }
        if (::ftruncate(session->fd.get(), static_cast<off_t>(total)) != 0) {
            fail(ErrorKind::internal, "cannot size the upload of {}: {}", session->target.path, std::strerror(errno));
        }
        tree_.publish(session->id, session->fd.get(), session->target);
        session->closed = true;
        session->fd.reset();
    }
    const std::lock_guard lock(mutex_);
    open_.erase(id);
}

void UploadSessions::close_locked(UploadSession& session) noexcept {
    if (session.closed) return;
    session.closed = true;
    session.fd.reset();
    tree_.remove_partial(session.id);
}

void UploadSessions::abort(const std::string& id) noexcept {
    std::shared_ptr<UploadSession> session;
    {
        const std::lock_guard lock(mutex_);
        const auto it = open_.find(id);
        if (it == open_.end()) return;
        session = it->second;
        open_.erase(it);
    }
    const std::lock_guard lock(session->mutex);
    close_locked(*session);
}

void UploadSessions::sweep(std::int64_t now) noexcept {
    std::vector<std::string> expired;
    {
        const std::lock_guard lock(mutex_);
        for (const auto& [id, session] : open_) {
            if (session->expires < now) expired.push_back(id);
        }
    }
    for (const auto& id : expired) abort(id);
}

}  // namespace cedana::plugins::store
