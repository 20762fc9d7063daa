#include "images/served/served_archive.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "images/metadata.hpp"
#include "images/served/archive_frames.hpp"
#include "images/streamed_archive.hpp"
#include "images/tar_header.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"
#include "util/write_all.hpp"

namespace cedana::images::served {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kCopy = 1u << 20;

struct Entry {
    std::string name;
    std::uint64_t data = 0;  // in the tar stream
    std::uint64_t size = 0;
};

std::string read_bytes(FrameStream& stream, std::uint64_t at, std::size_t size) {
    std::vector<Slice> slices;
    stream.read(at, size, slices);
    std::string out;
    for (const auto& s : slices) out.append(s.data, s.size);
    return out;
}

std::optional<std::uint64_t> octal(std::string_view field) {
    std::uint64_t value = 0;
    bool any = false;
    for (const char ch : field) {
        if (ch == '\0' || ch == ' ') {
            if (any) break;
            continue;
        }
        if (ch < '0' || ch > '7') return std::nullopt;
        value = value * 8 + static_cast<std::uint64_t>(ch - '0');
        any = true;
    }
    return any ? std::optional(value) : std::nullopt;
}

// A ustar header of a regular file with a plain name, as cedana writes them; nullopt for
// anything else (the archive is then extracted, which refuses or reads it).
std::optional<Entry> parse_header(const std::string& h, std::uint64_t at) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < kTarBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    if (octal(std::string_view(h).substr(148, 8)) != sum) return std::nullopt;
    const char type = h[156];
    if (type != '0' && type != '\0') return std::nullopt;
    if (h[345] != '\0') return std::nullopt;
    const std::string name(h.data(), ::strnlen(h.data(), 100));
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) return std::nullopt;
    std::uint64_t size = 0;
    if ((static_cast<unsigned char>(h[124]) & 0x80) != 0) {
        for (std::size_t i = 125; i < 136; ++i) size = (size << 8) | static_cast<unsigned char>(h[i]);
    } else {
        const auto parsed = octal(std::string_view(h).substr(124, 12));
        if (!parsed) return std::nullopt;
        size = *parsed;
    }
    return Entry{.name = name, .data = at + kTarBlock, .size = size};
}

std::optional<std::vector<Entry>> tar_entries(FrameStream& stream, std::uint64_t total) {
    std::vector<Entry> entries;
    std::set<std::string> names;
    std::uint64_t at = 0;
    for (;;) {
        if (at + kTarBlock > total) return std::nullopt;
        const std::string header = read_bytes(stream, at, kTarBlock);
        if (std::all_of(header.begin(), header.end(), [](char ch) { return ch == '\0'; })) return entries;
        auto entry = parse_header(header, at);
        if (!entry || entry->size > total - entry->data || !names.insert(entry->name).second) return std::nullopt;
        at = entry->data + entry->size + tar_padding(entry->size);
        entries.push_back(std::move(*entry));
    }
}

void extract(FrameStream& stream, const Entry& entry, const fs::path& dir) {
    const fs::path path = dir / entry.name;
    util::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) fail(ErrorKind::failed_precondition, "cannot create {}: {}", path.string(), std::strerror(errno));
    for (std::uint64_t done = 0; done < entry.size;) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kCopy, entry.size - done));
        std::vector<Slice> slices;
        stream.read(entry.data + done, n, slices);
        for (const auto& s : slices) {
            util::pwrite_all(fd.get(), s.data, s.size, done, path);
            done += s.size;
        }
    }
}

}  // namespace

std::unique_ptr<ServedImages> serve_archive(const fs::path& archive, Compression c, const fs::path& dir) {
    auto frames = archive_frames(archive, c);
    if (!frames || frames->empty()) return nullptr;
    const std::uint64_t total = frames->back().raw_offset + frames->back().raw_size;
    auto stream = std::make_unique<FrameStream>(archive, "checkpoint " + archive.string(), *streamed_codec(c), std::move(*frames));
    std::optional<std::vector<Entry>> entries;
    try {
        entries = tar_entries(*stream, total);
    } catch (const Error&) {
        // A frame that does not decode: extraction reports the archive as corrupted.
        return nullptr;
    }
    if (!entries) return nullptr;
    std::map<std::string, std::vector<ServedImages::Piece>> memory;
    for (const auto& e : *entries) {
        if (is_memory_image(e.name)) memory[e.name] = {{.offset = 0, .length = e.size, .shard = 1, .raw = e.data}};
    }
    if (memory.empty()) return nullptr;
    FrameStream& reader = *stream;
    std::vector<std::unique_ptr<FrameStream>> streams;
    streams.push_back(std::move(stream));
    auto served = std::make_unique<ServedImages>(std::move(streams), std::move(memory), dir);
    for (const auto& e : *entries) {
        if (!is_memory_image(e.name)) extract(reader, e, dir);
    }
    return served;
}

}  // namespace cedana::images::served
