#include "storage/store_registry.hpp"

#include <map>
#include <mutex>

#include "storage/location.hpp"
#include "util/error.hpp"

namespace cedana::storage {

namespace {

struct Factories {
    std::mutex mutex;
    std::map<std::string, StoreFactory> by_scheme;
};

Factories& factories() {
    static Factories f;
    return f;
}

}  // namespace

void register_store(const std::string& scheme, StoreFactory factory) {
    register_scheme(scheme);
    auto& f = factories();
    const std::lock_guard lock(f.mutex);
    f.by_scheme[scheme_of(scheme + "://")] = std::move(factory);
}

std::shared_ptr<ObjectStore> open_store(const config::Config& config, const RemoteUrl& url) {
    StoreFactory factory;
    {
        auto& f = factories();
        const std::lock_guard lock(f.mutex);
        const auto it = f.by_scheme.find(url.scheme);
        if (it != f.by_scheme.end()) factory = it->second;
    }
    if (!factory) check_served(url.str(), "storage");
    if (!factory) fail(ErrorKind::invalid_argument, "{}: no storage plugin serves {}://", url.str(), url.scheme);
    return factory(config, url);
}

}  // namespace cedana::storage
