#pragma once
// The result of the health checks: sections of rows, each a check with its verdict.

#include <string>
#include <vector>

namespace cedana::health {

enum class Severity { ok, warning, error };

struct Result {
    std::string name;
    std::string value;
    Severity severity = Severity::ok;
    std::string hint;
};

struct Section {
    std::string name;
    std::vector<Result> results;
};

struct Report {
    std::vector<Section> sections;

    [[nodiscard]] int errors() const;
    [[nodiscard]] int warnings() const;
};

// Sections, one row per check (name, value, ✔/•/✖, hint), then a summary line such as
// "Looks good, with 2 warning(s)." Always ends with a newline.
std::string format_report(const Report& report);

}  // namespace cedana::health
