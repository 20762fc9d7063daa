#include "config/schema.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "util/error.hpp"
#include "util/utf8.hpp"

namespace cedana::config {

using nlohmann::json;

namespace {

std::vector<Field>& table() {
    static std::vector<Field> all = {
        {"", "address", Kind::string, "/run/cedana.sock"},
        {"", "protocol", Kind::choice, "unix", {"unix", "tcp", "vsock"}},
        {"checkpoint", "dir", Kind::string, "/tmp"},
        {"checkpoint", "compression", Kind::choice, "none", {"none", "tar", "gzip", "lz4", "zlib", "zstd"}},
        {"checkpoint", "streams", Kind::integer, 0, {}, 0},
        {"db", "path", Kind::string, "/tmp/cedana.db"},
        {"log", "level", Kind::choice, "info", {"trace", "debug", "info", "warn", "error", "off"}},
        {"profiling", "enabled", Kind::boolean, false},
        {"criu", "binary_path", Kind::string, ""},
        {"criu", "leave_running", Kind::boolean, false},
        {"criu", "options", Kind::object, json::object()},
        {"plugins", "lib_dir", Kind::string, "/usr/local/lib/cedana"},
        {"plugins", "bin_dir", Kind::string, "/usr/local/bin"},
        // Compiled-in plugins that `plugin remove` turned off (registry/plugin.hpp).
        {"plugins", "disabled", Kind::strings, json::array()},
        // Who may call the daemon, and how (README, Security). Both sides read the token;
        // the tls_* fields without "client" are the daemon's, the rest the CLI's.
        {"connection", "auth_token", Kind::string, "", {}, 0, "CEDANA_AUTH_TOKEN"},
        {"connection", "auth_token_file", Kind::string, ""},
        {"connection", "tls_cert", Kind::string, ""},
        {"connection", "tls_key", Kind::string, ""},
        {"connection", "tls_client_ca", Kind::string, ""},
        {"connection", "remote_uid", Kind::integer, -1, {}, -1},
        {"connection", "remote_gid", Kind::integer, -1, {}, -1},
        {"connection", "socket_group", Kind::string, ""},
        {"connection", "tls", Kind::boolean, false},
        {"connection", "tls_ca", Kind::string, ""},
        {"connection", "tls_client_cert", Kind::string, ""},
        {"connection", "tls_client_key", Kind::string, ""},
    };
    return all;
}

std::string kind_name(const Field& field) {
    switch (field.kind) {
        case Kind::string: return "a string";
        case Kind::boolean: return "true or false";
        case Kind::integer: return fmt::format("an integer from {} to {}", field.min, std::numeric_limits<int>::max());
        case Kind::choice: return fmt::format("one of {}", fmt::join(field.choices, ", "));
        case Kind::object: return "a JSON object";
        case Kind::strings: return "a list of strings";
    }
    return "";
}

[[noreturn]] void bad_value(const Field& field, const std::string& shown, const std::string& origin) {
    fail(ErrorKind::invalid_argument, "{}: {}: invalid value {} (expected {})", origin, field.dotted(), shown,
         kind_name(field));
}

}  // namespace

std::string Field::dotted() const { return section.empty() ? key : section + "." + key; }

std::string Field::env_name() const {
    if (!env.empty()) return env;
    std::string name = "CEDANA_" + (section.empty() ? key : section + "_" + key);
    std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::toupper(c); });
    return name;
}

std::span<const Field> fields() { return table(); }

void add_field(Field field) {
    for (const auto& known : table()) {
        if (fold_key(known.section) == fold_key(field.section) && fold_key(known.key) == fold_key(field.key)) {
            throw std::logic_error("configuration field " + field.dotted() + " is defined twice");
        }
    }
    table().push_back(std::move(field));
}

std::string fold_key(std::string_view key) {
    std::string folded;
    for (unsigned char c : key) {
        if (c != '_') folded += static_cast<char>(std::tolower(c));
    }
    return folded;
}

json check_value(const Field& field, const json& value, const std::string& origin) {
    switch (field.kind) {
        case Kind::string:
            if (!value.is_string()) bad_value(field, shown_value(value), origin);
            return value;
        case Kind::boolean:
            if (!value.is_boolean()) bad_value(field, shown_value(value), origin);
            return value;
        case Kind::integer:
            if (!value.is_number_integer() || value.get<long long>() < field.min ||
                value.get<long long>() > std::numeric_limits<int>::max()) {
                bad_value(field, shown_value(value), origin);
            }
            return value;
        case Kind::choice: {
            if (!value.is_string()) bad_value(field, shown_value(value), origin);
            const auto text = value.get<std::string>();
            const auto it = std::ranges::find_if(field.choices, [&](const std::string& c) { return fold_key(c) == fold_key(text); });
            if (it == field.choices.end()) bad_value(field, shown_value(value), origin);
            return *it;
        }
        case Kind::object:
            if (!value.is_object()) bad_value(field, shown_value(value), origin);
            return value;
        case Kind::strings:
            if (!value.is_array()) bad_value(field, shown_value(value), origin);
            for (const auto& item : value) {
                if (!item.is_string()) bad_value(field, shown_value(value), origin);
            }
            return value;
    }
    return value;
}

std::string shown_value(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

json parse_env_value(const Field& field, const std::string& text) {
    const std::string origin = "environment " + field.env_name();
    // The configuration is JSON, whose strings are UTF-8: bytes that are not would make every
    // later use of the document throw (a file of this machine's may be named so; the
    // configuration cannot).
    if (!util::is_utf8(text)) {
        fail(ErrorKind::invalid_argument, "{}: {}: the value {} is not UTF-8 text", origin, field.dotted(), shown_value(json(text)));
    }
    switch (field.kind) {
        case Kind::string:
        case Kind::choice:
            return check_value(field, json(text), origin);
        case Kind::boolean: {
            const auto folded = fold_key(text);
            if (folded == "true" || folded == "1" || folded == "yes") return true;
            if (folded == "false" || folded == "0" || folded == "no") return false;
            bad_value(field, shown_value(json(text)), origin);
        }
        case Kind::integer: {
            json parsed = json::parse(text, nullptr, false);
            if (parsed.is_discarded()) bad_value(field, shown_value(json(text)), origin);
            return check_value(field, parsed, origin);
        }
        case Kind::strings: {
            // Comma-separated, as in CEDANA_PLUGINS_DISABLED=runc,containerd.
            json list = json::array();
            std::string_view rest = text;
            while (!rest.empty()) {
                const auto comma = rest.find(',');
                std::string item(rest.substr(0, comma));
                item.erase(0, item.find_first_not_of(" \t"));
                item.erase(item.find_last_not_of(" \t") + 1);
                if (!item.empty()) list.push_back(item);
                if (comma == std::string_view::npos) break;
                rest.remove_prefix(comma + 1);
            }
            return list;
        }
        case Kind::object: {
            json parsed = json::parse(text, nullptr, false);
            if (parsed.is_discarded()) bad_value(field, shown_value(json(text)), origin);
            return check_value(field, parsed, origin);
        }
    }
    return text;
}

}  // namespace cedana::config
