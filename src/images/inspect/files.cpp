#include "images/inspect/files.hpp"

#include <fcntl.h>

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "images/inspect/processes.hpp"
#include "images/inspect/sockets.hpp"
#include "images/inspect/table.hpp"

namespace cedana::images::inspect {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kMemfdMagic = 0x48453499;  // memfd.img (memfd inodes)
constexpr std::uint32_t kFsMagic = 0x51403912;     // fs-<pid>.img

// Field numbers in CRIU's file_entry and the per-type entries it embeds.
namespace file_f {
constexpr int type = 1, id = 2, reg = 3, isk = 4, usk = 16, fifo = 17, pipe = 18, tty = 19, memfd = 20;
}
namespace reg_f {
constexpr int name = 6;
}
namespace pipe_f {  // pipe_entry and fifo_entry alike (flags: pipe_entry only)
constexpr int pipe_id = 2, flags = 3;
}
namespace fifo_f {
constexpr int regf_id = 3;
}
namespace tty_f {
constexpr int tty_info_id = 2;
}
namespace memfd_f {
constexpr int inode_id = 5;
}
namespace memfd_inode_f {
constexpr int name = 1, inode_id = 7;
}
namespace fdinfo_f {
constexpr int id = 1, flags = 2, type = 3, fd = 4;
}
namespace fs_f {
constexpr int cwd_id = 1, root_id = 2;
}
namespace mm_f {
constexpr int exe_file_id = 12;
}

std::uint32_t u32(std::uint64_t v) { return static_cast<std::uint32_t>(v); }

}  // namespace

std::string fd_type_name(std::uint64_t type) {
    static constexpr std::array<const char*, 19> names{
        "UND",      "REG",     "PIPE", "FIFO",     "INETSK",    "UNIXSK", "EVENTFD", "EVENTPOLL", "INOTIFY", "SIGNALFD",
        "PACKETSK", "TTY",     "FANOTIFY", "NETLINKSK", "NS", "TUNF",   "EXT",     "TIMERFD",   "MEMFD"};
    if (type < names.size()) return names[type];
    return fmt::format("TYPE{}", type);
}

FileTable FileTable::read(const fs::path& dir) {
    FileTable table;
    Image files = read_image(dir / "files.img", magic::files);
    for (Message& entry : files.entries) {
        FileObject obj{u32(entry.required_varint(file_f::id, "id")), u32(entry.required_varint(file_f::type, "type")),
                       std::move(entry)};
        table.by_id_[obj.id] = table.files_.size();
        table.files_.push_back(std::move(obj));
    }
    if (auto memfds = read_image_if_present(dir / "memfd.img", kMemfdMagic)) {
        for (const Message& inode : memfds->entries)
            if (auto id = inode.varint(memfd_inode_f::inode_id))
                table.memfd_names_[*id] = inode.bytes(memfd_inode_f::name).value_or("");
    }
    return table;
}

const FileObject* FileTable::find(std::uint32_t id) const {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : &files_[it->second];
}

std::string FileTable::path_of(std::uint32_t id) const {
    const FileObject* f = find(id);
    if (f == nullptr) return "";
    if (f->type == fd_type::reg) {
        if (auto reg = f->entry.message(file_f::reg)) return reg->bytes(reg_f::name).value_or("");
    }
    if (f->type == fd_type::memfd) {
        if (auto memfd = f->entry.message(file_f::memfd)) {
            auto inode = memfd->varint(memfd_f::inode_id);
            auto it = inode ? memfd_names_.find(*inode) : memfd_names_.end();
            return "memfd:" + (it == memfd_names_.end() ? std::string("?") : it->second);
        }
    }
    return "";
}

std::string FileTable::describe(std::uint32_t id) const {
    const FileObject* f = find(id);
    if (f == nullptr) return fmt::format("? (no file {:#x} in files.img)", id);
    const Message& e = f->entry;
    switch (f->type) {
        case fd_type::reg:
        case fd_type::memfd: return path_of(id);
        case fd_type::pipe:
            if (auto p = e.message(file_f::pipe)) {
                const bool writer = (p->varint(pipe_f::flags).value_or(0) & O_ACCMODE) == O_WRONLY;
                return fmt::format("pipe:[{}] {} end", p->varint(pipe_f::pipe_id).value_or(0), writer ? "write" : "read");
            }
            break;
        case fd_type::fifo:
            if (auto p = e.message(file_f::fifo)) {
                std::string path = path_of(u32(p->varint(fifo_f::regf_id).value_or(0)));
                return fmt::format("fifo {} pipe:[{}]", path.empty() ? "?" : path, p->varint(pipe_f::pipe_id).value_or(0));
            }
            break;
        case fd_type::inetsk:
            if (auto sk = e.message(file_f::isk)) return inet_summary(*sk);
            break;
        case fd_type::unixsk:
            if (auto sk = e.message(file_f::usk)) return unix_summary(*sk);
            break;
        case 11:  // TTY
            if (auto t = e.message(file_f::tty)) return fmt::format("tty (tty-info {})", t->varint(tty_f::tty_info_id).value_or(0));
            break;
        default: break;
    }
    std::string name = fd_type_name(f->type);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name;
}

std::vector<Descriptor> read_descriptors(const fs::path& dir, std::uint32_t files_id) {
    Image img = read_image(dir / fmt::format("fdinfo-{}.img", files_id), magic::fdinfo);
    std::vector<Descriptor> out;
    for (const Message& e : img.entries) {
        out.push_back({u32(e.required_varint(fdinfo_f::fd, "fd")), u32(e.required_varint(fdinfo_f::id, "id")),
                       u32(e.required_varint(fdinfo_f::type, "type")), u32(e.varint(fdinfo_f::flags).value_or(0))});
    }
    std::sort(out.begin(), out.end(), [](const Descriptor& a, const Descriptor& b) { return a.fd < b.fd; });
    return out;
}

std::string describe_fd(const fs::path& dir) {
    const std::vector<Process> processes = read_processes(dir);
    const FileTable files = FileTable::read(dir);
    Table table({{"PID", true}, {"FD", true}, {"TYPE"}, {"PATH/DESCRIPTION"}});
    for (const Process& p : processes) {
        if (!p.files_id) continue;
        const std::string pid = fmt::format("{}", p.pid);
        // The working directory, root and executable, as `ls -l /proc/PID/fd` tools show them.
        if (auto fsimg = read_image_if_present(dir / fmt::format("fs-{}.img", p.pid), kFsMagic);
            fsimg && !fsimg->entries.empty()) {
            const Message& e = fsimg->entries.front();
            if (auto id = e.varint(fs_f::cwd_id)) table.add({pid, "cwd", "REG", files.describe(u32(*id))});
            if (auto id = e.varint(fs_f::root_id)) table.add({pid, "root", "REG", files.describe(u32(*id))});
        }
        if (p.has_memory()) {
            if (auto mm = read_image_if_present(dir / fmt::format("mm-{}.img", p.pid), magic::mm);
                mm && !mm->entries.empty())
                if (auto id = mm->entries.front().varint(mm_f::exe_file_id))
                    table.add({pid, "exe", "REG", files.describe(u32(*id))});
        }
        for (const Descriptor& d : read_descriptors(dir, *p.files_id))
            table.add({pid, fmt::format("{}", d.fd), fd_type_name(d.type), files.describe(d.id)});
    }
    return table.render();
}

}  // namespace cedana::images::inspect
