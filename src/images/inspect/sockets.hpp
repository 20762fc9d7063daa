#pragma once
// Sockets as files.img records them: unix_sk_entry and inet_sk_entry.

#include <filesystem>
#include <string>

#include "images/inspect/image_reader.hpp"

namespace cedana::images::inspect {

// One-line summaries for the fd table, e.g. "unix STREAM ESTABLISHED peer ino 1234" and
// "TCP 127.0.0.1:8080 LISTEN".
std::string unix_summary(const Message& usk);
std::string inet_summary(const Message& isk);

// The "sk" table.
std::string describe_sk(const std::filesystem::path& dir);

}  // namespace cedana::images::inspect
