#include "api/health_convert.hpp"

namespace cedana::api {

namespace v1 = cedana::daemon::v1;

namespace {

v1::Severity to_proto(health::Severity s) {
    switch (s) {
        case health::Severity::ok: return v1::SEVERITY_OK;
        case health::Severity::warning: return v1::SEVERITY_WARNING;
        case health::Severity::error: return v1::SEVERITY_ERROR;
    }
    return v1::SEVERITY_ERROR;
}

health::Severity from_proto(v1::Severity s) {
    switch (s) {
        case v1::SEVERITY_OK: return health::Severity::ok;
        case v1::SEVERITY_WARNING: return health::Severity::warning;
        default: return health::Severity::error;
    }
}

}  // namespace

void to_proto(const health::Report& report, v1::HealthCheckResp& out) {
    for (const auto& section : report.sections) {
        auto* s = out.add_sections();
        s->set_name(section.name);
        for (const auto& result : section.results) {
            auto* r = s->add_results();
            r->set_name(result.name);
            r->set_value(result.value);
            r->set_severity(to_proto(result.severity));
            r->set_hint(result.hint);
        }
    }
}

health::Report from_proto(const v1::HealthCheckResp& resp) {
    health::Report report;
    for (const auto& s : resp.sections()) {
        health::Section section{s.name(), {}};
        for (const auto& r : s.results()) section.results.push_back({r.name(), r.value(), from_proto(r.severity()), r.hint()});
        report.sections.push_back(std::move(section));
    }
    return report;
}

}  // namespace cedana::api
