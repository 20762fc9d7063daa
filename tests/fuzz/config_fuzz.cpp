// The configuration: a file in the configuration directory, a --config document and the
// environment, merged. The input is split at NUL bytes: the file, the --config text, then
// values for a few CEDANA_* variables of each type.

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "fuzz_scratch.hpp"

namespace {

std::vector<std::string_view> split_at_nul(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const auto end = text.find('\0', start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::array kVariables{"CEDANA_LOG_LEVEL", "CEDANA_CHECKPOINT_STREAMS", "CEDANA_CHECKPOINT_DIR",
                                       "CEDANA_PROFILING_ENABLED", "CEDANA_CRIU_OPTIONS", "CEDANA_PLUGINS_DISABLED",
                                       "CEDANA_CONNECTION_REMOTE_UID", "CEDANA_AWS_ENDPOINT"};
    auto& scratch = cedana::fuzz::Scratch::get();
    const auto& dir = scratch.fresh();
    const auto parts = split_at_nul(cedana::fuzz::as_text(data, size));
    scratch.put("config.json", parts[0]);
    cedana::config::Sources sources{.config_dir = dir.string(), .override_json = {}, .env = {}};
    if (parts.size() > 1) sources.override_json = std::string(parts[1]);
    for (std::size_t i = 2; i < parts.size() && i - 2 < kVariables.size(); ++i) sources.env[kVariables[i - 2]] = std::string(parts[i]);
    try {
        const auto loaded = cedana::config::load(sources);
        // What the daemon does with a client's --config on every request.
        if (!sources.override_json.empty()) (void)cedana::config::with_request_override(loaded.json, sources.override_json);
    } catch (const std::runtime_error&) {
    }
    return 0;
}
