#include "images/opened_checkpoint.hpp"

#include <fcntl.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

#include "images/archive.hpp"
#include "images/served/served_archive.hpp"
#include "images/served/served_images.hpp"
#include "images/served/served_shards.hpp"
#include "images/shards/shard_index.hpp"
#include "images/shards/shard_unpack.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"
#include "util/write_all.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

namespace {

// Beside the archive when that directory is writable (same filesystem, no copy to /tmp).
fs::path make_scratch(const fs::path& near) {
    std::string pattern = (near / ".cedana-restore-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) return pattern;
    pattern = (fs::temp_directory_path() / ".cedana-restore-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) return pattern;
    fail(ErrorKind::failed_precondition, "cannot create a directory to extract the checkpoint: {}", std::strerror(errno));
}

constexpr std::size_t kCopy = 8u << 20;

void copy_source(util::ByteSource& source, const fs::path& to) {
    util::UniqueFd fd(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) fail(ErrorKind::failed_precondition, "cannot create {}: {}", to.string(), std::strerror(errno));
    std::vector<char> buffer(kCopy);
    for (std::uint64_t at = 0; at < source.size();) {
        const std::size_t n = source.read_at(at, static_cast<std::size_t>(std::min<std::uint64_t>(kCopy, source.size() - at)), buffer.data());
        if (n == 0) break;
        util::pwrite_all(fd.get(), buffer.data(), n, at, to);
        at += n;
    }
}

}  // namespace

OpenedCheckpoint::OpenedCheckpoint(const fs::path& path) : format_(detect(path)) {
    std::optional<shards::ShardLayout> layout;
    if (format_ == Compression::none) {
        layout = shards::find_shards(path);
        if (!layout) {
            dir_ = path;
            return;
        }
        format_ = layout->compression;
        streamed_ = true;
    }
    scratch_ = make_scratch(path.parent_path());
    leftover_ = util::Leftover({scratch_});
    dir_ = scratch_;
    try {
        if (layout) {
            open_streamed(*layout);
        } else {
            open_archive(path);
        }
    } catch (...) {
        std::error_code ec;
        fs::remove_all(scratch_, ec);
        throw;
    }
}

OpenedCheckpoint::OpenedCheckpoint(const shards::ShardLayout& layout, std::vector<std::shared_ptr<util::ByteSource>> others)
    : format_(layout.compression), streamed_(true) {
    scratch_ = make_scratch(layout.shards.front().parent_path());
    leftover_ = util::Leftover({scratch_});
    dir_ = scratch_;
    try {
        open_remote(layout, others);
    } catch (...) {
        std::error_code ec;
        fs::remove_all(scratch_, ec);
        throw;
    }
}

void OpenedCheckpoint::open_remote(const shards::ShardLayout& layout, const std::vector<std::shared_ptr<util::ByteSource>>& others) {
    if (others.size() + 1 != layout.shards.size()) fail(ErrorKind::internal, "{} shards and {} sources for them", layout.shards.size(), others.size());
    const auto first = shards::unpack_first_shard(layout, scratch_);
    const std::string where = layout.shards.front().parent_path().string();
    if (first.index) {
        try {
            served_ = served::serve_shard_sources(layout, others, first.preamble,
                                                  shards::decode_index(*first.index, static_cast<int>(layout.shards.size())), scratch_);
            spdlog::info("serving the memory images of {} from its {} shards where they lie", where, layout.shards.size());
            return;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::unavailable) throw;
            spdlog::info("copying the shards of {} here to extract them: {}", where, e.what());
        }
    }
    for (std::size_t i = 0; i < others.size(); ++i) copy_source(*others[i], layout.shards[i + 1]);
    std::error_code ec;
    fs::remove_all(scratch_, ec);
    if (!ec) fs::create_directory(scratch_, ec);
    if (ec) fail(ErrorKind::failed_precondition, "cannot empty {}: {}", scratch_.string(), ec.message());
    shards::unpack_shards(layout, scratch_);
}

// img-0 first: it carries the index of where the memory images lie in the other shards.
// Without FUSE (not root, no /dev/fuse) they are extracted like the rest.
void OpenedCheckpoint::open_streamed(const shards::ShardLayout& layout) {
    const int count = static_cast<int>(layout.shards.size());
    const auto index = shards::unpack_shards(layout, scratch_, shards::ShardSelection::first);
    if (index) {
        try {
            served_ = served::serve_shards(layout, shards::decode_index(*index, count), scratch_);
            spdlog::info("serving the memory images of {} straight from its {} shards", layout.shards.front().parent_path().string(), count);
            return;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::unavailable) throw;
            spdlog::info("extracting the memory images of {}: {}", layout.shards.front().parent_path().string(), e.what());
        }
    }
    shards::unpack_shards(layout, scratch_);
}

void OpenedCheckpoint::open_archive(const fs::path& path) {
    try {
        served_ = served::serve_archive(path, format_, scratch_);
        if (served_) {
            spdlog::info("serving the memory images of {} straight from the archive", path.string());
            return;
        }
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::unavailable) throw;
        spdlog::info("extracting the memory images of {}: {}", path.string(), e.what());
    }
    unpack(path, format_, scratch_);
}

OpenedCheckpoint::~OpenedCheckpoint() {
    served_.reset();
    if (scratch_.empty()) return;
    std::error_code ec;
    fs::remove_all(scratch_, ec);
}

}  // namespace cedana::images
