#pragma once
// The storage plugins' factories, by scheme. A plugin registers from its CEDANA_PLUGIN
// block; the core opens stores by URL and never names a provider.

#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "storage/object_store.hpp"

namespace cedana::storage {

// Makes the store of `url`'s bucket from the configuration (credentials, endpoint); throws
// cedana::Error when the configuration cannot serve it.
using StoreFactory = std::function<std::shared_ptr<ObjectStore>(const config::Config& config, const RemoteUrl& url)>;

// Called by `plugin`'s registration; also registers the scheme as served (location.hpp) and
// notes the plugin's checkpoint-storage feature.
void register_store(const std::string& plugin, const std::string& scheme, StoreFactory factory);

// Throws cedana::Error(invalid_argument) when no plugin serves the URL's scheme, and
// failed_precondition when the configuration has that plugin removed.
std::shared_ptr<ObjectStore> open_store(const config::Config& config, const RemoteUrl& url);

}  // namespace cedana::storage
