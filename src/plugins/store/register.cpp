// The store plugin: cedana:// checkpoints kept in a cedana store, and `cedana store serve`,
// which runs one. A checkpoint of one machine is restored on another with no cloud account:
// the store speaks the file API of Cedana's client, hands out signed, expiring URLs, takes
// uploads in parallel ranged parts and serves ranged downloads (store_service.hpp).

#include "cli/command_groups.hpp"
#include "net/curl_library.hpp"
#include "plugins/store/serve_command.hpp"
#include "plugins/store/settings.hpp"
#include "plugins/store/store_objects.hpp"
#include "registry/registry.hpp"
#include "storage/store_registry.hpp"
#include "util/error.hpp"

namespace cedana::plugins::store {

namespace {

std::shared_ptr<storage::ObjectStore> open(const config::Config& config, const storage::RemoteUrl& url) {
    // GET /v2/files/dir/... is the listing: a first folder named "dir" could be written but
    // never downloaded.
    if (url.bucket == "dir") fail(ErrorKind::invalid_argument, "{}: a cedana store's path cannot begin with dir/ (its listing API); choose another name", url.str());
    const Settings settings = settings_of(config);
    return std::make_shared<StoreObjects>(std::make_shared<const StoreClient>(settings.url, settings.token, settings.ca_file), url.bucket);
}

}  // namespace

CEDANA_PLUGIN(store) {
    add_config_fields();
    registry::add({.name = "store", .requirements = {{.name = "libcurl", .find = net::find_libcurl}}, .provision = {}});
    storage::register_store("store", "cedana", open);
    cli::add_command_group({add_store_commands, {"store"}});
}

}  // namespace cedana::plugins::store
