#include "images/metadata.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "images/shards/shard_format.hpp"
#include "util/error.hpp"
#include "util/file_name.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

// cedana.json lists one entry per image: a few KiB, a few hundred for a large process tree.
constexpr std::uintmax_t kMaxMetadataSize = 16u << 20;
using nlohmann::json;

std::uint64_t Metadata::total_size() const {
    std::uint64_t total = 0;
    for (const auto& [name, sum] : files) total += sum.size;
    return total;
}

void write_metadata(const fs::path& dir, const Metadata& meta) {
    json doc = {
        {"format_version", meta.format_version}, {"type", meta.type},       {"pid", meta.pid}, {"pids", meta.pids},
        {"command", meta.command},               {"compression", meta.compression},
        {"criu_version", meta.criu_version},     {"host", meta.host},       {"time_unix", meta.time_unix},
        {"shell_job", meta.shell_job},           {"size", meta.total_size()},
    };
    if (meta.streams > 0) doc["streams"] = meta.streams;
    doc["stdio"] = json::array();
    for (const auto& s : meta.stdio) doc["stdio"].push_back({{"fd", s.fd}, {"kind", s.kind}, {"key", s.key}});
    doc["files"] = json::object();
    for (const auto& [name, sum] : meta.files) doc["files"][name] = {{"size", sum.size}, {"xxh3", sum.xxh3}};
    std::ofstream out(dir / kMetadataFile, std::ios::trunc);
    out << doc.dump(2) << '\n';
    if (!out.flush()) fail(ErrorKind::failed_precondition, "cannot write {} (disk full?)", (dir / kMetadataFile).string());
}

namespace {

// A checkpoint may come from anywhere (a remote store, a copy from another machine): what its
// metadata says is joined to paths and handed to CRIU, so it must be what a dump can write.
void check_plausible(const Metadata& meta) {
    const auto lie = [](const std::string& what) {
        fail(ErrorKind::invalid_argument, "checkpoint metadata {} is corrupted: {}; refusing the checkpoint", kMetadataFile, what);
    };
    if (meta.pid <= 0) lie(fmt::format("pid {} is no process ID", meta.pid));
    for (const int pid : meta.pids) {
        if (pid <= 0) lie(fmt::format("pid {} is no process ID", pid));
    }
    if (meta.streams < 0 || meta.streams == 1 || meta.streams > shards::kMaxStreams) lie(fmt::format("{} streams", meta.streams));
    for (const auto& s : meta.stdio) {
        if (s.fd < 0 || s.fd > 2) lie(fmt::format("descriptor {} is no standard descriptor", s.fd));
    }
    for (const auto& [name, sum] : meta.files) {
        if (!util::is_plain_file_name(name)) lie(fmt::format("\"{}\" is no file name", name));
    }
}

}  // namespace

Metadata read_metadata(const fs::path& dir) {
    const fs::path file = dir / kMetadataFile;
    std::ifstream in(file);
    if (!in) fail(ErrorKind::invalid_argument, "not a cedana checkpoint: {} is missing", kMetadataFile);
    std::error_code ec;
    if (const auto size = fs::file_size(file, ec); !ec && size > kMaxMetadataSize) {
        fail(ErrorKind::invalid_argument, "checkpoint metadata {} is corrupted: {} bytes, a checkpoint's is a few KiB", kMetadataFile, size);
    }
    std::stringstream text;
    text << in.rdbuf();
    Metadata meta;
    try {
        const json doc = json::parse(text.str());
        meta.format_version = doc.at("format_version").get<int>();
        if (meta.format_version > kFormatVersion) {
            fail(ErrorKind::invalid_argument, "checkpoint format {} is newer than this cedana understands ({}); upgrade cedana",
                 meta.format_version, kFormatVersion);
        }
        meta.type = doc.at("type").get<std::string>();
        meta.pid = doc.at("pid").get<int>();
        meta.pids = doc.value("pids", std::vector<int>{meta.pid});
        meta.command = doc.value("command", "");
        meta.compression = doc.value("compression", "");
        meta.streams = doc.value("streams", 0);
        meta.criu_version = doc.value("criu_version", "");
        meta.host = doc.value("host", "");
        meta.time_unix = doc.value("time_unix", std::int64_t{0});
        meta.shell_job = doc.value("shell_job", false);
        for (const auto& s : doc.at("stdio")) meta.stdio.push_back({s.at("fd").get<int>(), s.at("kind").get<std::string>(), s.at("key").get<std::string>()});
        for (const auto& [name, sum] : doc.at("files").items()) {
            meta.files[name] = {sum.at("size").get<std::uint64_t>(), sum.at("xxh3").get<std::string>()};
        }
    } catch (const json::exception& e) {
        fail(ErrorKind::invalid_argument, "checkpoint metadata {} is corrupted: {}", kMetadataFile, e.what());
    }
    check_plausible(meta);
    return meta;
}

bool is_memory_image(const std::string& name) { return name.starts_with("pages-") && name.ends_with(".img"); }

std::vector<std::string> verify_image_sizes(const fs::path& dir, const Metadata& meta, ImageSet which) {
    std::vector<std::string> names;
    for (const auto& [name, expected] : meta.files) {
        if (which != ImageSet::all && is_memory_image(name) != (which == ImageSet::memory)) continue;
        std::error_code ec;
        const auto size = fs::file_size(dir / name, ec);
        if (ec) fail(ErrorKind::invalid_argument, "checkpoint is incomplete: image {} is missing", name);
        if (size != expected.size) {
            fail(ErrorKind::invalid_argument, "checkpoint is corrupted: image {} has {} bytes, expected {}", name, size, expected.size);
        }
        names.push_back(name);
    }
    return names;
}

void verify_images(const fs::path& dir, const Metadata& meta, ImageSet which, unsigned threads) {
    const auto names = verify_image_sizes(dir, meta, which);
    const auto actual = checksum_files(dir, names, threads);
    for (const auto& name : names) {
        if (actual.at(name).xxh3 != meta.files.at(name).xxh3) {
            fail(ErrorKind::invalid_argument, "checkpoint is corrupted: image {} fails its checksum", name);
        }
    }
}

}  // namespace cedana::images
