#pragma once
// Where the cedana:// store is and the token it takes: connection.url (CEDANA_URL) and
// connection.auth_token or connection.auth_token_file (CEDANA_AUTH_TOKEN), the names
// Cedana's own client reads. The daemon's TCP listener takes the same token: one secret for
// a fleet's daemons and its store.

#include <string>

#include "config/config.hpp"

namespace cedana::plugins::store {

struct Settings {
    std::string url;    // "http://10.0.0.5:8080", no trailing '/'
    std::string token;
    // connection.url_tls_ca (CEDANA_URL_TLS_CA): the CA of an https store whose
    // certificate no system CA signed (`store serve --tls-cert`); empty: the system's.
    std::string ca_file;
};

void add_config_fields();
// Throws cedana::Error(failed_precondition) saying what to set when either is missing.
Settings settings_of(const config::Config& config);

}  // namespace cedana::plugins::store
