#include "images/memory_image_follower.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "images/metadata.hpp"
#include "util/error.hpp"
#include "util/inotify_pool.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

namespace {

// One memory image as far as it has been read and hashed.
struct Followed {
    util::UniqueFd fd;
    StreamingChecksum sum;
    int write_closes = 0;
    bool suspect = false;  // finish() hashes it again from the start
};

}  // namespace

struct MemoryImageFollower::State {
    fs::path dir;
    util::UniqueFd dir_fd;
    util::UniqueFd inotify;
    util::UniqueFd stop;  // eventfd: finish() or the destructor wants the thread to end
    std::map<std::string, Followed> files;
    std::map<int, std::string> watched;  // inotify watch of one memory image -> its name
    int dir_watch = -1;
    std::vector<char> buffer = std::vector<char>(1 << 20);
    bool gave_up = false;  // something failed: finish() hashes every image from the start
    std::jthread thread;

    void open(const std::string& name, Followed& f) {
        if (f.fd || f.suspect) return;
        f.fd.reset(::openat(dir_fd.get(), name.c_str(), O_RDONLY | O_CLOEXEC));
        if (!f.fd) f.suspect = true;
    }

    // Reads what the writer has added since the last time.
    void drain(Followed& f) {
        if (f.suspect || !f.fd) return;
        for (;;) {
            const ssize_t n = ::read(f.fd.get(), buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                f.suspect = true;
                return;
            }
            if (n == 0) return;
            f.sum.update(buffer.data(), static_cast<std::size_t>(n));
        }
    }

    // The directory's watch reports only creations: CRIU's log, written line by line in the
    // same directory, would otherwise wake the thread thousands of times. A memory image
    // gets a watch of its own, and what was written before the watch is read at once.
    // Our descriptor is opened before the watch exists, so any open the watch reports is
    // someone else's: a second writer, whose writing we cannot follow.
    void created(const std::string& name) {
        if (!is_memory_image(name)) return;
        Followed& f = files[name];
        open(name, f);
        const int wd = ::inotify_add_watch(inotify.get(), (dir / name).c_str(), IN_MODIFY | IN_CLOSE_WRITE | IN_OPEN);
        if (wd < 0) {
            f.suspect = true;
            return;
        }
        watched[wd] = name;
        drain(f);
    }

    void handle_events() {
        alignas(inotify_event) char events[64 * 1024];
        for (;;) {
            const ssize_t n = ::read(inotify.get(), events, sizeof events);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) return;
            if (n <= 0) {
                gave_up = true;
                return;
            }
            for (ssize_t off = 0; off < n;) {
                const auto* ev = reinterpret_cast<const inotify_event*>(events + off);
                off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
                if ((ev->mask & IN_Q_OVERFLOW) != 0) gave_up = true;
                if (ev->len > 0) {
                    created(ev->name);
                } else if (const auto it = watched.find(ev->wd); it != watched.end()) {
                    Followed& f = files[it->second];
                    if ((ev->mask & IN_CLOSE_WRITE) != 0) ++f.write_closes;
                    if ((ev->mask & IN_OPEN) != 0) f.suspect = true;
                    drain(f);
                }
            }
        }
    }

    // Wakes the thread and waits for it to end.
    void halt() {
        const std::uint64_t one = 1;
        if (::write(stop.get(), &one, sizeof one) != sizeof one) {
            // Cannot happen to an eventfd counting to 1 or 2; joining now would wait forever.
            spdlog::critical("cannot stop the image follower: {}", std::strerror(errno));
            std::terminate();
        }
        thread.join();
    }

    void run() {
        for (;;) {
            pollfd fds[2] = {{inotify.get(), POLLIN, 0}, {stop.get(), POLLIN, 0}};
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue;
                gave_up = true;
                return;
            }
            if ((fds[0].revents & POLLIN) != 0) handle_events();
            if ((fds[1].revents & POLLIN) != 0 || gave_up) return;
        }
    }
};

MemoryImageFollower::MemoryImageFollower(const fs::path& dir) : state_(std::make_unique<State>()) {
    State& s = *state_;
    s.dir = dir;
    s.dir_fd.reset(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    s.inotify = util::take_inotify();
    s.stop.reset(::eventfd(0, EFD_CLOEXEC));
    if (s.dir_fd && s.stop) s.dir_watch = ::inotify_add_watch(s.inotify.get(), dir.c_str(), IN_CREATE);
    if (s.dir_watch < 0) {
        const int err = errno;
        util::give_back_inotify(std::move(s.inotify), {});
        fail(ErrorKind::internal, "cannot watch {} for CRIU's images: {}", dir.string(), std::strerror(err));
    }
    s.thread = std::jthread([&s] { s.run(); });
}

MemoryImageFollower::~MemoryImageFollower() {
    if (state_->thread.joinable()) state_->halt();
    std::vector<int> watches{state_->dir_watch};
    for (const auto& [wd, name] : state_->watched) watches.push_back(wd);
    util::give_back_inotify(std::move(state_->inotify), watches);
}

std::map<std::string, FileSum> MemoryImageFollower::finish() {
    State& s = *state_;
    s.halt();
    s.handle_events();  // what happened after the thread's last look

    std::map<std::string, FileSum> sums;
    std::vector<std::string> again;
    for (const auto& entry : fs::directory_iterator(s.dir)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file() || !is_memory_image(name)) continue;
        Followed& f = s.files[name];
        s.open(name, f);
        s.drain(f);
        struct stat st{};
        const bool whole = !s.gave_up && !f.suspect && f.write_closes <= 1 && f.fd && ::fstat(f.fd.get(), &st) == 0 &&
                           static_cast<std::uint64_t>(st.st_size) == f.sum.size();
        if (whole) {
            sums[name] = f.sum.finish();
        } else {
            again.push_back(name);
        }
    }
    if (!again.empty()) {
        spdlog::debug("{} memory image(s) of {} were not written in one pass; hashing them again", again.size(), s.dir.string());
        sums.merge(checksum_files(s.dir, again));
    }
    return sums;
}

}  // namespace cedana::images
