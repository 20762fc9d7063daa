#include "util/log.hpp"

#include <grpc/support/log.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace cedana::util {

namespace {

// gRPC's own messages (a failed TLS handshake, say) join ours, one level down: what the CLI
// makes of a failure is its message to the user, and gRPC's line would only repeat it in
// its own format. The daemon, logging at info, still records them.
void forward_grpc_log(gpr_log_func_args* args) {
    const auto level = args->severity == GPR_LOG_SEVERITY_ERROR ? spdlog::level::info : spdlog::level::debug;
    spdlog::log(level, "grpc: {}", args->message);
}

}  // namespace

void init_logging() {
    gpr_set_log_function(forward_grpc_log);
    auto logger = spdlog::stderr_color_mt("cedana");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
    // The CLI's output is its result; its own logs stay quiet unless something is off.
    spdlog::set_level(spdlog::level::warn);
}

void set_log_level(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

}  // namespace cedana::util
