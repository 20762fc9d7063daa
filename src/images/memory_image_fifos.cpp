#include "images/memory_image_fifos.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
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

// Larger pipes mean fewer wake-ups per GiB; 1 MiB is the kernel's default limit for them.
constexpr int kPipeSize = 1 << 20;

struct Fifo {
    util::UniqueFd fd;
    bool used = false;  // CRIU opened it: epoll reported data or a hang-up
};

}  // namespace

struct MemoryImageFifos::State {
    fs::path dir;
    Readable readable;
    std::vector<std::string> names;
    util::UniqueFd wake;  // eventfd: finish() or the destructor has something to say
    util::UniqueFd epoll;
    std::atomic<bool> criu_done{false};
    std::atomic<bool> abort{false};
    std::map<int, std::pair<std::size_t, Fifo>> open;  // by descriptor: the image and its FIFO

    mutable std::mutex error_mutex;
    std::exception_ptr error;
    std::jthread thread;

    void watch(int fd) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = fd;
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0) fail(ErrorKind::internal, "epoll_ctl: {}", std::strerror(errno));
    }

    void unwatch(int fd) {
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr) != 0) fail(ErrorKind::internal, "epoll_ctl: {}", std::strerror(errno));
    }

    void make_fifo(std::size_t image) {
        const std::string name = fmt::format("pages-{}.img", image + 1);
        const fs::path path = dir / name;
        if (::mkfifo(path.c_str(), 0600) != 0) fail(ErrorKind::failed_precondition, "cannot create {}: {}", path.string(), std::strerror(errno));
        names.push_back(name);
        Fifo fifo;
        // Non-blocking: opening for reading does not wait for a writer.
        fifo.fd.reset(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        if (!fifo.fd) fail(ErrorKind::failed_precondition, "cannot open {}: {}", path.string(), std::strerror(errno));
        if (::fcntl(fifo.fd.get(), F_SETPIPE_SZ, kPipeSize) < 0) spdlog::debug("cannot enlarge the FIFO of {}: {}", name, std::strerror(errno));
        const int fd = fifo.fd.get();
        watch(fd);
        open.emplace(fd, std::make_pair(image, std::move(fifo)));
    }

    void drain(int fd) {
        auto& [image, fifo] = open.at(fd);
        fifo.used = true;
        if (readable(image, fd)) return;
        unwatch(fd);
        open.erase(fd);
    }

    // CRIU has exited, so a FIFO it opened reports a hang-up now if it never did before; one
    // that reports nothing was never opened and holds no image.
    void drop_unused() {
        for (auto it = open.begin(); it != open.end();) {
            pollfd p{it->first, POLLIN, 0};
            if (::poll(&p, 1, 0) < 0) fail(ErrorKind::internal, "poll: {}", std::strerror(errno));
            if (!it->second.second.used && p.revents == 0) {
                unwatch(it->first);
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
                    if (::read(wake.get(), &count, sizeof count) < 0 && errno != EAGAIN) fail(ErrorKind::internal, "eventfd: {}", std::strerror(errno));
                    if (abort) return;
                    if (criu_done) drop_unused();
                } else if (open.contains(fd)) {
                    drain(fd);
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
        // A broken pipe is how CRIU learns that the drain stopped.
        open.clear();
    }

    void signal() {
        const std::uint64_t one = 1;
        if (::write(wake.get(), &one, sizeof one) != sizeof one) {
            // Cannot happen to an eventfd far from its limit; joining now would wait forever.
            spdlog::critical("cannot wake the memory image drain: {}", std::strerror(errno));
            std::terminate();
        }
    }

    void remove_fifos() {
        for (const auto& name : names) {
            struct stat st{};
            const fs::path path = dir / name;
            if (::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode) && ::unlink(path.c_str()) != 0) {
                spdlog::warn("cannot remove {}: {}", path.string(), std::strerror(errno));
            }
        }
    }
};

MemoryImageFifos::MemoryImageFifos(const fs::path& dir, int count, Readable readable) : state_(std::make_unique<State>()) {
    State& s = *state_;
    s.dir = dir;
    s.readable = std::move(readable);
    s.wake.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    s.epoll.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!s.wake || !s.epoll) fail(ErrorKind::internal, "cannot set up the memory image drain: {}", std::strerror(errno));
    s.watch(s.wake.get());
    try {
        for (int i = 0; i < count; ++i) s.make_fifo(static_cast<std::size_t>(i));
    } catch (...) {
        s.remove_fifos();
        throw;
    }
    s.thread = std::jthread([&s] { s.run(); });
}

MemoryImageFifos::~MemoryImageFifos() {
    if (state_->thread.joinable()) {
        state_->abort = true;
        state_->signal();
        state_->thread.join();
    }
    state_->remove_fifos();
}

const std::string& MemoryImageFifos::name(std::size_t image) const { return state_->names.at(image); }

void MemoryImageFifos::finish() {
    State& s = *state_;
    s.criu_done = true;
    s.signal();
    s.thread.join();
    s.remove_fifos();
    if (const auto e = error()) std::rethrow_exception(e);
}

std::exception_ptr MemoryImageFifos::error() const {
    const std::lock_guard lock(state_->error_mutex);
    return state_->error;
}

}  // namespace cedana::images
