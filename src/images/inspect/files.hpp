#pragma once
// Open files: files.img holds one file_entry per open file object, by id; each process's
// fdinfo-<files_id>.img maps its descriptor numbers to those ids.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "images/inspect/image_reader.hpp"

namespace cedana::images::inspect {

// CRIU's fd_types, as numbers in file_entry.type and fdinfo_entry.type.
namespace fd_type {
inline constexpr std::uint32_t reg = 1, pipe = 2, fifo = 3, inetsk = 4, unixsk = 5, memfd = 18;
}

// The name of an fd_types value: "REG", "PIPE", "UNIXSK", ... or "TYPE<n>".
std::string fd_type_name(std::uint64_t type);

struct FileObject {
    std::uint32_t id = 0;
    std::uint32_t type = 0;
    Message entry;  // the file_entry
};

class FileTable {
public:
    // Reads files.img (and memfd.img, when present, for memfd names).
    static FileTable read(const std::filesystem::path& dir);

    [[nodiscard]] const FileObject* find(std::uint32_t id) const;
    [[nodiscard]] const std::vector<FileObject>& all() const { return files_; }
    // A path or a short description of the file object with `id`; "?" when unknown.
    [[nodiscard]] std::string describe(std::uint32_t id) const;
    // The path of a regular file (or memfd) object, "" when `id` is not one.
    [[nodiscard]] std::string path_of(std::uint32_t id) const;

private:
    std::vector<FileObject> files_;
    std::map<std::uint32_t, std::size_t> by_id_;
    std::map<std::uint64_t, std::string> memfd_names_;  // by memfd inode id
};

struct Descriptor {
    std::uint32_t fd = 0;
    std::uint32_t id = 0;  // file object id
    std::uint32_t type = 0;
    std::uint32_t flags = 0;
};

// The descriptors in fdinfo-<files_id>.img, by descriptor number.
std::vector<Descriptor> read_descriptors(const std::filesystem::path& dir, std::uint32_t files_id);

// The "fd" table.
std::string describe_fd(const std::filesystem::path& dir);

}  // namespace cedana::images::inspect
