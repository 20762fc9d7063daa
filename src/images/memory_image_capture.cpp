#include "images/memory_image_capture.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kStreamFrom = 1u << 20;
constexpr std::size_t kHoldLimit = 64u << 20;
constexpr std::size_t kReadSize = 1u << 20;
// Larger pipes mean fewer wake-ups per GiB; 1 MiB is the kernel's default limit for them.
constexpr int kPipeSize = 1 << 20;

// One memory image's FIFO and what has come through it.
struct Image {
    std::string name;
    util::UniqueFd fifo;
    bool used = false;  // CRIU opened it: epoll reported data or a hang-up
    StreamingChecksum sum;
    bool live = false;     // the archive's open entry
    std::string held;      // or waiting in memory…
    util::UniqueFd spill;  // …or in a scratch file
    std::uint64_t spilled = 0;
};

}  // namespace

struct MemoryImageCapture::State {
    fs::path dir;
    StreamedArchive& archive;
    util::UniqueFd wake;  // eventfd: finish() or the destructor has something to say
    util::UniqueFd epoll;
    std::atomic<bool> criu_done{false};
    std::atomic<bool> abort{false};

    std::map<int, std::unique_ptr<Image>> open;  // by FIFO descriptor
    std::vector<std::string> fifo_names;          // every FIFO made, to remove at the end
    Image* live = nullptr;
    std::deque<std::unique_ptr<Image>> waiting;   // complete, behind the open entry
    std::map<std::string, FileSum> sums;
    std::vector<char> scratch = std::vector<char>(kReadSize);

    mutable std::mutex error_mutex;
    std::exception_ptr error;
    std::jthread thread;

    State(const fs::path& d, StreamedArchive& a) : dir(d), archive(a) {}

