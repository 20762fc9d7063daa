#include "cli/checkpoint_inspect.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "images/inspect/inspect.hpp"
#include "images/metadata.hpp"
#include "images/opened_checkpoint.hpp"
#include "storage/location.hpp"
#include "util/error.hpp"
#include "util/units.hpp"

namespace cedana::cli {

namespace fs = std::filesystem;

namespace {

std::string describe_metadata(const images::Metadata& meta, const images::OpenedCheckpoint& checkpoint) {
    std::string out;
    const auto row = [&out](const std::string& name, const std::string& value) { out += fmt::format("{:<14}{}\n", name, value); };
    row("Type", meta.type);
    row("PID", std::to_string(meta.pid));
    std::string tree;
    for (const int pid : meta.pids) tree += (tree.empty() ? "" : " ") + std::to_string(pid);
    row("Processes", tree);
    row("Command", meta.command);
    row("Shell job", meta.shell_job ? "yes" : "no");
    if (checkpoint.streamed()) {
        // tar and none shards look alike; the metadata says which the dump was asked for.
        row("Format", fmt::format("{} streams, {}", meta.streams, meta.compression));
    } else {
        row("Format", checkpoint.format() == images::Compression::none ? "directory" : images::name_of(checkpoint.format()));
    }
    row("CRIU", meta.criu_version);
    row("Host", meta.host);
    row("Time", fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(static_cast<std::time_t>(meta.time_unix))));
    row("Image size", util::binary_size(meta.total_size()));
    for (const auto& file : meta.stdio) row(fmt::format("fd {}", file.fd), fmt::format("{} {}", file.kind, file.key));
    out += fmt::format("\n{:<28}{:>12}  {}\n", "IMAGE", "SIZE", "XXH3");
    for (const auto& [name, sum] : meta.files) out += fmt::format("{:<28}{:>12}  {}\n", name, util::binary_size(sum.size), sum.xxh3);
    return out;
}

}  // namespace

void inspect_checkpoint(const std::string& checkpoint, const std::string& type) {
    storage::check_served(checkpoint, "checkpoint");
    if (!fs::exists(checkpoint)) {
        fail(ErrorKind::not_found, "no checkpoint at {}: pass the path of a checkpoint directory or archive (checkpoint ids of jobs "
                                   "arrive with managed jobs)", checkpoint);
    }
    const images::OpenedCheckpoint opened(checkpoint);
    if (type.empty()) {
        std::cout << describe_metadata(images::read_metadata(opened.dir()), opened);
    } else {
        std::cout << images::inspect::describe(opened.dir(), type);
    }
}

}  // namespace cedana::cli
