#pragma once
// The fields cedana's configuration knows, with their types, defaults and allowed values.
// Everything else (env names, validation, key matching) is derived from this one table.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cedana::config {

enum class Kind { string, boolean, integer, choice, object, strings };

struct Field {
    std::string section;  // empty for top-level fields
    std::string key;      // snake_case
    Kind kind;
    nlohmann::json fallback;
    std::vector<std::string> choices = {};  // for Kind::choice
    int min = 0;                            // for Kind::integer
    std::string env = {};                   // the environment variable, when not CEDANA_<SECTION>_<KEY>

    // "checkpoint.compression", or "address" for a top-level field.
    [[nodiscard]] std::string dotted() const;
    // CEDANA_CHECKPOINT_COMPRESSION
    [[nodiscard]] std::string env_name() const;
};

std::span<const Field> fields();

// A plugin's own field (containerd.address), added from its registration (CEDANA_PLUGIN),
// before anything reads the configuration; the plugin reads it from Config::document.
// A field defined twice is a programming error (std::logic_error).
void add_field(Field field);

// Lower case without underscores: the form keys are compared in.
std::string fold_key(std::string_view key);

// Checks `value` against the field and returns it in canonical form; `origin` names where it
// came from in the error ("config file /etc/cedana/config.json", "environment", "--config").
nlohmann::json check_value(const Field& field, const nlohmann::json& value, const std::string& origin);

// `value` as JSON text for a message: invalid UTF-8 shown as U+FFFD instead of thrown.
std::string shown_value(const nlohmann::json& value);
// Parses the text of an environment variable into the field's type. Throws
// cedana::Error(invalid_argument) for a value of the wrong type or that is not UTF-8.
nlohmann::json parse_env_value(const Field& field, const std::string& text);

}  // namespace cedana::config
