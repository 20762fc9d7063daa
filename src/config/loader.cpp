#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "config/config.hpp"
#include "config/schema.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

extern char** environ;

namespace cedana::config {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kDefaultDir = "/etc/cedana";
constexpr const char* kFileName = "config.json";

const Field* find_field(const std::string& section, const std::string& key) {
    for (const auto& field : fields()) {
        if (fold_key(field.section) == fold_key(section) && fold_key(field.key) == fold_key(key)) return &field;
    }
    return nullptr;
}

bool is_section(const std::string& key) {
    for (const auto& field : fields()) {
        if (!field.section.empty() && fold_key(field.section) == fold_key(key)) return true;
    }
    return false;
}

void set(json& into, const Field& field, json value) {
    if (field.section.empty()) {
        into[field.key] = std::move(value);
    } else {
        into[field.section][field.key] = std::move(value);
    }
}

// Merges a user-written document into `into`, checking every known field and collecting
// unknown keys as warnings.
void merge_document(json& into, const json& doc, const std::string& origin, std::vector<std::string>& warnings) {
    if (!doc.is_object()) fail(ErrorKind::invalid_argument, "{}: expected a JSON object, got {}", origin, doc.type_name());
    for (const auto& [key, value] : doc.items()) {
        if (const Field* field = find_field("", key)) {
            set(into, *field, check_value(*field, value, origin));
            continue;
        }
        if (!is_section(key)) {
            warnings.push_back(fmt::format("{}: unknown field {} ignored", origin, key));
            continue;
        }
        if (!value.is_object()) {
            fail(ErrorKind::invalid_argument, "{}: {}: invalid value {} (expected a JSON object)", origin, key, shown_value(value));
        }
        for (const auto& [sub, subvalue] : value.items()) {
            const Field* field = find_field(key, sub);
            if (field == nullptr) {
                warnings.push_back(fmt::format("{}: unknown field {}.{} ignored", origin, key, sub));
                continue;
            }
            set(into, *field, check_value(*field, subvalue, origin));
        }
    }
}

void merge_env(json& into, const std::map<std::string, std::string>& env) {
    for (const auto& field : fields()) {
        const auto it = env.find(field.env_name());
        if (it != env.end()) set(into, field, parse_env_value(field, it->second));
    }
}

json defaults() {
    json doc = json::object();
    for (const auto& field : fields()) set(doc, field, field.fallback);
    return doc;
}

Config to_struct(const json& doc) {
    Config c;
    c.address = doc.at("address").get<std::string>();
    c.protocol = doc.at("protocol").get<std::string>();
    c.checkpoint.dir = doc.at("checkpoint").at("dir").get<std::string>();
    c.checkpoint.compression = doc.at("checkpoint").at("compression").get<std::string>();
    c.checkpoint.streams = doc.at("checkpoint").at("streams").get<int>();
    c.db.path = doc.at("db").at("path").get<std::string>();
    c.log.level = doc.at("log").at("level").get<std::string>();
    c.profiling.enabled = doc.at("profiling").at("enabled").get<bool>();
    c.criu.binary_path = doc.at("criu").at("binary_path").get<std::string>();
    c.criu.leave_running = doc.at("criu").at("leave_running").get<bool>();
    c.criu.options = doc.at("criu").at("options");
    c.plugins.lib_dir = doc.at("plugins").at("lib_dir").get<std::string>();
    c.plugins.bin_dir = doc.at("plugins").at("bin_dir").get<std::string>();
    c.plugins.disabled = doc.at("plugins").at("disabled").get<std::vector<std::string>>();
    const auto& conn = doc.at("connection");
    c.connection.auth_token = conn.at("auth_token").get<std::string>();
    c.connection.auth_token_file = conn.at("auth_token_file").get<std::string>();
    c.connection.tls_cert = conn.at("tls_cert").get<std::string>();
    c.connection.tls_key = conn.at("tls_key").get<std::string>();
    c.connection.tls_client_ca = conn.at("tls_client_ca").get<std::string>();
    c.connection.remote_uid = conn.at("remote_uid").get<int>();
    c.connection.remote_gid = conn.at("remote_gid").get<int>();
    c.connection.socket_group = conn.at("socket_group").get<std::string>();
    c.connection.tls = conn.at("tls").get<bool>();
    c.connection.tls_ca = conn.at("tls_ca").get<std::string>();
    c.connection.tls_client_cert = conn.at("tls_client_cert").get<std::string>();
    c.connection.tls_client_key = conn.at("tls_client_key").get<std::string>();
    c.document = doc;
    return c;
}

json read_file(const fs::path& path) {
    std::ifstream in(path);
    if (!in) fail(ErrorKind::invalid_argument, "config file {}: cannot be read", path.string());
    std::stringstream text;
    text << in.rdbuf();
    // Any json::exception: a number too large for any type is out_of_range, not parse_error.
    try {
        return json::parse(text.str());
    } catch (const json::exception& e) {
        fail(ErrorKind::invalid_argument, "config file {}: malformed JSON: {}", path.string(), e.what());
    }
}

// Whether `doc` holds the auth token, which only its owner may then read.
bool holds_secret(const json& doc) {
    for (const auto& [key, section] : doc.items()) {
        if (fold_key(key) != fold_key(kFixedSection) || !section.is_object()) continue;
        for (const auto& [sub, value] : section.items()) {
            if (fold_key(sub) == fold_key("auth_token") && value.is_string() && !value.get<std::string>().empty()) return true;
        }
    }
    return false;
}

void write_file(const fs::path& path, const json& doc) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) fail(ErrorKind::failed_precondition, "cannot create {}: {}", path.parent_path().string(), ec.message());
    // Written aside and renamed, so a crash never leaves a half-written configuration; created
    // with its final mode, so a token in it is never readable by others, not even for a moment.
    const fs::path tmp = path.string() + ".tmp";
    fs::remove(tmp, ec);
    const util::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, holds_secret(doc) ? 0600 : 0644));
    if (!fd) fail(ErrorKind::failed_precondition, "cannot write {}: {}", tmp.string(), std::strerror(errno));
    const std::string text = doc.dump(2) + "\n";
    std::string_view rest = text;
    while (!rest.empty()) {
        const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            fs::remove(tmp, ec);
            fail(ErrorKind::failed_precondition, "cannot write {}: {}", tmp.string(), std::strerror(err));
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    fs::rename(tmp, path, ec);
    if (ec) {
        fs::remove(tmp);
        fail(ErrorKind::failed_precondition, "cannot write {}: {}", path.string(), ec.message());
    }
}

