#include "cli/checkpoint_inspect.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "images/inspect/inspect.hpp"
#include "images/metadata.hpp"
#include "images/opened_checkpoint.hpp"
#include "storage/fetched_checkpoint.hpp"
#include "storage/location.hpp"
#include "storage/store_registry.hpp"
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

void inspect_checkpoint(const std::string& checkpoint, const std::string& type, const config::Config& config) {
    storage::check_served(checkpoint, "checkpoint");
    // A remote archive is brought here whole (its metadata is at its end); of a streamed
    // checkpoint only img-0, which holds the metadata.
    std::shared_ptr<storage::ObjectStore> store;
    std::optional<storage::FetchedCheckpoint> fetched;
    std::optional<images::OpenedCheckpoint> held;
    if (!storage::scheme_of(checkpoint).empty()) {
        const auto url = storage::parse_url(checkpoint, "checkpoint");
        store = storage::open_store(config, url);
        fetched.emplace(*store, url);
        fetched->open(held);
    } else if (!fs::exists(checkpoint)) {
        fail(ErrorKind::not_found, "no checkpoint at {}: pass the path of a checkpoint directory or archive, its URL, or its id", checkpoint);
    } else {
        held.emplace(checkpoint);
    }
    const images::OpenedCheckpoint& opened = *held;
    if (type.empty()) {
        std::cout << describe_metadata(images::read_metadata(opened.dir()), opened);
    } else {
        std::cout << images::inspect::describe(opened.dir(), type);
    }
}

}  // namespace cedana::cli
