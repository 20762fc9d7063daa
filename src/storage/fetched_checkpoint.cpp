#include "storage/fetched_checkpoint.hpp"

#include <fcntl.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/object_source.hpp"
#include "storage/remote_checkpoint.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"
#include "util/write_all.hpp"

namespace cedana::storage {

namespace fs = std::filesystem;

namespace {

// Large ranges: fewer requests per GiB (each costs a round trip and, on some servers, a
// look-up of the whole object); a range that breaks off resumes from its last byte anyway.
constexpr std::uint64_t kRange = 32ull << 20;
constexpr int kConnections = 4;

struct Download {
    std::string key = {};
    std::uint64_t size = 0;
    fs::path file = {};
    util::UniqueFd fd = {};
};

// Every range of every download, on kConnections threads; the first failure stops the rest.
void download_all(ObjectStore& store, std::vector<Download>& downloads, util::TransferProgress* progress) {
    struct Range {
        Download* download;
        std::uint64_t offset;
        std::uint64_t length;
    };
    std::vector<Range> ranges;
    for (auto& d : downloads) {
        d.fd.reset(::open(d.file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!d.fd) fail(ErrorKind::failed_precondition, "cannot create {}: {}", d.file.string(), std::strerror(errno));
        for (std::uint64_t at = 0; at < d.size; at += kRange) ranges.push_back({&d, at, std::min(kRange, d.size - at)});
    }
    std::atomic<std::size_t> next = 0;
    std::atomic<bool> failed = false;
    std::mutex mutex;
    std::exception_ptr error;
    const auto work = [&] {
        for (std::size_t i = next++; i < ranges.size() && !failed; i = next++) {
            const Range& r = ranges[i];
            try {
                std::uint64_t at = r.offset;
                store.read(r.download->key, r.offset, r.length, [&](std::string_view bytes) {
                    util::pwrite_all(r.download->fd.get(), bytes.data(), bytes.size(), at, r.download->file);
                    at += bytes.size();
                    if (progress != nullptr) progress->add(bytes.size());
                });
            } catch (...) {
                const std::lock_guard lock(mutex);
                if (!error) error = std::current_exception();
                failed = true;
            }
        }
    };
    {
        std::vector<std::jthread> threads;
        const auto count = std::min<std::size_t>(kConnections, std::max<std::size_t>(ranges.size(), 1));
        for (std::size_t i = 0; i < count; ++i) threads.emplace_back(work);
    }
    if (error) std::rethrow_exception(error);
}

std::string last_segment(const std::string& key) {
    const auto slash = key.rfind('/');
    return slash == std::string::npos ? key : key.substr(slash + 1);
}

}  // namespace

FetchedCheckpoint::FetchedCheckpoint(ObjectStore& store, const RemoteUrl& url, util::TransferProgress* progress)
    : scratch_("cedana-fetch"), progress_(progress) {
    const auto found = find_checkpoint(store, url);
    if (found.objects.empty()) fail(ErrorKind::not_found, "{}: no checkpoint there (no such object, and no shards under it)", url.str());
    path_ = scratch_.path() / last_segment(url.key);
    std::vector<Download> downloads;
    if (found.streamed) {
        std::error_code ec;
        fs::create_directory(path_, ec);
        if (ec) fail(ErrorKind::failed_precondition, "cannot create {}: {}", path_.string(), ec.message());
        std::map<std::string, const ObjectInfo*> by_name;
        std::vector<fs::path> files;
        for (const auto& object : found.objects) {
            files.push_back(path_ / last_segment(object.key));
            by_name[files.back().filename().string()] = &object;
        }
        layout_ = images::shards::shard_layout(path_, files);
        if (layout_) {
            const ObjectInfo& first = *by_name.at(layout_->shards.front().filename().string());
            downloads.push_back({.key = first.key, .size = first.size, .file = layout_->shards.front(), .fd = {}});
            for (std::size_t i = 1; i < layout_->shards.size(); ++i) {
                sources_.push_back(std::make_shared<ObjectSource>(store, *by_name.at(layout_->shards[i].filename().string()), progress));
            }
        } else {
            for (std::size_t i = 0; i < files.size(); ++i) downloads.push_back({.key = found.objects[i].key, .size = found.objects[i].size, .file = files[i], .fd = {}});
        }
    } else {
        downloads.push_back({.key = found.objects.front().key, .size = found.objects.front().size, .file = path_, .fd = {}});
    }
    if (progress != nullptr) {
        std::uint64_t total = 0;
        for (const auto& object : found.objects) total += object.size;
        progress->begin((sources_.empty() ? "downloading " : "reading ") + url.str(), total);
    }
    download_all(store, downloads, progress);
    if (progress != nullptr && sources_.empty()) progress->end();
}

// The memory shards are read until the restore is done with them.
FetchedCheckpoint::~FetchedCheckpoint() {
    if (progress_ != nullptr) progress_->end();
}

void FetchedCheckpoint::open(std::optional<images::OpenedCheckpoint>& into) const {
    if (layout_) {
        into.emplace(*layout_, sources_);
    } else {
        into.emplace(path_);
    }
}

}  // namespace cedana::storage
