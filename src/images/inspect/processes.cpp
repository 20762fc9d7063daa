#include "images/inspect/processes.hpp"

#include <fmt/format.h>

#include "images/inspect/image_reader.hpp"
#include "images/inspect/table.hpp"

namespace cedana::images::inspect {

namespace fs = std::filesystem;

namespace {

// Field numbers in CRIU's pstree_entry, core_entry, task_core_entry, task_kobj_ids_entry.
namespace pstree_f {
constexpr int pid = 1, ppid = 2, pgid = 3, sid = 4, threads = 5;
}
namespace core_f {
constexpr int tc = 3, ids = 4;
}
namespace tc_f {
constexpr int task_state = 1, comm = 6;
}
namespace ids_f {
constexpr int vm_id = 1, files_id = 2;
}

std::string state_name(std::uint64_t state) {
    switch (state) {  // compel's task states
        case 1: return "alive";
        case 2: return "dead";
        case 3: return "stopped";
        case 6: return "zombie";
        default: return fmt::format("state {}", state);
    }
}

void read_core(const fs::path& dir, Process& p) {
    Image core = read_image(dir / fmt::format("core-{}.img", p.pid), magic::core);
    if (core.entries.empty()) corrupt(core.path, "no core entry");
    const Message& entry = core.entries.front();
    if (auto tc = entry.message(core_f::tc)) {
        p.comm = tc->bytes(tc_f::comm).value_or("");
        p.state = state_name(tc->varint(tc_f::task_state).value_or(0));
    }
    auto ids = entry.message(core_f::ids);
    if (!ids) {  // older layout: a separate ids-<pid>.img
        if (auto img = read_image_if_present(dir / fmt::format("ids-{}.img", p.pid), magic::ids);
            img && !img->entries.empty())
            ids = img->entries.front();
    }
    if (ids) {
        if (auto v = ids->varint(ids_f::files_id)) p.files_id = static_cast<std::uint32_t>(*v);
        if (auto v = ids->varint(ids_f::vm_id)) p.vm_id = static_cast<std::uint32_t>(*v);
    }
}

}  // namespace

std::vector<Process> read_processes(const fs::path& dir) {
    Image tree = read_image(dir / "pstree.img", magic::pstree);
    if (tree.entries.empty()) corrupt(tree.path, "no processes");
    std::vector<Process> out;
    for (const Message& e : tree.entries) {
        Process p;
        p.pid = static_cast<std::uint32_t>(e.required_varint(pstree_f::pid, "pid"));
        p.ppid = static_cast<std::uint32_t>(e.varint(pstree_f::ppid).value_or(0));
        p.pgid = static_cast<std::uint32_t>(e.varint(pstree_f::pgid).value_or(0));
        p.sid = static_cast<std::uint32_t>(e.varint(pstree_f::sid).value_or(0));
        for (std::uint64_t t : e.varints(pstree_f::threads)) p.threads.push_back(static_cast<std::uint32_t>(t));
        read_core(dir, p);
        out.push_back(std::move(p));
    }
    return out;
}

std::string describe_ps(const fs::path& dir) {
    Table table({{"PID", true}, {"PPID", true}, {"PGID", true}, {"SID", true}, {"THREADS", true},
                 {"STATE"}, {"COMMAND"}});
    for (const Process& p : read_processes(dir)) {
        std::string threads = fmt::format("{}", p.threads.size());
        table.add({fmt::format("{}", p.pid), fmt::format("{}", p.ppid), fmt::format("{}", p.pgid),
                   fmt::format("{}", p.sid), threads, p.state, p.comm});
    }
    return table.render();
}

}  // namespace cedana::images::inspect
