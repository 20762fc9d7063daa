#include "engine/criu_options.hpp"

#include <google/protobuf/util/json_util.h>

#include "util/error.hpp"

namespace cedana::engine {

namespace {

const google::protobuf::FieldDescriptor* find_option(const std::string& name) {
    const auto* descriptor = criu_opts::descriptor();
    if (const auto* field = descriptor->FindFieldByName(name)) return field;
    return descriptor->FindFieldByCamelcaseName(name);
}

}  // namespace

criu_opts parse_criu_opts(const nlohmann::json& options, const std::string& origin) {
    if (!options.is_object()) fail(ErrorKind::invalid_argument, "{}: expected a JSON object of CRIU options, got {}", origin, options.dump());
    for (const auto& [name, value] : options.items()) {
        if (find_option(name) == nullptr) {
            fail(ErrorKind::invalid_argument, "{}: unknown CRIU option \"{}\" (names are those of CRIU's criu_opts, e.g. tcp_established)",
                 origin, name);
        }
    }
    nlohmann::json with_required = options;
    // images_dir_fd is required in criu_opts; the real one is set by the caller afterwards.
    with_required["images_dir_fd"] = -1;
    criu_opts parsed;
    google::protobuf::util::JsonParseOptions parse_options;
    parse_options.ignore_unknown_fields = false;
    const auto status = google::protobuf::util::JsonStringToMessage(with_required.dump(), &parsed, parse_options);
    if (!status.ok()) fail(ErrorKind::invalid_argument, "{}: bad CRIU option value: {}", origin, std::string(status.message()));
    parsed.clear_images_dir_fd();
    return parsed;
}

void apply_criu_flags(const cedana::daemon::v1::CriuFlags& flags, const nlohmann::json& config_options, criu_opts& opts) {
    if (!config_options.is_null() && !(config_options.is_object() && config_options.empty())) opts.MergeFrom(parse_criu_opts(config_options, "configuration criu.options"));
    if (flags.leave_running()) opts.set_leave_running(true);
    if (flags.shell_job()) opts.set_shell_job(true);
    if (flags.tcp_established()) opts.set_tcp_established(true);
    if (flags.skip_in_flight()) opts.set_tcp_skip_in_flight(true);
    if (flags.file_locks()) opts.set_file_locks(true);
    if (flags.link_remap()) opts.set_link_remap(true);
    if (flags.tcp_close()) opts.set_tcp_close(true);
    if (flags.leave_stopped()) opts.set_leave_stopped(true);
    for (const auto& external : flags.external()) opts.add_external(external);
    if (!flags.criu_opts_json().empty()) {
        const auto doc = nlohmann::json::parse(flags.criu_opts_json(), nullptr, false);
        if (doc.is_discarded()) fail(ErrorKind::invalid_argument, "--criu-opts: malformed JSON: {}", flags.criu_opts_json());
        opts.MergeFrom(parse_criu_opts(doc, "--criu-opts"));
    }
}

}  // namespace cedana::engine
