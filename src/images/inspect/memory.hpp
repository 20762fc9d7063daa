#pragma once
// Address spaces: mm-<pid>.img lists a process's memory areas (VMAs); pagemap-<pid>.img
// lists the runs of pages that were resident and saved (in pages-<n>.img, or in a parent
// checkpoint for incremental dumps).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cedana::images::inspect {

struct Vma {
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::uint64_t pgoff = 0;
    std::uint64_t shmid = 0;  // the file object id for file mappings, shmem id for shared anon
    std::uint32_t prot = 0;
    std::uint32_t flags = 0;   // mmap flags
    std::uint32_t status = 0;  // CRIU's VMA_* bits
};

struct PageRun {
    std::uint64_t vaddr = 0;
    std::uint64_t pages = 0;
    std::uint32_t flags = 0;  // CRIU's PE_* bits, normalized (see below)
};

namespace page_flag {
inline constexpr std::uint32_t parent = 1 << 0;   // in the parent checkpoint
inline constexpr std::uint32_t lazy = 1 << 1;     // may be restored lazily (lazy-pages)
inline constexpr std::uint32_t present = 1 << 2;  // in this checkpoint's pages image
}  // namespace page_flag

std::vector<Vma> read_vmas(const std::filesystem::path& dir, std::uint32_t pid);
std::vector<PageRun> read_pagemap(const std::filesystem::path& dir, std::uint32_t pid);

// "rw-p": protection and sharing as /proc/PID/maps shows them.
std::string vma_perms(const Vma& vma);
// "anon private", "file shared", ... plus "[heap]", "[stack]", "[vdso]" and the like.
std::string vma_kind(const Vma& vma);

// The "mem" and "rss" tables.
std::string describe_mem(const std::filesystem::path& dir);
std::string describe_rss(const std::filesystem::path& dir);

}  // namespace cedana::images::inspect
