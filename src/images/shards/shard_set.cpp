#include "images/shards/shard_set.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <random>

#include "images/frame_format.hpp"
#include "images/parallel_frames.hpp"
#include "images/shards/shard_index.hpp"
#include "util/error.hpp"
#include "util/file_output.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images::shards {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kScratch = 1u << 20;
// Below this much room in the frame being filled, a read goes through the scratch buffer
// rather than being cut short.
constexpr std::size_t kMinDirect = 64u << 10;
// The shards' frames together: every shard fills one frame while up to kWindow more are
// compressed or written, so about (kWindow + 1) x kBuffered bytes of input (and as much
// again of compressed frames) are held at most, whatever the number of streams.
constexpr std::size_t kBuffered = 16u << 20;
constexpr std::size_t kMinChunk = 256u << 10;
constexpr std::size_t kWindow = 2;

DumpId new_id() {
    std::random_device random;
    DumpId id{};
    for (auto& byte : id) byte = static_cast<unsigned char>(random() & 0xff);
    return id;
}

}  // namespace

struct ShardSet::Shard {
    std::string name;
    std::unique_ptr<util::ByteOutput> out;
    std::unique_ptr<ParallelFrameWriter> frames;  // destroyed first: it writes into `out`
    std::uint64_t records = 0;
    std::uint64_t bytes = 0;
    std::uint64_t raw = 0;  // the stream's length so far
};

ShardSet::ShardSet(const fs::path& dir, int count, Compression c)
    : ShardSet([&dir](const std::string& name) { return std::make_unique<util::FileOutput>(dir / name); }, count, c) {}

ShardSet::ShardSet(const OpenOutput& open, int count, Compression c) : scratch_(kScratch) {
    const DumpId id = new_id();
    const std::size_t chunk = std::clamp<std::size_t>(kBuffered / static_cast<std::size_t>(std::max(count, 1)), kMinChunk,
                                                      ParallelFrameWriter::kDefaultChunk);
    for (int i = 0; i < count; ++i) {
        auto shard = std::make_unique<Shard>();
        shard->name = shard_name(i, c);
        shard->out = open(shard->name);
        shard->frames = std::make_unique<ParallelFrameWriter>(*shard->out, shard_codec(c), chunk, kWindow);
        const auto preamble = encode_preamble({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(count), id});
        shard->frames->write(preamble.data(), preamble.size());
        shard->raw = preamble.size();
        shards_.push_back(std::move(shard));
    }
}

ShardSet::~ShardSet() = default;

std::vector<std::string> ShardSet::names() const {
    std::vector<std::string> out;
    for (const auto& s : shards_) out.push_back(s->name);
    return out;
}

void ShardSet::put(int index, std::string_view name, std::uint64_t offset, std::span<const char> data) {
    Shard& s = *shards_.at(static_cast<std::size_t>(index));
    const std::string header = encode_header({.end = false, .name = std::string(name), .offset = offset, .length = data.size()});
    s.frames->write(header.data(), header.size());
    s.frames->write(data.data(), data.size());
    note_piece(index, name, offset, s.raw + header.size(), data.size());
    s.raw += header.size() + data.size();
    ++s.records;
    s.bytes += data.size();
}

void ShardSet::note_piece(int index, std::string_view name, std::uint64_t offset, std::uint64_t raw, std::uint64_t length) {
    if (index == 0) return;
    pieces_[std::string(name)].push_back({.offset = offset, .length = length, .shard = index, .raw = raw});
}

ssize_t ShardSet::read_into(int index, std::string_view name, std::uint64_t offset, int fd, std::size_t max, const Seen& seen) {
    Shard& s = *shards_.at(static_cast<std::size_t>(index));
    const std::size_t header_size = kHeaderSize + name.size();
    const std::span<char> room = s.frames->space();
    if (room.size() < header_size + kMinDirect) {
        const ssize_t n = ::read(fd, scratch_.data(), std::min(max, scratch_.size()));
        if (n > 0) {
            const std::span<const char> data{scratch_.data(), static_cast<std::size_t>(n)};
            if (seen) seen(data);
            put(index, name, offset, data);
        }
        return n;
    }
    const ssize_t n = ::read(fd, room.data() + header_size, std::min(max, room.size() - header_size));
    if (n <= 0) return n;
    if (seen) seen({room.data() + header_size, static_cast<std::size_t>(n)});
    const std::string header =
        encode_header({.end = false, .name = std::string(name), .offset = offset, .length = static_cast<std::uint64_t>(n)});
    std::memcpy(room.data(), header.data(), header.size());
    s.frames->commit(header_size + static_cast<std::size_t>(n));
    note_piece(index, name, offset, s.raw + header_size, static_cast<std::uint64_t>(n));
    s.raw += header_size + static_cast<std::uint64_t>(n);
    ++s.records;
    s.bytes += static_cast<std::uint64_t>(n);
    return n;
}

void ShardSet::put_file(int index, const fs::path& path) {
    util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail(ErrorKind::failed_precondition, "cannot read {}: {}", path.string(), std::strerror(errno));
    const std::string name = path.filename().string();
    std::uint64_t offset = 0;
    for (;;) {
        const ssize_t n = read_into(index, name, offset, fd.get(), scratch_.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(ErrorKind::failed_precondition, "cannot read {}: {}", path.string(), std::strerror(errno));
        if (n == 0) break;
        offset += static_cast<std::uint64_t>(n);
    }
    // An empty file still exists after a restore.
    if (offset == 0) put(index, name, 0, {});
}

void ShardSet::finish() {
    const auto end = [](Shard& s) {
        const std::string trailer = encode_header({.end = true, .name = "", .offset = s.records, .length = s.bytes});
        s.frames->write(trailer.data(), trailer.size());
    };
    for (std::size_t i = 1; i < shards_.size(); ++i) end(*shards_[i]);
    ShardIndex index;
    for (std::size_t i = 1; i < shards_.size(); ++i) {
        Shard& s = *shards_[i];
        s.frames->finish();
        index.streams.push_back({.shard = static_cast<int>(i), .file_size = s.out->size(), .frames = s.frames->frames()});
    }
    for (std::size_t i = 1; i < shards_.size(); ++i) shards_[i]->out->finish();
    index.files = std::move(pieces_);
    const std::string text = encode_index(index);
    put(0, kIndexFile, 0, {text.data(), text.size()});
    end(*shards_[0]);
    shards_[0]->frames->finish();
    shards_[0]->out->finish();
}

std::uint64_t ShardSet::size() const {
    std::uint64_t total = 0;
    for (const auto& s : shards_) total += s->out->size();
    return total;
}

}  // namespace cedana::images::shards
