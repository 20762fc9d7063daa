#include "plugins/store/settings.hpp"

#include "config/schema.hpp"
#include "transport/auth_token.hpp"
#include "util/error.hpp"

namespace cedana::plugins::store {

void add_config_fields() {
    config::add_field({"connection", "url", config::Kind::string, "", {}, 0, "CEDANA_URL"});
    config::add_field({"connection", "url_tls_ca", config::Kind::string, "", {}, 0, "CEDANA_URL_TLS_CA"});
}

Settings settings_of(const config::Config& config) {
    Settings s;
    const auto section = config.document.find("connection");
    if (section != config.document.end() && section->is_object()) {
        s.url = section->value("url", "");
        s.ca_file = section->value("url_tls_ca", "");
    }
    while (s.url.ends_with('/')) s.url.pop_back();
    if (s.url.empty()) {
        fail(ErrorKind::failed_precondition,
             "cedana:// needs the store's address: set connection.url in the configuration, or CEDANA_URL in the daemon's environment "
             "(http://HOST:PORT of `cedana store serve`)");
    }
    if (!s.url.starts_with("http://") && !s.url.starts_with("https://")) {
        fail(ErrorKind::failed_precondition, "connection.url {}: write http://HOST:PORT or https://HOST:PORT", s.url);
    }
    if (!s.ca_file.empty() && !s.url.starts_with("https://")) {
        fail(ErrorKind::failed_precondition, "connection.url_tls_ca is set but connection.url {} is not https://; drop one or the other", s.url);
    }
    s.token = transport::load_token(config.connection.auth_token, config.connection.auth_token_file, false);
    if (s.token.empty()) {
        fail(ErrorKind::failed_precondition,
             "cedana:// needs the store's token: set connection.auth_token (CEDANA_AUTH_TOKEN) or connection.auth_token_file to the token in its --token-file");
    }
    return s;
}

}  // namespace cedana::plugins::store
