#pragma once
// containerd's content store: blobs (layers, image configurations, manifests) by digest.
// Written blobs are held by the client's lease while one is held, or by the labels of what
// refers to them (containerd.io/gc.ref.content.*) once an image does.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "plugins/containerd/client.hpp"

namespace cedana::plugins::containerd {

struct Blob {
    std::string media_type;
    std::string digest;  // "sha256:…"
    std::int64_t size = 0;
};

using Labels = std::map<std::string, std::string>;

// Writes the file, whose digest the caller knows, as a blob; one that is there already is kept.
Blob write_blob(Client& client, const std::filesystem::path& file, const Blob& expected, const Labels& labels = {});

// Writes a small document (an image configuration, a manifest) as a blob of this media type.
Blob write_blob(Client& client, const std::string& bytes, const std::string& media_type, const Labels& labels = {});

// "sha256:" and the hex SHA-256 of the bytes.
std::string sha256_digest(const std::string& bytes);

}  // namespace cedana::plugins::containerd