// The key of `doc` that matches `key` ignoring case and underscores, if any.
std::optional<std::string> existing_key(const json& doc, const std::string& key) {
    for (const auto& [candidate, value] : doc.items()) {
        if (fold_key(candidate) == fold_key(key)) return candidate;
    }
    return std::nullopt;
}

}  // namespace

std::map<std::string, std::string> process_env() {
    std::map<std::string, std::string> env;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        const auto eq = text.find('=');
        if (eq != std::string_view::npos) env.emplace(text.substr(0, eq), text.substr(eq + 1));
    }
    return env;
}

std::string config_dir(const Sources& sources) {
    if (!sources.config_dir.empty()) return sources.config_dir;
    const auto it = sources.env.find("CEDANA_CONFIG_DIR");
    if (it != sources.env.end() && !it->second.empty()) return it->second;
    return kDefaultDir;
}

json defaults_with_env(const std::map<std::string, std::string>& env) {
    json doc = defaults();
    merge_env(doc, env);
    return doc;
}

Loaded load(const Sources& sources) {
    Loaded loaded;
    loaded.json = defaults();
    const fs::path file = fs::path(config_dir(sources)) / kFileName;
    if (fs::exists(file)) {
        loaded.file = file.string();
        merge_document(loaded.json, read_file(file), "config file " + file.string(), loaded.warnings);
    }
    merge_env(loaded.json, sources.env);
    Loaded result = with_override(loaded.json, sources.override_json);
    result.file = loaded.file;
    result.warnings.insert(result.warnings.begin(), loaded.warnings.begin(), loaded.warnings.end());
    return result;
}

