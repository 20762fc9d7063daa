#include "plugins/s3/settings.hpp"

#include <cstdlib>
#include <initializer_list>

#include "config/schema.hpp"
#include "util/error.hpp"

namespace cedana::plugins::s3 {

namespace {

constexpr const char* kDefaultRegion = "us-east-1";

std::string field(const config::Config& config, const char* key, std::initializer_list<const char*> env) {
    const auto section = config.document.find("aws");
    if (section != config.document.end() && section->is_object()) {
        const std::string value = section->value(key, "");
        if (!value.empty()) return value;
    }
    for (const char* name : env) {
        const char* value = std::getenv(name);
        if (value != nullptr && *value != '\0') return value;
    }
    return "";
}

}  // namespace

void add_config_fields() {
    for (const char* key : {"access_key_id", "secret_access_key", "region", "endpoint"}) {
        config::add_field({"aws", key, config::Kind::string, ""});
    }
}

Settings settings_of(const config::Config& config) {
    Settings s;
    s.access_key_id = field(config, "access_key_id", {"AWS_ACCESS_KEY_ID"});
    s.secret_access_key = field(config, "secret_access_key", {"AWS_SECRET_ACCESS_KEY"});
    s.region = field(config, "region", {"AWS_REGION", "AWS_DEFAULT_REGION"});
    if (s.region.empty()) s.region = kDefaultRegion;
    s.endpoint = field(config, "endpoint", {"AWS_ENDPOINT", "AWS_ENDPOINT_URL"});
    while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
    if (s.access_key_id.empty() || s.secret_access_key.empty()) {
        fail(ErrorKind::failed_precondition,
             "no S3 credentials: set aws.access_key_id and aws.secret_access_key in the configuration, or AWS_ACCESS_KEY_ID and "
             "AWS_SECRET_ACCESS_KEY in the daemon's environment");
    }
    return s;
}

}  // namespace cedana::plugins::s3
