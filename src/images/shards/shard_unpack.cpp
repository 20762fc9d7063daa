#include "images/shards/shard_unpack.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "images/shards/shard_format.hpp"
#include "images/shards/shard_index.hpp"
#include "images/shards/shard_source.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"
#include "util/write_all.hpp"

namespace cedana::images::shards {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBuffer = 1u << 20;
// Some 100 bytes per MiB of memory: 64 MiB describes far more memory than a machine has.
constexpr std::uint64_t kMaxIndex = 64ull << 20;

// Decodes one shard, its preamble already read, into `dest`; the index goes to `index`.
void unpack_one(ShardSource& source, const fs::path& dest, std::optional<std::string>* index) {
    std::map<std::string, util::UniqueFd> files;
    std::vector<char> buffer(kBuffer);
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
    for (;;) {
        char fixed[kHeaderSize];
        source.read_exactly(fixed, sizeof fixed, "before its trailer");
        std::string name(decode_name_size(fixed, source.name()), '\0');
        source.read_exactly(name.data(), name.size(), "inside a record header");
        const Header h = decode_header(fixed, name, source.name());
        if (h.end) {
            if (h.offset != records || h.length != bytes) {
                fail(ErrorKind::invalid_argument, "shard {} is corrupted: its trailer counts {} records of {} bytes, it holds {} of {}",
                     source.name(), h.offset, h.length, records, bytes);
            }
            if (source.read(buffer.data(), 1) != 0) fail(ErrorKind::invalid_argument, "shard {} is corrupted: it goes on after its trailer", source.name());
            return;
        }
        if (index != nullptr && h.name == kIndexFile) {
            if (!*index) index->emplace();
            if (h.offset != (*index)->size() || h.length > kMaxIndex - h.offset) {
                fail(ErrorKind::invalid_argument, "shard {} is corrupted: its index of the memory images is out of order or too large", source.name());
            }
            (*index)->resize(h.offset + h.length);
            source.read_exactly((*index)->data() + h.offset, h.length, "inside the index of the memory images");
            ++records;
            bytes += h.length;
            continue;
        }
        auto& fd = files[h.name];
        const fs::path path = dest / h.name;
        if (!fd) {
            fd.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
            if (!fd) fail(ErrorKind::failed_precondition, "cannot create {}: {}", path.string(), std::strerror(errno));
        }
        std::uint64_t at = h.offset;
        std::uint64_t left = h.length;
        while (left > 0) {
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
            const std::size_t n = source.read(buffer.data(), want);
            if (n == 0) fail(ErrorKind::invalid_argument, "shard {} is truncated: it ends inside {}; the checkpoint is incomplete", source.name(), h.name);
            util::pwrite_all(fd.get(), buffer.data(), n, at, path);
            at += n;
            left -= n;
        }
        ++records;
        bytes += h.length;
    }
}

}  // namespace

std::optional<ShardLayout> find_shards(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) files.push_back(entry.path());
    if (ec) fail(ErrorKind::failed_precondition, "cannot list {}: {}", dir.string(), ec.message());
    return shard_layout(dir, files);
}

std::optional<ShardLayout> shard_layout(const fs::path& dir, const std::vector<fs::path>& files) {
    std::map<int, fs::path> found;
    std::optional<Compression> compression;
    for (const auto& file : files) {
        const std::string name = file.filename().string();
        const auto index = shard_index(name);
        if (!index) continue;
        const auto c = shard_compression(name);
        if (compression && c != compression) {
            fail(ErrorKind::invalid_argument, "{} holds shards of different compressions ({} and {}); a streamed checkpoint's shards are all alike",
                 dir.string(), found.begin()->second.filename().string(), name);
        }
        compression = c;
        if (!found.emplace(*index, file).second) {
            fail(ErrorKind::invalid_argument, "{} holds shard {} twice", dir.string(), *index);
        }
    }
    if (found.empty()) return std::nullopt;
    if (found.size() == 1) {
        fail(ErrorKind::invalid_argument, "{} holds one image shard ({}); a streamed checkpoint has 2 or more: the others are missing", dir.string(),
             found.begin()->second.filename().string());
    }
    ShardLayout layout{.compression = *compression, .shards = {}};
    for (int i = 0; i < static_cast<int>(found.size()); ++i) {
        const auto it = found.find(i);
        if (it == found.end()) fail(ErrorKind::invalid_argument, "{}: shard img-{} is missing; the checkpoint is incomplete", dir.string(), i);
        layout.shards.push_back(it->second);
    }
    return layout;
}

void check_preamble(const Preamble& p, std::size_t index, const Preamble* first, std::size_t count, std::string_view shard,
                    const fs::path& dir) {
    if (p.index != index) fail(ErrorKind::invalid_argument, "shard {} says it is shard img-{}; was it renamed?", shard, p.index);
    if (first != nullptr && p.id != first->id) {
        fail(ErrorKind::invalid_argument, "shard {} comes from another dump than img-0; shards of different checkpoints cannot be mixed", shard);
    }
    if (p.count > count) {
        fail(ErrorKind::invalid_argument, "{}: the checkpoint was written as {} shards and {} are here; img-{} is missing", dir.string(), p.count,
             count, count);
    }
    if (p.count < count) {
        fail(ErrorKind::invalid_argument, "{}: the checkpoint was written as {} shards but {} are here; img-{} and above are not of it",
             dir.string(), p.count, count, p.count);
    }
}

FirstShard unpack_first_shard(const ShardLayout& layout, const fs::path& dest) {
    ShardSource source(layout.shards.at(0), layout.compression);
    char bytes[kPreambleSize];
    source.read_exactly(bytes, sizeof bytes, "before its preamble");
    FirstShard first{.preamble = decode_preamble(bytes, source.name()), .index = {}};
    check_preamble(first.preamble, 0, nullptr, layout.shards.size(), source.name(), layout.shards[0].parent_path());
    unpack_one(source, dest, &first.index);
    return first;
}

std::optional<std::string> unpack_shards(const ShardLayout& layout, const fs::path& dest, ShardSelection which) {
    std::vector<std::unique_ptr<ShardSource>> sources;
    std::optional<Preamble> first;
    for (std::size_t i = 0; i < layout.shards.size(); ++i) {
        auto source = std::make_unique<ShardSource>(layout.shards[i], layout.compression);
        char bytes[kPreambleSize];
        source->read_exactly(bytes, sizeof bytes, "before its preamble");
        const Preamble p = decode_preamble(bytes, source->name());
        check_preamble(p, i, first ? &*first : nullptr, layout.shards.size(), source->name(), layout.shards[i].parent_path());
        if (!first) first = p;
        sources.push_back(std::move(source));
    }
    std::vector<std::future<void>> running;
    if (which == ShardSelection::first) sources.resize(1);
    std::optional<std::string> index;
    for (std::size_t i = 0; i < sources.size(); ++i) {
        running.push_back(std::async(std::launch::async, [&source = sources[i], &dest, into = i == 0 ? &index : nullptr] {
            unpack_one(*source, dest, into);
        }));
    }
    std::exception_ptr error;
    for (auto& r : running) {
        try {
            r.get();
        } catch (...) {
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
    return index;
}

}  // namespace cedana::images::shards
