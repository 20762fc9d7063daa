#include "storage/store_registry.hpp"

#include <map>
#include <mutex>

#include "registry/registry.hpp"
#include "storage/location.hpp"
#include "util/error.hpp"

namespace cedana::storage {

namespace {

struct Provider {
    std::string plugin;
    StoreFactory factory;
};

struct Factories {
    std::mutex mutex;
    std::map<std::string, Provider> by_scheme;
};

Factories& factories() {
    static Factories f;
    return f;
}

}  // namespace

void register_store(const std::string& plugin, const std::string& scheme, StoreFactory factory) {
    register_scheme(scheme);
    registry::note(plugin, registry::Feature::checkpoint_storage);
    auto& f = factories();
    const std::lock_guard lock(f.mutex);
    f.by_scheme[scheme_of(scheme + "://")] = {.plugin = plugin, .factory = std::move(factory)};
}

std::shared_ptr<ObjectStore> open_store(const config::Config& config, const RemoteUrl& url) {
    Provider provider;
    {
        auto& f = factories();
        const std::lock_guard lock(f.mutex);
        const auto it = f.by_scheme.find(url.scheme);
        if (it != f.by_scheme.end()) provider = it->second;
    }
    if (!provider.factory) check_served(url.str(), "storage");
    if (!provider.factory) fail(ErrorKind::invalid_argument, "{}: no storage plugin serves {}://", url.str(), url.scheme);
    registry::require_enabled(config, provider.plugin);
    return provider.factory(config, url);
}

}  // namespace cedana::storage
