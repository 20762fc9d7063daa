#include "images/shards/shard_index.hpp"

#include <nlohmann/json.hpp>

#include "images/shards/shard_format.hpp"
#include "util/error.hpp"
#include "util/file_name.hpp"

namespace cedana::images::shards {

using nlohmann::json;

namespace {

constexpr int kVersion = 1;

[[noreturn]] void damaged(const std::string& why) {
    fail(ErrorKind::invalid_argument, "the streamed checkpoint's index ({} in img-0) is damaged: {}", kIndexFile, why);
}

void check_frames(const ShardIndex::Stream& s) {
    std::uint64_t raw = 0;
    std::uint64_t file = 0;
    for (const auto& f : s.frames) {
        if (f.raw_offset != raw || f.file_offset != file) damaged(fmt::format("the frames of img-{} do not follow one another", s.shard));
        if (f.raw_size > kMaxFrameRaw || f.file_size > kMaxFrameRaw + (1u << 20)) damaged(fmt::format("img-{} has a frame too large", s.shard));
        raw += f.raw_size;
        file += f.file_size;
    }
    if (file > s.file_size) damaged(fmt::format("the frames of img-{} end beyond the shard", s.shard));
}

std::uint64_t stream_raw_size(const ShardIndex::Stream& s) {
    return s.frames.empty() ? 0 : s.frames.back().raw_offset + s.frames.back().raw_size;
}

}  // namespace

std::uint64_t ShardIndex::file_size(const std::string& name) const {
    const auto it = files.find(name);
    if (it == files.end() || it->second.empty()) return 0;
    return it->second.back().offset + it->second.back().length;
}

std::string encode_index(const ShardIndex& index) {
    json streams = json::array();
    for (const auto& s : index.streams) {
        json frames = json::array();
        for (const auto& f : s.frames) frames.push_back({f.raw_offset, f.raw_size, f.file_offset, f.file_size});
        streams.push_back({{"shard", s.shard}, {"size", s.file_size}, {"frames", std::move(frames)}});
    }
    json files = json::object();
    for (const auto& [name, pieces] : index.files) {
        json list = json::array();
        for (const auto& p : pieces) list.push_back({p.offset, p.length, p.shard, p.raw});
        files[name] = std::move(list);
    }
    return json{{"version", kVersion}, {"streams", std::move(streams)}, {"files", std::move(files)}}.dump();
}

ShardIndex decode_index(const std::string& text, int shards) {
    ShardIndex index;
    try {
        const json j = json::parse(text);
        if (j.at("version").get<int>() != kVersion) damaged(fmt::format("version {} is not {}", j.at("version").dump(), kVersion));
        for (const auto& s : j.at("streams")) {
            ShardIndex::Stream stream{.shard = s.at("shard").get<int>(), .file_size = s.at("size").get<std::uint64_t>(), .frames = {}};
            for (const auto& f : s.at("frames")) {
                stream.frames.push_back({.raw_offset = f.at(0).get<std::uint64_t>(), .raw_size = f.at(1).get<std::uint64_t>(),
                                         .file_offset = f.at(2).get<std::uint64_t>(), .file_size = f.at(3).get<std::uint64_t>()});
            }
            index.streams.push_back(std::move(stream));
        }
        for (const auto& [name, list] : j.at("files").items()) {
            auto& pieces = index.files[name];
            for (const auto& p : list) {
                pieces.push_back({.offset = p.at(0).get<std::uint64_t>(), .length = p.at(1).get<std::uint64_t>(),
                                  .shard = p.at(2).get<int>(), .raw = p.at(3).get<std::uint64_t>()});
            }
        }
    } catch (const json::exception& e) {
        damaged(e.what());
    }
    if (static_cast<int>(index.streams.size()) != shards - 1) {
        damaged(fmt::format("it describes {} memory shards, the checkpoint has {}", index.streams.size(), shards - 1));
    }
    for (std::size_t i = 0; i < index.streams.size(); ++i) {
        if (index.streams[i].shard != static_cast<int>(i) + 1) damaged("its shards are out of order");
        check_frames(index.streams[i]);
    }
    for (const auto& [name, pieces] : index.files) {
        if (!util::is_plain_file_name(name)) {
            damaged(fmt::format("\"{}\" is no file name", name));
        }
        std::uint64_t next = 0;
        for (const auto& p : pieces) {
            if (p.offset != next) damaged(fmt::format("the pieces of {} leave a hole or overlap at byte {}", name, next));
            if (p.shard < 1 || p.shard >= shards) damaged(fmt::format("a piece of {} is in img-{}, which holds no memory", name, p.shard));
            const auto& stream = index.streams[static_cast<std::size_t>(p.shard - 1)];
            if (p.raw > stream_raw_size(stream) || p.length > stream_raw_size(stream) - p.raw) {
                damaged(fmt::format("a piece of {} lies beyond the end of img-{}", name, p.shard));
            }
            next += p.length;
        }
    }
    return index;
}

}  // namespace cedana::images::shards
