#include "util/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace cedana::util {

void init_logging() {
    auto logger = spdlog::stderr_color_mt("cedana");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_default_logger(logger);
    // The CLI's output is its result; its own logs stay quiet unless something is off.
    spdlog::set_level(spdlog::level::warn);
}

void set_log_level(const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); }

}  // namespace cedana::util
