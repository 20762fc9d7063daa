#include "images/inspect/sockets.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstring>
#include <map>

#include <fmt/format.h>

#include "images/inspect/files.hpp"
#include "images/inspect/processes.hpp"
#include "images/inspect/table.hpp"

namespace cedana::images::inspect {

namespace fs = std::filesystem;

namespace {

// Field numbers in CRIU's file_entry, unix_sk_entry and inet_sk_entry.
namespace file_f {
constexpr int isk = 4, usk = 16;
}
namespace usk_f {
constexpr int ino = 2, type = 3, state = 4, backlog = 7, peer = 8, name = 11, name_dir = 14, deleted = 15;
}
namespace isk_f {
constexpr int ino = 2, family = 3, type = 4, proto = 5, state = 6, src_port = 7, dst_port = 8, backlog = 10,
              src_addr = 11, dst_addr = 12;
}

std::string sock_type(std::uint64_t type) {
    switch (type) {
        case SOCK_STREAM: return "STREAM";
        case SOCK_DGRAM: return "DGRAM";
        case SOCK_RAW: return "RAW";
        case SOCK_SEQPACKET: return "SEQPACKET";
        default: return fmt::format("type {}", type);
    }
}

// The kernel's TCP states, which unix sockets use too.
std::string sock_state(std::uint64_t state) {
    static constexpr const char* names[] = {"",          "ESTABLISHED", "SYN_SENT", "SYN_RECV",
                                            "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT", "CLOSE",
                                            "CLOSE_WAIT", "LAST_ACK",   "LISTEN",    "CLOSING"};
    if (state >= 1 && state < std::size(names)) return names[state];
    return fmt::format("state {}", state);
}

std::string proto_name(std::uint64_t proto, std::uint64_t type) {
    switch (proto) {
        case 6: return "TCP";
        case 17: return "UDP";
        case 136: return "UDPLITE";
        case 132: return "SCTP";
        case 1: return "ICMP";
        case 58: return "ICMPV6";
        case 0: return type == SOCK_STREAM ? "TCP" : type == SOCK_DGRAM ? "UDP" : "IP";
        default: return fmt::format("proto {}", proto);
    }
}

std::string family_name(std::uint64_t family) {
    if (family == AF_INET) return "IPv4";
    if (family == AF_INET6) return "IPv6";
    return fmt::format("family {}", family);
}

// An address as CRIU stores it: the raw 32-bit words of the kernel's network-order
// address, each as a uint32 in host order.
std::string address(std::uint64_t family, const std::vector<std::uint64_t>& words, std::uint64_t port) {
    unsigned char raw[16] = {};
    for (std::size_t i = 0; i < words.size() && i < 4; ++i) {
        auto w = static_cast<std::uint32_t>(words[i]);
        std::memcpy(raw + 4 * i, &w, 4);
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (family == AF_INET6) {
        inet_ntop(AF_INET6, raw, text, sizeof text);
        return fmt::format("[{}]:{}", text, port);
    }
    inet_ntop(AF_INET, raw, text, sizeof text);
    return fmt::format("{}:{}", text, port);
}

// A unix socket's name: a path, "@name" for an abstract one, "" when unnamed.
std::string unix_name(const Message& usk) {
    std::string name = usk.bytes(usk_f::name).value_or("");
    if (name.empty()) return "";
    std::string out;
    if (name[0] == '\0') {
        out = "@";
        name.erase(0, 1);
    } else if (name[0] != '/') {
        if (auto dir = usk.bytes(usk_f::name_dir); dir && !dir->empty()) out = *dir + "/";
    }
    for (char c : name) {
        auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u >= 0x7f) ? fmt::format("\\x{:02x}", u) : std::string(1, c);
    }
    if (usk.varint(usk_f::deleted).value_or(0)) out += " (deleted)";
    return out;
}

// "PID:FD" of every descriptor open on each file object id.
std::map<std::uint32_t, std::string> owners(const fs::path& dir) {
    std::map<std::uint32_t, std::string> out;
    for (const Process& p : read_processes(dir)) {
        if (!p.files_id) continue;
        for (const Descriptor& d : read_descriptors(dir, *p.files_id)) {
            std::string& list = out[d.id];
            if (!list.empty()) list += ",";
            list += fmt::format("{}:{}", p.pid, d.fd);
        }
    }
    return out;
}

}  // namespace

std::string unix_summary(const Message& usk) {
    std::string text = fmt::format("unix {} {}", sock_type(usk.varint(usk_f::type).value_or(0)),
                                   sock_state(usk.varint(usk_f::state).value_or(0)));
    if (std::string name = unix_name(usk); !name.empty()) text += " " + name;
    text += fmt::format(" ino {}", usk.varint(usk_f::ino).value_or(0));
    if (auto peer = usk.varint(usk_f::peer); peer && *peer != 0) text += fmt::format(" peer {}", *peer);
    return text;
}

std::string inet_summary(const Message& isk) {
    const std::uint64_t family = isk.varint(isk_f::family).value_or(0);
    const std::uint64_t state = isk.varint(isk_f::state).value_or(0);
    std::string text = fmt::format("{} {} {}", proto_name(isk.varint(isk_f::proto).value_or(0), isk.varint(isk_f::type).value_or(0)),
                                   address(family, isk.varints(isk_f::src_addr), isk.varint(isk_f::src_port).value_or(0)),
                                   sock_state(state));
    if (state != 10 && isk.varint(isk_f::dst_port).value_or(0) != 0)
        text += " -> " + address(family, isk.varints(isk_f::dst_addr), isk.varint(isk_f::dst_port).value_or(0));
    return text;
}

std::string describe_sk(const fs::path& dir) {
    const FileTable files = FileTable::read(dir);
    const std::map<std::uint32_t, std::string> held = owners(dir);
    auto owner = [&](std::uint32_t id) {
        auto it = held.find(id);
        return it == held.end() ? std::string("-") : it->second;
    };

    Table unix_table({{"INO", true}, {"TYPE"}, {"STATE"}, {"NAME"}, {"PEER", true}, {"BACKLOG", true}, {"PID:FD"}});
    Table inet_table({{"INO", true}, {"FAMILY"}, {"PROTO"}, {"STATE"}, {"LOCAL"}, {"REMOTE"}, {"BACKLOG", true}, {"PID:FD"}});
    Table other_table({{"ID", true}, {"TYPE"}, {"PID:FD"}});
    for (const FileObject& f : files.all()) {
        if (auto usk = f.type == fd_type::unixsk ? f.entry.message(file_f::usk) : std::nullopt) {
            const std::uint64_t peer = usk->varint(usk_f::peer).value_or(0);
            unix_table.add({fmt::format("{}", usk->varint(usk_f::ino).value_or(0)), sock_type(usk->varint(usk_f::type).value_or(0)),
                            sock_state(usk->varint(usk_f::state).value_or(0)), unix_name(*usk),
                            peer ? fmt::format("{}", peer) : "-", fmt::format("{}", usk->varint(usk_f::backlog).value_or(0)),
                            owner(f.id)});
        } else if (auto isk = f.type == fd_type::inetsk ? f.entry.message(file_f::isk) : std::nullopt) {
            const std::uint64_t family = isk->varint(isk_f::family).value_or(0);
            const std::uint64_t state = isk->varint(isk_f::state).value_or(0);
            const std::uint64_t dport = isk->varint(isk_f::dst_port).value_or(0);
            inet_table.add({fmt::format("{}", isk->varint(isk_f::ino).value_or(0)), family_name(family),
                            proto_name(isk->varint(isk_f::proto).value_or(0), isk->varint(isk_f::type).value_or(0)),
                            sock_state(state),
                            address(family, isk->varints(isk_f::src_addr), isk->varint(isk_f::src_port).value_or(0)),
                            state == 10 || dport == 0 ? "-" : address(family, isk->varints(isk_f::dst_addr), dport),
                            fmt::format("{}", isk->varint(isk_f::backlog).value_or(0)), owner(f.id)});
        } else if (const std::string name = fd_type_name(f.type); name.size() > 2 && name.ends_with("SK")) {
            other_table.add({fmt::format("{:#x}", f.id), name, owner(f.id)});
        }
    }
    std::string out;
    auto section = [&](const char* title, const Table& table) {
        if (table.size() == 0) return;
        if (!out.empty()) out += "\n";
        out += fmt::format("{} sockets:\n", title);
        out += table.render();
    };
    section("unix", unix_table);
    section("inet", inet_table);
    section("other", other_table);
    if (out.empty()) out = "no sockets\n";
    return out;
}

}  // namespace cedana::images::inspect
