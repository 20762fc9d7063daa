#include "images/compression.hpp"

#include <array>
#include <cstring>
#include <fstream>

#include "util/error.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

namespace {

struct Named {
    Compression c;
    const char* name;
    const char* ext;
};

constexpr std::array<Named, 6> kAll = {{
    {Compression::none, "none", ""},
    {Compression::tar, "tar", ".tar"},
    {Compression::gzip, "gzip", ".tar.gz"},
    {Compression::lz4, "lz4", ".tar.lz4"},
    {Compression::zlib, "zlib", ".tar.zlib"},
    {Compression::zstd, "zstd", ".tar.zst"},
}};

bool starts_with(const std::string& data, std::initializer_list<unsigned char> magic) {
    if (data.size() < magic.size()) return false;
    std::size_t i = 0;
    for (unsigned char byte : magic) {
        if (static_cast<unsigned char>(data[i++]) != byte) return false;
    }
    return true;
}

}  // namespace

Compression parse_compression(const std::string& name) {
    for (const auto& n : kAll) {
        if (name == n.name) return n.c;
    }
    fail(ErrorKind::invalid_argument, "unknown compression \"{}\": use none, tar, gzip, lz4, zlib or zstd", name);
}

std::string name_of(Compression c) {
    for (const auto& n : kAll) {
        if (n.c == c) return n.name;
    }
    return "?";
}

std::string extension(Compression c) {
    for (const auto& n : kAll) {
        if (n.c == c) return n.ext;
    }
    return "";
}

std::optional<Compression> from_extension(const std::string& file_name) {
    // Longest first: ".tar" ends none of the others' names but is the tail of none of them
    // either, so any order works; this one reads as the table does.
    for (const auto& n : kAll) {
        const std::string_view ext = n.ext;
        if (!ext.empty() && file_name.size() > ext.size() && std::string_view(file_name).ends_with(ext)) return n.c;
    }
    return std::nullopt;
}

namespace {

Compression from_content(const fs::path& path);

std::string known_extensions() {
    std::string out;
    for (const auto& n : kAll) {
        if (*n.ext == '\0') continue;
        out += (out.empty() ? "" : ", ") + std::string(n.ext);
    }
    return out;
}

}  // namespace

Compression detect(const fs::path& path) {
    const Compression content = from_content(path);
    if (content == Compression::none) return content;
    const auto named = from_extension(path.filename().string());
    if (!named) {
        fail(ErrorKind::invalid_argument,
             "{}: its name ends in no checkpoint extension cedana knows ({}); it holds a {} archive: rename it to end in {}",
             path.string(), known_extensions(), name_of(content), extension(content));
    }
    if (*named != content) {
        fail(ErrorKind::invalid_argument, "{}: its name says {} ({}) but it holds a {} archive: rename it to end in {}", path.string(),
             name_of(*named), extension(*named), name_of(content), extension(content));
    }
    return content;
}

namespace {

Compression from_content(const fs::path& path) {
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) fail(ErrorKind::not_found, "checkpoint {} does not exist", path.string());
    if (fs::is_directory(status)) return Compression::none;
    if (!fs::is_regular_file(status)) fail(ErrorKind::invalid_argument, "checkpoint {} is neither a directory nor a file", path.string());

    std::ifstream in(path, std::ios::binary);
    std::string head(512, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    if (starts_with(head, {0x1f, 0x8b})) return Compression::gzip;
    if (starts_with(head, {0x04, 0x22, 0x4d, 0x18})) return Compression::lz4;
    if (starts_with(head, {0x28, 0xb5, 0x2f, 0xfd})) return Compression::zstd;
    if (head.size() >= 262 && std::memcmp(head.data() + 257, "ustar", 5) == 0) return Compression::tar;
    // A zlib header (checked after tar, whose first bytes are a file name that may look like
    // one): deflate with a window of at most 32 KiB and a valid check value.
    if (head.size() >= 2 && (static_cast<unsigned char>(head[0]) & 0x0f) == 8 && (static_cast<unsigned char>(head[0]) >> 4) <= 7 &&
        ((static_cast<unsigned char>(head[0]) << 8) | static_cast<unsigned char>(head[1])) % 31 == 0) {
        return Compression::zlib;
    }
    fail(ErrorKind::invalid_argument,
         "{} is not a checkpoint cedana can read: expected a directory or a tar archive (plain, gzip, lz4, zlib or zstd)",
         path.string());
}

}  // namespace

}  // namespace cedana::images
