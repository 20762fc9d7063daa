#pragma once
// Readable tables decoded from a CRIU checkpoint's image files, for
// `cedana job checkpoint inspect <id> --type ps|fd|mem|rss|sk`.
//
// The images are protobuf messages whose .proto files this build does not have: they are
// decoded by field number (see image_reader.hpp). Only what the tables show is decoded.

#include <filesystem>
#include <string>
#include <vector>

namespace cedana::images::inspect {

// The types describe() accepts, in the order to list them: "ps", "fd", "mem", "rss", "sk".
std::vector<std::string> types();

// A text table of one aspect of the checkpoint in `images_dir` (a directory of CRIU .img
// files), ending in a newline:
//   ps   the process tree: PID, PPID, PGID, SID, threads and command name
//   fd   each process's file descriptors: number, type and path or description
//   mem  each process's memory areas: range, size, protection, kind and file
//   rss  each process's resident pages saved in the checkpoint, in total (split into those
//        in this checkpoint's pages image, those in a parent checkpoint, and those that may
//        be restored lazily) and per memory area
//   sk   the sockets: unix (type, state, name, peer) and inet (family, protocol, state,
//        source and destination)
// Throws cedana::Error: invalid_argument for an unknown type (naming the valid ones),
// not_found for a missing directory or image, failed_precondition for a corrupt image;
// the message names the file.
std::string describe(const std::filesystem::path& images_dir, const std::string& type);

}  // namespace cedana::images::inspect
