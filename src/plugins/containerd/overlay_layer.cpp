#include "plugins/containerd/overlay_layer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::plugins::containerd {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlock = 1 << 20;
constexpr const char* kWhiteoutPrefix = ".wh.";
constexpr const char* kOpaqueMarker = ".wh..wh..opq";
constexpr const char* kOverlayXattrs = "trusted.overlay.";

struct WriterDeleter {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};
struct ResolverDeleter {
    void operator()(archive_entry_linkresolver* r) const { archive_entry_linkresolver_free(r); }
};
struct DigestDeleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Where libarchive's output goes: the file, and the digest of every byte of it.
struct Sink {
    util::UniqueFd fd;
    std::unique_ptr<EVP_MD_CTX, DigestDeleter> sha{EVP_MD_CTX_new()};
    std::int64_t size = 0;
};

la_ssize_t sink_write(archive* a, void* client, const void* buffer, size_t length) {
    auto* sink = static_cast<Sink*>(client);
    const auto* p = static_cast<const char*>(buffer);
    for (size_t left = length; left > 0;) {
        const ssize_t n = ::write(sink->fd.get(), p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            archive_set_error(a, errno, "%s", std::strerror(errno));
            return -1;
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    EVP_DigestUpdate(sink->sha.get(), buffer, length);
    sink->size += static_cast<std::int64_t>(length);
    return static_cast<la_ssize_t>(length);
}

[[noreturn]] void archive_failed(archive* a, const std::string& what) {
    const int err = archive_errno(a);
    fail(ErrorKind::failed_precondition, "cannot {}: {}{}", what, archive_error_string(a) != nullptr ? archive_error_string(a) : "unknown error",
         err > 0 ? fmt::format(" ({})", std::strerror(err)) : "");
}

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

bool is_opaque(const fs::path& dir) {
    char value[2] = {};
    const ssize_t n = ::lgetxattr(dir.c_str(), "trusted.overlay.opaque", value, sizeof value);
    return n == 1 && value[0] == 'y';
}

// The file's extended attributes but overlayfs's own, which describe the upper directory
// rather than the container's files.
void add_xattrs(archive_entry* entry, const fs::path& path) {
    std::string names(1024, '\0');
    ssize_t n = 0;
    while ((n = ::llistxattr(path.c_str(), names.data(), names.size())) < 0 && errno == ERANGE) names.resize(names.size() * 4);
    if (n < 0) {
        if (errno == ENOTSUP) return;
        fail(ErrorKind::failed_precondition, "cannot list the extended attributes of {}: {}", path.string(), std::strerror(errno));
    }
    names.resize(static_cast<std::size_t>(n));
    for (std::size_t at = 0; at < names.size();) {
        const std::string name = names.c_str() + at;
        at += name.size() + 1;
        if (name.empty() || name.starts_with(kOverlayXattrs)) continue;
        std::string value(256, '\0');
        ssize_t got = 0;
        while ((got = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size())) < 0 && errno == ERANGE) value.resize(value.size() * 4);
        if (got < 0) fail(ErrorKind::failed_precondition, "cannot read attribute {} of {}: {}", name, path.string(), std::strerror(errno));
        archive_entry_xattr_add_entry(entry, name.c_str(), value.data(), static_cast<std::size_t>(got));
    }
}

std::string link_target(const fs::path& path) {
    std::error_code ec;
    const auto target = fs::read_symlink(path, ec);
    if (ec) fail(ErrorKind::failed_precondition, "cannot read the link {}: {}", path.string(), ec.message());
    return target.string();
}

class LayerWriter {
public:
    LayerWriter(const fs::path& upper, const fs::path& out) : upper_(upper), out_(out) {
        sink_.fd.reset(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        if (!sink_.fd) fail(ErrorKind::failed_precondition, "cannot create {}: {}", out.string(), std::strerror(errno));
        EVP_DigestInit_ex(sink_.sha.get(), EVP_sha256(), nullptr);
        archive_write_set_format_pax_restricted(writer_.get());
        archive_write_set_bytes_per_block(writer_.get(), 0);
        if (archive_write_open2(writer_.get(), &sink_, nullptr, sink_write, nullptr, nullptr) != ARCHIVE_OK) archive_failed(writer_.get(), "start the layer");
        archive_entry_linkresolver_set_strategy(links_.get(), archive_format(writer_.get()));
    }

    LayerFile write() {
        std::error_code ec;
        fs::recursive_directory_iterator it(upper_, ec), end;
        if (ec) fail(ErrorKind::failed_precondition, "cannot read the container's writable layer {}: {}", upper_.string(), ec.message());
        for (; it != end; it.increment(ec)) {
            if (ec) fail(ErrorKind::failed_precondition, "cannot read the container's writable layer {}: {}", upper_.string(), ec.message());
            add(it->path());
        }
        if (ec) fail(ErrorKind::failed_precondition, "cannot read the container's writable layer {}: {}", upper_.string(), ec.message());
        if (archive_write_close(writer_.get()) != ARCHIVE_OK) archive_failed(writer_.get(), "finish the layer " + out_.string());
        // No fsync: like CRIU's images beside it (images/archive_writer.cpp), the layer is as
        // durable as the page cache.
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(sink_.sha.get(), digest, &length);
        std::string hex;
        for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
        return {.digest = "sha256:" + hex, .size = sink_.size};
    }

private:
    void add(const fs::path& path) {
        struct stat st{};
        if (::lstat(path.c_str(), &st) != 0) fail(ErrorKind::failed_precondition, "cannot read {}: {}", path.string(), std::strerror(errno));
        const std::string rel = path.lexically_relative(upper_).string();
        std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
        if (is_whiteout(st)) {
            const fs::path name = fs::path(rel).parent_path() / (kWhiteoutPrefix + path.filename().string());
            archive_entry_set_pathname(entry.get(), name.c_str());
            archive_entry_set_filetype(entry.get(), AE_IFREG);
            archive_entry_set_perm(entry.get(), 0);
            archive_entry_set_size(entry.get(), 0);
            write_header(entry.get());
            return;
        }
        archive_entry_copy_stat(entry.get(), &st);
        archive_entry_set_pathname(entry.get(), rel.c_str());
        if (S_ISLNK(st.st_mode)) archive_entry_set_symlink(entry.get(), link_target(path).c_str());
        add_xattrs(entry.get(), path);
        archive_entry* linked = entry.get();
        archive_entry* spare = nullptr;
        archive_entry_linkify(links_.get(), &linked, &spare);
        write_header(linked);
        if (S_ISREG(st.st_mode) && archive_entry_hardlink(linked) == nullptr) copy_data(path);
        if (S_ISDIR(st.st_mode) && is_opaque(path)) {
            std::unique_ptr<archive_entry, EntryDeleter> marker(archive_entry_new());
            archive_entry_set_pathname(marker.get(), (fs::path(rel) / kOpaqueMarker).c_str());
            archive_entry_set_filetype(marker.get(), AE_IFREG);
            archive_entry_set_perm(marker.get(), 0);
            archive_entry_set_size(marker.get(), 0);
            write_header(marker.get());
        }
    }

    void write_header(archive_entry* entry) {
        if (archive_write_header(writer_.get(), entry) < ARCHIVE_WARN) archive_failed(writer_.get(), fmt::format("write {} into the layer", archive_entry_pathname(entry)));
    }

    void copy_data(const fs::path& path) {
        util::UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!in) fail(ErrorKind::failed_precondition, "cannot read {}: {}", path.string(), std::strerror(errno));
        buffer_.resize(kBlock);
        while (true) {
            const ssize_t n = ::read(in.get(), buffer_.data(), buffer_.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail(ErrorKind::failed_precondition, "cannot read {}: {}", path.string(), std::strerror(errno));
            if (n == 0) break;
            if (archive_write_data(writer_.get(), buffer_.data(), static_cast<size_t>(n)) < 0) archive_failed(writer_.get(), "write " + path.string() + " into the layer");
        }
    }

    fs::path upper_;
    fs::path out_;
    Sink sink_;
    std::unique_ptr<archive, WriterDeleter> writer_{archive_write_new()};
    std::unique_ptr<archive_entry_linkresolver, ResolverDeleter> links_{archive_entry_linkresolver_new()};
    std::vector<char> buffer_;
};

}  // namespace

fs::path upper_dir(const std::vector<Mount>& mounts, const std::string& snapshotter) {
    for (const auto& m : mounts) {
        if (m.type() != "overlay") continue;
        for (const auto& option : m.options()) {
            if (option.starts_with("upperdir=")) return option.substr(std::strlen("upperdir="));
        }
    }
    fail(ErrorKind::failed_precondition, "the container's snapshot (snapshotter {}) is not an overlayfs one with an upper directory; --rootfs "
         "captures the writable layer of containers on the overlayfs snapshotter only", snapshotter);
}

LayerFile write_layer(const fs::path& upper, const fs::path& out) { return LayerWriter(upper, out).write(); }

}  // namespace cedana::plugins::containerd