Loaded with_override(const json& base, const std::string& override_json) {
    Loaded loaded;
    loaded.json = base;
    if (!override_json.empty()) {
        const json doc = json::parse(override_json, nullptr, false);
        if (doc.is_discarded()) fail(ErrorKind::invalid_argument, "--config: malformed JSON: {}", override_json);
        merge_document(loaded.json, doc, "--config", loaded.warnings);
    }
    loaded.config = to_struct(loaded.json);
    return loaded;
}

Loaded with_request_override(const json& base, const std::string& override_json) {
    if (!override_json.empty()) {
        const json doc = json::parse(override_json, nullptr, false);
        if (doc.is_object()) {
            for (const auto& [key, value] : doc.items()) {
                if (fold_key(key) == fold_key(kFixedSection)) {
                    fail(ErrorKind::permission_denied,
                         "--config: {}.* cannot be changed by a request; it is set in the daemon's own configuration where it starts",
                         kFixedSection);
                }
            }
        }
    }
    return with_override(base, override_json);
}

std::string without_fixed_section(const std::string& override_json) {
    if (override_json.empty()) return override_json;
    json doc = json::parse(override_json, nullptr, false);
    if (!doc.is_object()) return override_json;  // the daemon names what is wrong with it
    bool removed = false;
    for (auto it = doc.begin(); it != doc.end();) {
        if (fold_key(it.key()) == fold_key(kFixedSection)) {
            it = doc.erase(it);
            removed = true;
        } else {
            ++it;
        }
    }
    if (!removed) return override_json;
    return doc.empty() ? std::string() : doc.dump();
}

bool init_file(const Sources& sources) {
    const fs::path file = fs::path(config_dir(sources)) / kFileName;
    if (fs::exists(file)) return false;
    write_file(file, defaults_with_env(sources.env));
    return true;
}

void merge_env_into_file(const Sources& sources) {
    const fs::path file = fs::path(config_dir(sources)) / kFileName;
    if (!fs::exists(file)) {
        write_file(file, defaults_with_env(sources.env));
        return;
    }
    // The file is rewritten from its own text, so keys this version does not know survive.
    json doc = read_file(file);
    json checked = defaults();
    std::vector<std::string> ignored;
    merge_document(checked, doc, "config file " + file.string(), ignored);
    merge_env(doc, sources.env);
    write_file(file, doc);
}

void set_file_field(const Sources& sources, const std::string& section, const std::string& key, const json& value) {
    const Field* field = find_field(section, key);
    if (field == nullptr) {
        fail(ErrorKind::invalid_argument, "unknown configuration field {}", section.empty() ? key : section + "." + key);
    }
    const fs::path file = fs::path(config_dir(sources)) / kFileName;
    const json checked_value = check_value(*field, value, "writing " + file.string());
    if (!fs::exists(file)) {
        json doc = defaults();
        set(doc, *field, checked_value);
        write_file(file, doc);
        return;
    }
    json doc = read_file(file);
    json checked = defaults();
    std::vector<std::string> ignored;
    merge_document(checked, doc, "config file " + file.string(), ignored);
    // The file's own spelling of the key is replaced, not shadowed by a second spelling
    // (Plugins.Disabled beside plugins.disabled) that the loader would merge in some order.
    json* into = &doc;
    if (!field->section.empty()) {
        const std::string spelled = existing_key(doc, field->section).value_or(field->section);
        into = &doc[spelled];
    }
    (*into)[existing_key(*into, field->key).value_or(field->key)] = checked_value;
    write_file(file, doc);
}

}  // namespace cedana::config
