#include "images/inspect/memory.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "images/inspect/files.hpp"
#include "images/inspect/image_reader.hpp"
#include "images/inspect/processes.hpp"
#include "images/inspect/table.hpp"

namespace cedana::images::inspect {

namespace fs = std::filesystem;

namespace {

// Field numbers in CRIU's mm_entry, vma_entry, pagemap_head and pagemap_entry.
namespace mm_f {
constexpr int vmas = 14;
}
namespace vma_f {
constexpr int start = 1, end = 2, pgoff = 3, shmid = 4, prot = 5, flags = 6, status = 7;
}
namespace pagemap_f {
constexpr int vaddr = 1, nr_pages = 2, in_parent = 3, flags = 4;
}

// CRIU's VMA status bits (part of its image format).
namespace vma_status {
constexpr std::uint32_t stack = 1u << 1, vsyscall = 1u << 2, vdso = 1u << 3, heap = 1u << 5,
                        file_private = 1u << 6, file_shared = 1u << 7, anon_shared = 1u << 8,
                        anon_private = 1u << 9, sysvipc = 1u << 10, socket = 1u << 11, vvar = 1u << 12,
                        aioring = 1u << 13, memfd = 1u << 14;
}

std::uint64_t page_size() {
    static const std::uint64_t size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    return size;
}

std::string hex(std::uint64_t v) { return fmt::format("{:x}", v); }

std::string vma_file(const Vma& vma, const FileTable& files) {
    if (vma.status & (vma_status::file_private | vma_status::file_shared | vma_status::memfd))
        return files.path_of(static_cast<std::uint32_t>(vma.shmid));
    if (vma.status & (vma_status::anon_shared | vma_status::sysvipc)) return fmt::format("shmem {:#x}", vma.shmid);
    return "";
}

// The processes with an address space.
std::vector<Process> with_memory(const fs::path& dir) {
    std::vector<Process> out = read_processes(dir);
    std::erase_if(out, [](const Process& p) { return !p.has_memory(); });
    return out;
}

}  // namespace

std::vector<Vma> read_vmas(const fs::path& dir, std::uint32_t pid) {
    Image mm = read_image(dir / fmt::format("mm-{}.img", pid), magic::mm);
    if (mm.entries.empty()) corrupt(mm.path, "no mm entry");
    std::vector<Vma> out;
    for (const Message& v : mm.entries.front().messages(mm_f::vmas)) {
        Vma vma;
        vma.start = v.required_varint(vma_f::start, "vma start");
        vma.end = v.required_varint(vma_f::end, "vma end");
        if (vma.end < vma.start) corrupt(mm.path, fmt::format("vma {:x}-{:x} ends before it starts", vma.start, vma.end));
        vma.pgoff = v.varint(vma_f::pgoff).value_or(0);
        vma.shmid = v.varint(vma_f::shmid).value_or(0);
        vma.prot = static_cast<std::uint32_t>(v.varint(vma_f::prot).value_or(0));
        vma.flags = static_cast<std::uint32_t>(v.varint(vma_f::flags).value_or(0));
        vma.status = static_cast<std::uint32_t>(v.varint(vma_f::status).value_or(0));
        out.push_back(vma);
    }
    std::sort(out.begin(), out.end(), [](const Vma& a, const Vma& b) { return a.start < b.start; });
    return out;
}

std::vector<PageRun> read_pagemap(const fs::path& dir, std::uint32_t pid) {
    Image img = read_image(dir / fmt::format("pagemap-{}.img", pid), magic::pagemap);
    if (img.entries.empty()) corrupt(img.path, "no pagemap head");
    std::vector<PageRun> out;
    // The first entry is the head (which pages-<n>.img holds the data); runs follow.
    for (std::size_t i = 1; i < img.entries.size(); ++i) {
        const Message& e = img.entries[i];
        PageRun run;
        run.vaddr = e.required_varint(pagemap_f::vaddr, "vaddr");
        run.pages = e.required_varint(pagemap_f::nr_pages, "nr_pages");
        if (auto flags = e.varint(pagemap_f::flags))
            run.flags = static_cast<std::uint32_t>(*flags);
        else  // images from before the flags field: in_parent or else present
            run.flags = e.varint(pagemap_f::in_parent).value_or(0) ? page_flag::parent : page_flag::present;
        out.push_back(run);
    }
    return out;
}

std::string vma_perms(const Vma& vma) {
    return fmt::format("{}{}{}{}", vma.prot & PROT_READ ? 'r' : '-', vma.prot & PROT_WRITE ? 'w' : '-',
                       vma.prot & PROT_EXEC ? 'x' : '-', vma.flags & MAP_SHARED ? 's' : 'p');
}

std::string vma_kind(const Vma& vma) {
    std::string kind;
    if (vma.status & vma_status::file_private) kind = "file private";
    else if (vma.status & vma_status::file_shared) kind = "file shared";
    else if (vma.status & vma_status::anon_shared) kind = "anon shared";
    else if (vma.status & vma_status::anon_private) kind = "anon private";
    else kind = (vma.flags & MAP_SHARED) ? "shared" : "private";
    static constexpr std::pair<std::uint32_t, const char*> tags[] = {
        {vma_status::heap, "[heap]"},       {vma_status::stack, "[stack]"},   {vma_status::vdso, "[vdso]"},
        {vma_status::vvar, "[vvar]"},       {vma_status::vsyscall, "[vsyscall]"}, {vma_status::sysvipc, "[sysvipc]"},
        {vma_status::socket, "[socket]"},   {vma_status::aioring, "[aio]"},   {vma_status::memfd, "[memfd]"}};
    for (const auto& [bit, tag] : tags)
        if (vma.status & bit) kind += std::string(" ") + tag;
    if ((vma.flags & MAP_GROWSDOWN) && !(vma.status & vma_status::stack)) kind += " [stack]";
    return kind;
}

std::string describe_mem(const fs::path& dir) {
    const std::vector<Process> processes = with_memory(dir);
    const FileTable files = FileTable::read(dir);
    Table table({{"PID", true}, {"START-END"}, {"SIZE", true}, {"PERM"}, {"KIND"}, {"FILE"}});
    for (const Process& p : processes) {
        std::uint64_t total = 0;
        for (const Vma& v : read_vmas(dir, p.pid)) {
            total += v.end - v.start;
            table.add({fmt::format("{}", p.pid), hex(v.start) + "-" + hex(v.end), human_bytes(v.end - v.start),
                       vma_perms(v), vma_kind(v), vma_file(v, files)});
        }
        table.add({fmt::format("{}", p.pid), "total", human_bytes(total)});
    }
    return table.render();
}

std::string describe_rss(const fs::path& dir) {
    const std::vector<Process> processes = with_memory(dir);
    const FileTable files = FileTable::read(dir);
    const std::uint64_t page = page_size();
    Table summary({{"PID", true}, {"PAGES", true}, {"BYTES", true}, {"SIZE", true}, {"IN IMAGE", true},
                   {"IN PARENT", true}, {"LAZY-OK", true}});
    Table per_vma({{"PID", true}, {"START-END"}, {"PERM"}, {"KIND"}, {"RESIDENT", true}, {"OF PAGES", true},
                   {"SIZE", true}, {"FILE"}});
    for (const Process& p : processes) {
        const std::vector<Vma> vmas = read_vmas(dir, p.pid);
        const std::vector<PageRun> runs = read_pagemap(dir, p.pid);
        std::uint64_t total = 0, present = 0, parent = 0, lazy = 0;
        std::vector<std::uint64_t> resident(vmas.size());
        for (const PageRun& r : runs) {
            total += r.pages;
            if (r.flags & page_flag::present) present += r.pages;
            if (r.flags & page_flag::parent) parent += r.pages;
            if (r.flags & page_flag::lazy) lazy += r.pages;
            const std::uint64_t end = r.vaddr + r.pages * page;
            auto it = std::upper_bound(vmas.begin(), vmas.end(), r.vaddr, [](std::uint64_t a, const Vma& v) { return a < v.end; });
            for (; it != vmas.end() && it->start < end; ++it) {
                const std::uint64_t lo = std::max(it->start, r.vaddr), hi = std::min(it->end, end);
                if (hi > lo) resident[static_cast<std::size_t>(it - vmas.begin())] += (hi - lo) / page;
            }
        }
        const std::string pid = fmt::format("{}", p.pid);
        summary.add({pid, fmt::format("{}", total), fmt::format("{}", total * page), human_bytes(total * page),
                     fmt::format("{}", present), fmt::format("{}", parent), fmt::format("{}", lazy)});
        for (std::size_t i = 0; i < vmas.size(); ++i) {
            if (resident[i] == 0) continue;
            const Vma& v = vmas[i];
            per_vma.add({pid, hex(v.start) + "-" + hex(v.end), vma_perms(v), vma_kind(v), fmt::format("{}", resident[i]),
                         fmt::format("{}", (v.end - v.start) / page), human_bytes(resident[i] * page), vma_file(v, files)});
        }
    }
    return summary.render() + "\nresident pages by memory area:\n" + per_vma.render();
}

}  // namespace cedana::images::inspect
