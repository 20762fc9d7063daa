#pragma once
// What a storage plugin (s3://, gs://, cedana://) gives the core: objects in one bucket,
// written as they are produced and read by range. The core streams checkpoints through
// these and names no provider; a plugin registers its scheme with a factory
// (store_registry.hpp).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/byte_output.hpp"

namespace cedana::storage {

// scheme://bucket/key: "s3://ckpts/night/dump-1.tar.lz4" is bucket "ckpts", key
// "night/dump-1.tar.lz4". The key has no leading or doubled '/', no "." or ".." segment.
struct RemoteUrl {
    std::string scheme;
    std::string bucket;
    std::string key;

    [[nodiscard]] std::string str() const;
    // The URL of `name` under this one: "s3://b/k" + "x" is "s3://b/k/x".
    [[nodiscard]] RemoteUrl child(std::string_view name) const;
};

// Throws cedana::Error(invalid_argument) naming `what` for a URL that is not one.
RemoteUrl parse_url(std::string_view url, std::string_view what);

struct ObjectInfo {
    std::string key;
    std::uint64_t size = 0;
};

// An object being written. Reserved room is held until it is filled, the rest goes out as
// it comes. Destroyed before finish(), the upload is abandoned and no object appears.
class ObjectUpload : public util::ByteOutput {};

class ObjectStore {
public:
    virtual ~ObjectStore() = default;

    // Checks, before anything is dumped, that the bucket exists and the credentials are
    // taken; throws cedana::Error naming the bucket or endpoint and the cause.
    virtual void check_access() = 0;
    virtual std::unique_ptr<ObjectUpload> upload(const std::string& key) = 0;
    // The object's size, or nullopt when there is none.
    virtual std::optional<std::uint64_t> size_of(const std::string& key) = 0;
    // Bytes [offset, offset + length) of the object, handed to `sink` as they arrive; a
    // dropped connection is resumed from where it broke. Throws cedana::Error.
    using Sink = std::function<void(std::string_view)>;
    virtual void read(const std::string& key, std::uint64_t offset, std::uint64_t length, const Sink& sink) = 0;
    // Every object whose key begins with `prefix`.
    virtual std::vector<ObjectInfo> list(const std::string& prefix) = 0;
    // Removes the object; no error when it is gone already.
    virtual void remove(const std::string& key) = 0;
};

}  // namespace cedana::storage
