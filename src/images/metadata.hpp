#pragma once
// cedana.json: what a checkpoint holds and how it was made, written beside CRIU's images.
// Restore reads it to know how to bring the process back, and checks every image against
// its checksum before CRIU runs.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "images/checksum.hpp"

namespace cedana::images {

inline constexpr const char* kMetadataFile = "cedana.json";
inline constexpr int kFormatVersion = 1;

// One of the dumped process's standard descriptors, and how CRIU knows its file.
struct StdioFile {
    int fd = -1;
    std::string kind;  // pipe, tty, file, null, socket, other
    std::string key;   // CRIU's inherit-fd key: "pipe:[123]", "tty[88:3]", a path without its leading slash
};

struct Metadata {
    int format_version = kFormatVersion;
    std::string type;  // "process"
    int pid = 0;
    std::vector<int> pids;  // the whole tree, root first: every PID restore needs free
    std::string command;
    std::string compression;
    int streams = 0;  // dump --streams N: the number of shards; 0 for one directory or archive
    std::string criu_version;
    std::string host;
    std::int64_t time_unix = 0;
    bool shell_job = false;
    std::vector<StdioFile> stdio;
    std::map<std::string, FileSum> files;  // CRIU's images and logs, by name

    [[nodiscard]] std::uint64_t total_size() const;
};

void write_metadata(const std::filesystem::path& dir, const Metadata& meta);
// Throws cedana::Error(invalid_argument) when the file is missing, malformed or of a newer format.
Metadata read_metadata(const std::filesystem::path& dir);
// The process's memory (pages-N.img) is nearly all of a checkpoint's bytes, and only the
// restored process's own memory is made of it: restore checks it while CRIU runs and stops
// CRIU before the process resumes if it is corrupted (daemon/restore_route.cpp). Every
// other image is checked before CRIU reads it.
enum class ImageSet { all, memory, all_but_memory };

bool is_memory_image(const std::string& name);

// Throws cedana::Error(invalid_argument) naming the first image of `which` that is missing,
// of the wrong size or with the wrong checksum. Hashes on up to `threads` threads (0: one per
// core).
void verify_images(const std::filesystem::path& dir, const Metadata& meta, ImageSet which = ImageSet::all, unsigned threads = 0);
// Only that every image of `which` is there with its size, which takes no reading; returns
// their names. CRIU's restorer retries a read that returns nothing forever, so a memory
// image cut short must be refused before CRIU starts, not by the check running beside it.
std::vector<std::string> verify_image_sizes(const std::filesystem::path& dir, const Metadata& meta, ImageSet which);

}  // namespace cedana::images
