#pragma once
// The sections run_checks assembles, one file per idea, and shorthands for their rows.

#include <string>
#include <utility>

#include "health/checks.hpp"
#include "health/report.hpp"

namespace cedana::health {

Section criu_section(const CheckOptions& options);
Section kernel_section();
Section system_section();

inline Result ok(std::string name, std::string value) {
    return Result{std::move(name), std::move(value), Severity::ok, {}};
}

inline Result warning(std::string name, std::string value, std::string hint) {
    return Result{std::move(name), std::move(value), Severity::warning, std::move(hint)};
}

inline Result error(std::string name, std::string value, std::string hint) {
    return Result{std::move(name), std::move(value), Severity::error, std::move(hint)};
}

}  // namespace cedana::health
