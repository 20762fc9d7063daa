#pragma once
// The user's CRIU choices (flags, Criu.Options of the configuration, --criu-opts) as CRIU's
// own criu_opts.

#include <string>

#include <nlohmann/json.hpp>

#include "cedana/daemon/v1/daemon.pb.h"
#include "criu/rpc.pb.h"

namespace cedana::engine {

// Parses a JSON object of CRIU options by their criu_opts names (snake_case or camelCase).
// Throws cedana::Error(invalid_argument) naming an unknown option or a bad value; `origin`
// says where the JSON came from ("--criu-opts", "configuration criu.options").
criu_opts parse_criu_opts(const nlohmann::json& options, const std::string& origin);

// Fills `opts` with, in increasing precedence: the configuration's criu.options, the flags,
// then flags.criu_opts_json.
void apply_criu_flags(const cedana::daemon::v1::CriuFlags& flags, const nlohmann::json& config_options, criu_opts& opts);

}  // namespace cedana::engine
