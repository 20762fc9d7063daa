#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "images/archive.hpp"
#include "images/zlib_stream.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlock = 1 << 20;

struct ArchiveDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

[[noreturn]] void corrupted(archive* a, const fs::path& path) {
    fail(ErrorKind::invalid_argument, "checkpoint {} is corrupted or truncated: {}", path.string(),
         archive_error_string(a) != nullptr ? archive_error_string(a) : "unreadable archive");
}

struct ZlibSource {
    explicit ZlibSource(std::FILE* in) : reader(in), buffer(kBlock, '\0') {}
    ZlibReader reader;
    std::string buffer;
};

la_ssize_t zlib_read(archive* a, void* client, const void** out) {
    auto* source = static_cast<ZlibSource*>(client);
    try {
        const std::size_t got = source->reader.read(source->buffer.data(), source->buffer.size());
        *out = source->buffer.data();
        return static_cast<la_ssize_t>(got);
    } catch (const std::exception& e) {
        archive_set_error(a, EINVAL, "%s", e.what());
        return -1;
    }
}

// The name an entry may have: a plain relative name that stays inside the destination.
void check_name(const std::string& name, const fs::path& archive_path) {
    if (name.empty()) fail(ErrorKind::invalid_argument, "checkpoint {} is corrupted or truncated: an entry has no name", archive_path.string());
    const fs::path p(name);
    bool escapes = p.is_absolute();
    for (const auto& part : p) {
        if (part == "..") escapes = true;
    }
    if (escapes) {
        fail(ErrorKind::invalid_argument, "checkpoint {} is unsafe: entry \"{}\" would be written outside the checkpoint; refusing it",
             archive_path.string(), name);
    }
}

// Entries may name directories implicitly; one that is a file already makes the archive bad.
void make_dirs(const fs::path& dir, const fs::path& archive_path) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) fail(ErrorKind::invalid_argument, "checkpoint {} is malformed: cannot create {}: {}", archive_path.string(), dir.string(), ec.message());
}

void extract_file(archive* a, const fs::path& target, const fs::path& archive_path) {
    make_dirs(target.parent_path(), archive_path);
    util::UniqueFd fd(::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) fail(ErrorKind::failed_precondition, "cannot create {}: {}", target.string(), std::strerror(errno));
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    for (;;) {
        const int rc = archive_read_data_block(a, &block, &size, &offset);
        if (rc == ARCHIVE_EOF) return;
        if (rc != ARCHIVE_OK) corrupted(a, archive_path);
        const char* data = static_cast<const char*>(block);
        while (size > 0) {
            const ssize_t written = ::pwrite(fd.get(), data, size, offset);
            if (written < 0) {
                if (errno == EINTR) continue;
                fail(ErrorKind::failed_precondition, "cannot write {}: {}", target.string(), std::strerror(errno));
            }
            data += written;
            size -= static_cast<size_t>(written);
            offset += written;
        }
    }
}

}  // namespace

void unpack(const fs::path& archive_path, Compression c, const fs::path& dest) {
    std::unique_ptr<std::FILE, FileCloser> in(std::fopen(archive_path.c_str(), "rb"));
    if (!in) fail(ErrorKind::not_found, "cannot open checkpoint {}: {}", archive_path.string(), std::strerror(errno));
    std::optional<ZlibSource> zlib;

    std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
    archive_read_support_format_tar(a.get());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_lz4(a.get());
    archive_read_support_filter_zstd(a.get());
    int rc = ARCHIVE_OK;
    if (c == Compression::zlib) {
        zlib.emplace(in.get());
        rc = archive_read_open(a.get(), &*zlib, nullptr, zlib_read, nullptr);
    } else {
        rc = archive_read_open_FILE(a.get(), in.get());
    }
    if (rc != ARCHIVE_OK) corrupted(a.get(), archive_path);

    archive_entry* entry = nullptr;
    for (;;) {
        rc = archive_read_next_header(a.get(), &entry);
        if (rc == ARCHIVE_EOF) break;
        if (rc != ARCHIVE_OK) corrupted(a.get(), archive_path);
        const std::string name = archive_entry_pathname(entry) != nullptr ? archive_entry_pathname(entry) : "";
        check_name(name, archive_path);
        if (archive_entry_hardlink(entry) != nullptr) {
            fail(ErrorKind::invalid_argument, "checkpoint {} is unsafe: entry \"{}\" is a hard link; refusing it", archive_path.string(), name);
        }
        const fs::path target = dest / fs::path(name).lexically_normal();
        switch (archive_entry_filetype(entry)) {
            case AE_IFREG: extract_file(a.get(), target, archive_path); break;
            case AE_IFDIR: make_dirs(target, archive_path); break;
            default:
                fail(ErrorKind::invalid_argument,
                     "checkpoint {} is unsafe: entry \"{}\" is not a plain file or directory (a link, device or FIFO); refusing it",
                     archive_path.string(), name);
        }
    }
}

}  // namespace cedana::images
