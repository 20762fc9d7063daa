#pragma once
// cedana's configuration: defaults, then /etc/cedana/config.json (or --config-dir /
// CEDANA_CONFIG_DIR), then CEDANA_<SECTION>_<FIELD> variables, then --config for one call.
//
// The file uses snake_case keys, one object per section:
//   {"checkpoint": {"dir": "/tmp", "compression": "lz4"}, "criu": {"binary_path": "…"}}
// Keys are matched without regard to case or underscores, so the names of the reference
// documentation (Checkpoint.Dir, CRIU.BinaryPath) work too. Unknown keys are reported as
// warnings and ignored, so a file written for another version still loads.

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cedana::config {

struct Config {
    std::string address;   // UNIX socket path, host:port or cid:port
    std::string protocol;  // unix, tcp, vsock

    struct Checkpoint {
        std::string dir;
        std::string compression;  // none, tar, gzip, lz4, zlib, zstd
        int streams = 0;          // 0 or 1: no streaming; N >= 2: N image shards
    } checkpoint;

    struct DB {
        std::string path;
    } db;

    struct Log {
        std::string level;  // trace, debug, info, warn, error, off
    } log;

    struct Profiling {
        bool enabled = false;
    } profiling;

    struct CRIU {
        std::string binary_path;  // empty: found by engine::find_criu
        bool leave_running = false;
        nlohmann::json options = nlohmann::json::object();  // any CRIU option by name
    } criu;

    struct Plugins {
        std::string lib_dir;
        std::string bin_dir;
        std::vector<std::string> disabled;  // compiled-in plugins turned off by `plugin remove`
    } plugins;

    // Set where the daemon starts and never by a request's --config (config::kFixedSection).
    struct Connection {
        std::string auth_token;       // TCP and VSOCK calls carry it; CEDANA_AUTH_TOKEN
        std::string auth_token_file;  // or the token's file (the daemon's: readable by its owner only)
        // The daemon's TLS for TCP: its certificate and key, and the CA its clients'
        // certificates must be signed by (mutual TLS) when set.
        std::string tls_cert;
        std::string tls_key;
        std::string tls_client_ca;
        int remote_uid = -1;  // whom `run` over TCP/VSOCK runs as; -1: refused
        int remote_gid = -1;  // -1: that user's primary group
        std::string socket_group;  // group given the UNIX socket (daemon start --group)
        // The CLI's side: TLS to a TCP daemon (--tls), the CA it trusts (--tls-ca), and its
        // certificate for mutual TLS (--tls-cert, --tls-key).
        bool tls = false;
        std::string tls_ca;
        std::string tls_client_cert;
        std::string tls_client_key;
    } connection;

    // The whole document these fields came from, with the fields plugins added
    // (config::add_field), which only their plugin reads.
    nlohmann::json document = nlohmann::json::object();
};

// The section that only the daemon's own configuration sets: a request's --config may not
// change who may call it or as whom remote jobs run.
inline constexpr const char* kFixedSection = "connection";

struct Sources {
    std::string config_dir;                       // empty: CEDANA_CONFIG_DIR, else /etc/cedana
    std::string override_json;                    // --config
    std::map<std::string, std::string> env;       // usually the process environment
};

struct Loaded {
    Config config;
    nlohmann::json json;                // the merged configuration, canonical keys
    std::string file;                   // the file read, empty when none existed
    std::vector<std::string> warnings;  // unknown keys and the like
};

// Throws cedana::Error(invalid_argument) naming the field, its bad value and where it came
// from, for a malformed file, a wrong type or an unknown choice.
Loaded load(const Sources& sources);

// `base` (a Loaded::json) with a --config document merged over it: what the daemon does
// with the configuration a client sends along with one request.
Loaded with_override(const nlohmann::json& base, const std::string& override_json);

// with_override for a request a client sent: refuses an override of kFixedSection.
Loaded with_request_override(const nlohmann::json& base, const std::string& override_json);

// A --config document without kFixedSection, as the CLI forwards it to the daemon (the
// connection settings are the CLI's own: its token, its TLS files).
std::string without_fixed_section(const std::string& override_json);

// The defaults merged with the environment, as JSON with canonical keys.
nlohmann::json defaults_with_env(const std::map<std::string, std::string>& env);

// The directory config.json lives in for these sources.
std::string config_dir(const Sources& sources);

// `daemon start --init-config`: writes defaults + environment when no file exists yet.
// Returns true when it wrote the file.
bool init_file(const Sources& sources);

// `daemon start --merge-config`: merges the environment into the existing file (creating
// it from the defaults when missing).
void merge_env_into_file(const Sources& sources);

// `plugin install` / `plugin remove`: rewrites config.json in config_dir(sources) with one
// field set (`section` empty for a top-level field), keeping every other key, unknown ones
// included. A missing file is created from the defaults, without the environment: the
// caller's variables (a token among them) are theirs, not the file's. Throws
// cedana::Error(invalid_argument) for an unknown field, a bad value or a malformed file,
// which is then left as it was.
void set_file_field(const Sources& sources, const std::string& section, const std::string& key, const nlohmann::json& value);

// The process environment, for Sources::env.
std::map<std::string, std::string> process_env();

}  // namespace cedana::config
