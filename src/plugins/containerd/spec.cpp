#include "plugins/containerd/spec.hpp"

#include <map>

#include "plugins/runc/runtime.hpp"
#include "util/error.hpp"
#include "util/scratch_dir.hpp"
#include "util/subprocess.hpp"
#include "util/text_file.hpp"

namespace cedana::plugins::containerd {

namespace {

nlohmann::json runc_default_spec() {
    const util::ScratchDir dir("cedana-spec");
    const auto done = util::run_capture({runc::require_runc(), "spec", "--bundle", dir.path().string()});
    if (done.status != 0) fail(ErrorKind::failed_precondition, "runc spec failed: {}", runc::runc_error(done.err));
    auto spec = nlohmann::json::parse(util::read_text(dir.path() / "config.json"), nullptr, false);
    if (!spec.is_object()) fail(ErrorKind::internal, "runc spec wrote no spec that parses");
    return spec;
}

std::vector<std::string> strings(const nlohmann::json& list) {
    std::vector<std::string> out;
    if (!list.is_array()) return out;
    for (const auto& item : list) {
        if (item.is_string()) out.push_back(item.get<std::string>());
    }
    return out;
}

}  // namespace

nlohmann::json container_spec(const ImageInfo& image, const SpecRequest& request) {
    std::vector<std::string> args = request.args;
    if (args.empty()) {
        args = strings(image.config.value("Entrypoint", nlohmann::json::array()));
        for (auto& arg : strings(image.config.value("Cmd", nlohmann::json::array()))) args.push_back(std::move(arg));
    }
    if (args.empty()) fail(ErrorKind::invalid_argument, "{} names no command: give one after it", image.name);

    // The image's environment, then --env, one value per name, in first-seen order.
    std::vector<std::string> order;
    std::map<std::string, std::string> values;
    const auto put = [&](const std::string& kv, bool from_user) {
        const auto eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
            if (from_user) fail(ErrorKind::invalid_argument, "--env {}: expected K=V", kv);
            return;
        }
        const std::string key = kv.substr(0, eq);
        if (!values.contains(key)) order.push_back(key);
        values[key] = kv;
    };
    for (const auto& kv : strings(image.config.value("Env", nlohmann::json::array()))) put(kv, false);
    for (const auto& kv : request.env) put(kv, true);
    nlohmann::json env = nlohmann::json::array();
    for (const auto& key : order) env.push_back(values[key]);

    nlohmann::json spec = runc_default_spec();
    auto& process = spec["process"];
    process["terminal"] = false;
    process["args"] = args;
    process["env"] = env;
    const std::string cwd = image.config.value("WorkingDir", "");
    process["cwd"] = cwd.empty() ? "/" : cwd;
    spec["root"] = {{"path", request.root}, {"readonly", false}};
    spec["hostname"] = request.id;
    spec["linux"]["cgroupsPath"] = "/" + request.ns + "/" + request.id;
    return spec;
}

}  // namespace cedana::plugins::containerd