    void watch(int fd) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0) fail(ErrorKind::internal, "epoll_ctl: {}", std::strerror(errno));
    }

    void make_fifo(const std::string& name) {
        const fs::path path = dir / name;
        if (::mkfifo(path.c_str(), 0600) != 0) fail(ErrorKind::failed_precondition, "cannot create {}: {}", path.string(), std::strerror(errno));
        fifo_names.push_back(name);
        auto image = std::make_unique<Image>();
        image->name = name;
        // Non-blocking: opening for reading does not wait for a writer.
        image->fifo.reset(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        if (!image->fifo) fail(ErrorKind::failed_precondition, "cannot open {}: {}", path.string(), std::strerror(errno));
        if (::fcntl(image->fifo.get(), F_SETPIPE_SZ, kPipeSize) < 0) {
            spdlog::debug("cannot enlarge the FIFO of {}: {}", name, std::strerror(errno));
        }
        watch(image->fifo.get());
        const int fd = image->fifo.get();
        open[fd] = std::move(image);
    }

    void spill_out(Image& image) {
        image.spill = scratch_file(image.name);
        write_spill(image, image.held.data(), image.held.size());
        image.held = std::string();
    }

    // Unlinked from the start where the file system can (O_TMPFILE), else right after it
    // is made: either way it is gone with its descriptor.
    util::UniqueFd scratch_file(const std::string& name) {
        util::UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
        if (!fd && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
            std::string pattern = (dir / ".held-XXXXXX").string();
            fd.reset(::mkostemp(pattern.data(), O_CLOEXEC));
            if (fd && ::unlink(pattern.c_str()) != 0) fd.reset();
        }
        if (!fd) fail(ErrorKind::failed_precondition, "cannot hold image {} aside in {}: {}", name, dir.string(), std::strerror(errno));
        return fd;
    }

    void write_spill(Image& image, const char* data, std::size_t size) {
        while (size > 0) {
            const ssize_t n = ::write(image.spill.get(), data, size);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) fail(ErrorKind::failed_precondition, "cannot hold image {} aside in {}: {}", image.name, dir.string(), std::strerror(errno));
            data += n;
            size -= static_cast<std::size_t>(n);
            image.spilled += static_cast<std::uint64_t>(n);
        }
    }

    void emit(Image& image) {
        if (image.spill) {
            archive.add_fd(image.name, image.spill.get(), image.spilled);
        } else {
            archive.add(image.name, image.held);
        }
    }

    // The image becomes the archive's open entry and streams on into it.
    void promote(Image& image) {
        archive.begin_entry(image.name);
        archive.append(image.held.data(), image.held.size());
        image.held = std::string();
        image.live = true;
        live = &image;
    }

    // Reads once from a FIFO: fair to the others, and up to a whole pipe's worth.
    void drain(Image& image) {
        image.used = true;
        ssize_t n = 0;
        if (image.live) {
            const std::span<char> room = archive.space();
            n = ::read(image.fifo.get(), room.data(), room.size());
            if (n > 0) {
                image.sum.update(room.data(), static_cast<std::size_t>(n));
                archive.commit(static_cast<std::size_t>(n));
            }
        } else {
            n = ::read(image.fifo.get(), scratch.data(), scratch.size());
            if (n > 0) {
                image.sum.update(scratch.data(), static_cast<std::size_t>(n));
                if (image.spill) {
                    write_spill(image, scratch.data(), static_cast<std::size_t>(n));
                } else {
                    image.held.append(scratch.data(), static_cast<std::size_t>(n));
                    if (live == nullptr && image.held.size() >= kStreamFrom) {
                        promote(image);
                    } else if (image.held.size() > kHoldLimit) {
                        spill_out(image);
                    }
                }
            }
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        if (n < 0) fail(ErrorKind::internal, "cannot read image {} from CRIU: {}", image.name, std::strerror(errno));
        if (n == 0) complete(image);
    }

    // CRIU closed the image: it is whole.
    void complete(Image& image) {
        const int fd = image.fifo.get();
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr) != 0) fail(ErrorKind::internal, "epoll_ctl: {}", std::strerror(errno));
        auto owned = std::move(open.at(fd));
        open.erase(fd);
        owned->fifo.reset();
        sums[owned->name] = owned->sum.finish();
        if (owned->live) {
            archive.end_entry();
            live = nullptr;
            for (; !waiting.empty(); waiting.pop_front()) emit(*waiting.front());
        } else if (live == nullptr) {
            emit(*owned);
        } else {
            waiting.push_back(std::move(owned));
        }
    }

    // CRIU has exited, so a FIFO it opened reports a hang-up now if it never did before; one
    // that reports nothing was never opened and holds no image.
    void drop_unused() {
        for (auto it = open.begin(); it != open.end();) {
            pollfd p{it->first, POLLIN, 0};
            if (::poll(&p, 1, 0) < 0) fail(ErrorKind::internal, "poll: {}", std::strerror(errno));
            if (!it->second->used && p.revents == 0) {
                if (::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, it->first, nullptr) != 0) {
                    fail(ErrorKind::internal, "epoll_ctl: {}", std::strerror(errno));
                }
                it = open.erase(it);
            } else {
                ++it;
            }
        }
    }

    void loop() {
        epoll_event events[16];
        for (;;) {
            if (criu_done && open.empty()) return;
            const int n = ::epoll_wait(epoll.get(), events, 16, -1);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail(ErrorKind::internal, "epoll_wait: {}", std::strerror(errno));
            for (int i = 0; i < n; ++i) {
                const int fd = events[i].data.fd;
                if (fd == wake.get()) {
                    std::uint64_t count = 0;
                    if (::read(wake.get(), &count, sizeof count) < 0 && errno != EAGAIN) {
                        fail(ErrorKind::internal, "eventfd: {}", std::strerror(errno));
                    }
                    if (abort) return;
                    if (criu_done) drop_unused();
                } else if (const auto it = open.find(fd); it != open.end()) {
                    drain(*it->second);
                }
            }
        }
    }

    void run() {
        try {
            loop();
        } catch (...) {
            const std::lock_guard lock(error_mutex);
            error = std::current_exception();
        }
        // A broken pipe is how CRIU learns that the capture stopped.
        open.clear();
    }

    void signal() {
        const std::uint64_t one = 1;
        if (::write(wake.get(), &one, sizeof one) != sizeof one) {
            // Cannot happen to an eventfd far from its limit; joining now would wait forever.
            spdlog::critical("cannot wake the memory image capture: {}", std::strerror(errno));
            std::terminate();
        }
    }

    void remove_fifos() {
        for (const auto& name : fifo_names) {
            struct stat st{};
            const fs::path path = dir / name;
            if (::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode) && ::unlink(path.c_str()) != 0) {
                spdlog::warn("cannot remove {}: {}", path.string(), std::strerror(errno));
            }
        }
        fifo_names.clear();
    }
};

MemoryImageCapture::MemoryImageCapture(const fs::path& dir, int count, StreamedArchive& archive)
    : state_(std::make_unique<State>(dir, archive)) {
    State& s = *state_;
    s.wake.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    s.epoll.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!s.wake || !s.epoll) fail(ErrorKind::internal, "cannot set up the memory image capture: {}", std::strerror(errno));
    s.watch(s.wake.get());
    try {
        for (int i = 1; i <= count; ++i) s.make_fifo(fmt::format("pages-{}.img", i));
    } catch (...) {
        s.remove_fifos();
        throw;
    }
    s.thread = std::jthread([&s] { s.run(); });
}

MemoryImageCapture::~MemoryImageCapture() {
    if (state_->thread.joinable()) {
        state_->abort = true;
        state_->signal();
        state_->thread.join();
    }
    state_->remove_fifos();
}

std::map<std::string, FileSum> MemoryImageCapture::finish() {
    State& s = *state_;
    s.criu_done = true;
    s.signal();
    s.thread.join();
    s.remove_fifos();
    if (const auto e = error()) std::rethrow_exception(e);
    return std::move(s.sums);
}

std::exception_ptr MemoryImageCapture::error() const {
    const std::lock_guard lock(state_->error_mutex);
    return state_->error;
}

}  // namespace cedana::images
