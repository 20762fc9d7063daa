// The S3 plugin: checkpoints in Amazon S3 or any S3-compatible server (s3://bucket/path),
// uploaded while CRIU dumps and downloaded by range (storage/object_store.hpp).

#include "net/curl_library.hpp"
#include "plugins/s3/s3_store.hpp"
#include "plugins/s3/settings.hpp"
#include "registry/registry.hpp"
#include "storage/store_registry.hpp"

namespace cedana::plugins::s3 {

CEDANA_PLUGIN(s3) {
    add_config_fields();
    registry::add({.name = "s3", .requirements = {{.name = "libcurl", .find = net::find_libcurl}}, .provision = {}});
    storage::register_store("s3", "s3", [](const config::Config& config, const storage::RemoteUrl& url) -> std::shared_ptr<storage::ObjectStore> {
        return std::make_shared<S3Store>(std::make_shared<const S3Client>(settings_of(config), url.bucket));
    });
}

}  // namespace cedana::plugins::s3
