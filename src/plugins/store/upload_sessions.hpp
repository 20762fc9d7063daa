#pragma once
// Uploads in progress. Each PUT /v2/files/{path} opens one, with a file of its own under
// DIR/partial; its parts arrive as ranged PUTs, in any order, on any connection, and are
// written where they belong. Only a complete upload (every byte of 0..total received) is
// published under its path; an aborted or expired one is removed. So a reader never sees a
// partial checkpoint, and an upload that breaks off leaves nothing.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "plugins/store/request_target.hpp"
#include "plugins/store/store_tree.hpp"
#include "util/unique_fd.hpp"

namespace cedana::plugins::store {

struct UploadSession {
    std::string id;
    RequestTarget target;
    std::int64_t expires = 0;
    util::UniqueFd fd;
    std::mutex mutex;
    std::map<std::uint64_t, std::uint64_t> received;  // [first, end) ranges, merged
    bool closed = false;                              // published or aborted
};

class UploadSessions {
public:
    // More uploads than this at once are refused (503): each holds a file open.
    static constexpr std::size_t kMaxOpen = 256;

    explicit UploadSessions(StoreTree& tree) : tree_(tree) {}
    ~UploadSessions();
    UploadSessions(const UploadSessions&) = delete;
    UploadSessions& operator=(const UploadSessions&) = delete;

    // Throws cedana::Error(unavailable) when kMaxOpen are open.
    std::string open(const RequestTarget& target, std::int64_t expires);
    // nullptr when there is no such upload (finished, aborted, expired, or of an earlier run).
    std::shared_ptr<UploadSession> find(const std::string& id);

    // Bytes of the part that begins at `offset`.
    void write(UploadSession& session, std::uint64_t offset, std::string_view bytes);
    // The part [first, end) arrived whole.
    void received(UploadSession& session, std::uint64_t first, std::uint64_t end);
    // Publishes the upload once it holds exactly bytes 0..total; throws
    // cedana::Error(invalid_argument) naming the first missing byte otherwise (the upload
    // stays open for the missing parts).
    void complete(const std::string& id, std::uint64_t total);
    void abort(const std::string& id) noexcept;
    // Aborts the uploads whose URLs expired before `now`.
    void sweep(std::int64_t now) noexcept;

private:
    void close_locked(UploadSession& session) noexcept;

    StoreTree& tree_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<UploadSession>> open_;
};

}  // namespace cedana::plugins::store
