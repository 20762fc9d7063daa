#define FUSE_USE_VERSION 34
#include "images/served/image_server.hpp"

#include <fuse_lowlevel.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

namespace cedana::images::served {

namespace fs = std::filesystem;

namespace {

constexpr fuse_ino_t kRoot = FUSE_ROOT_ID;
constexpr fuse_ino_t kFirstFile = 2;
// Requests of up to 1 MiB (the kernel splits larger reads), a quarter of a frame.
constexpr unsigned kMaxRequest = 1u << 20;
// The files never change while mounted.
constexpr double kForever = 86400.0;

ImageServer* server_of(fuse_req_t req) { return static_cast<ImageServer*>(fuse_req_userdata(req)); }

void route_log(enum fuse_log_level level, const char* fmt, va_list ap) {
    char line[512];
    std::vsnprintf(line, sizeof line, fmt, ap);
    std::string text(line);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (level <= FUSE_LOG_ERR) {
        spdlog::warn("fuse: {}", text);
    } else {
        spdlog::debug("fuse: {}", text);
    }
}

}  // namespace

struct ImageServer::Ops {
    static struct stat attr_of(const ImageServer& s, fuse_ino_t ino) {
        struct stat st{};
        st.st_ino = ino;
        if (ino == kRoot) {
            st.st_mode = S_IFDIR | 0555;
            st.st_nlink = 2;
        } else {
            st.st_mode = S_IFREG | 0444;
            st.st_nlink = 1;
            st.st_size = static_cast<off_t>(s.files_[ino - kFirstFile].size);
        }
        return st;
    }

    static bool known(const ImageServer& s, fuse_ino_t ino) { return ino == kRoot || (ino >= kFirstFile && ino - kFirstFile < s.files_.size()); }

    static void init(void*, fuse_conn_info* conn) {
        conn->max_read = kMaxRequest;
        conn->max_write = kMaxRequest;
    }

    static void lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
        const ImageServer& s = *server_of(req);
        if (parent != kRoot) {
            fuse_reply_err(req, ENOENT);
            return;
        }
        for (std::size_t i = 0; i < s.files_.size(); ++i) {
            if (s.files_[i].name != name) continue;
            fuse_entry_param e{};
            e.ino = kFirstFile + i;
            e.attr = attr_of(s, e.ino);
            e.attr_timeout = kForever;
            e.entry_timeout = kForever;
            fuse_reply_entry(req, &e);
            return;
        }
        fuse_reply_err(req, ENOENT);
    }

    static void getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
        const ImageServer& s = *server_of(req);
        if (!known(s, ino)) {
            fuse_reply_err(req, ENOENT);
            return;
        }
        const struct stat st = attr_of(s, ino);
        fuse_reply_attr(req, &st, kForever);
    }

    static void open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
        const ImageServer& s = *server_of(req);
        if (ino == kRoot || !known(s, ino)) {
            fuse_reply_err(req, ino == kRoot ? EISDIR : ENOENT);
            return;
        }
        if ((fi->flags & O_ACCMODE) != O_RDONLY) {
            fuse_reply_err(req, EROFS);
            return;
        }
        fi->direct_io = 1;
        fuse_reply_open(req, fi);
    }

    static void read(fuse_req_t req, fuse_ino_t ino, std::size_t size, off_t off, fuse_file_info*) {
        const ImageServer& s = *server_of(req);
        if (ino < kFirstFile || !known(s, ino) || off < 0) {
            fuse_reply_err(req, EINVAL);
            return;
        }
        const std::size_t file = ino - kFirstFile;
        const std::uint64_t total = s.files_[file].size;
        const std::uint64_t at = static_cast<std::uint64_t>(off);
        if (at >= total) {
            fuse_reply_buf(req, nullptr, 0);
            return;
        }
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(size, total - at));
        std::vector<Slice> slices;
        try {
            s.reader_(file, at, want, slices);
        } catch (const std::exception& e) {
            spdlog::debug("serving {} at {}: {}", s.files_[file].name, at, e.what());
            fuse_reply_err(req, EIO);
            return;
        }
        std::vector<iovec> iov;
        iov.reserve(slices.size());
        for (const auto& slice : slices) iov.push_back({.iov_base = const_cast<char*>(slice.data), .iov_len = slice.size});
        fuse_reply_iov(req, iov.data(), static_cast<int>(iov.size()));
    }
};

ImageServer::ImageServer(const fs::path& mountpoint, std::vector<File> files, Reader reader)
    : mountpoint_(mountpoint), files_(std::move(files)), reader_(std::move(reader)), stop_(::eventfd(0, EFD_CLOEXEC)) {
    if (!stop_) fail(ErrorKind::internal, "eventfd: {}", std::strerror(errno));
    fuse_set_log_func(route_log);
    static const fuse_lowlevel_ops ops = [] {
        fuse_lowlevel_ops o{};
        o.init = Ops::init;
        o.lookup = Ops::lookup;
        o.getattr = Ops::getattr;
        o.open = Ops::open;
        o.read = Ops::read;
        return o;
    }();
    // allow_other: the restored tasks read their pages with the credentials (and in the user
    // namespace) of the process being restored, not ours.
    const std::string options = fmt::format("allow_other,max_read={},fsname=cedana-images,subtype=cedana", kMaxRequest);
    const char* argv[] = {"cedana", "-o", options.c_str()};
    fuse_args args = FUSE_ARGS_INIT(3, const_cast<char**>(argv));
    // Parsing the options copies them into memory of libfuse's that is the caller's to free.
    struct FreeArgs {
        fuse_args& args;
        ~FreeArgs() { fuse_opt_free_args(&args); }
    } free_args{args};
    session_ = fuse_session_new(&args, &ops, sizeof ops, this);
    if (session_ == nullptr) fail(ErrorKind::unavailable, "cannot start a FUSE session");
    if (fuse_session_mount(session_, mountpoint_.c_str()) != 0) {
        fuse_session_destroy(session_);
        fail(ErrorKind::unavailable, "cannot mount FUSE at {} (no /dev/fuse, or not root)", mountpoint_.string());
    }
    loop_ = std::thread([this] { serve_loop(); });
}

// libfuse's own loop can only be left by a request or a signal; this one also wakes for
// `stop_`, so that the server stops even while a file is still open somewhere.
void ImageServer::serve_loop() {
    const int fd = fuse_session_fd(session_);
    fuse_buf buf{};
    for (;;) {
        pollfd fds[2] = {{.fd = fd, .events = POLLIN, .revents = 0}, {.fd = stop_.get(), .events = POLLIN, .revents = 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            spdlog::warn("serving {}: poll: {}", mountpoint_.string(), std::strerror(errno));
            break;
        }
        if (fds[1].revents != 0) break;
        const int res = fuse_session_receive_buf(session_, &buf);
        if (res == -EINTR || res == -EAGAIN) continue;
        if (res <= 0) break;
        fuse_session_process_buf(session_, &buf);
    }
    std::free(buf.mem);
}

ImageServer::~ImageServer() {
    const std::uint64_t one = 1;
    if (::write(stop_.get(), &one, sizeof one) != sizeof one) spdlog::warn("cannot stop serving {}: {}", mountpoint_.string(), std::strerror(errno));
    loop_.join();
    fuse_session_unmount(session_);
    fuse_session_destroy(session_);
}

}  // namespace cedana::images::served
