#include "plugins/runc/bundle.hpp"

#include <fstream>

#include "util/error.hpp"

namespace cedana::plugins::runc {

namespace fs = std::filesystem;

namespace {

fs::path under(const fs::path& base, const std::string& path) {
    return fs::path(path).is_absolute() ? fs::path(path).lexically_normal() : (base / path).lexically_normal();
}

}  // namespace

std::string string_field(const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

Bundle load_bundle(const std::string& dir) {
    if (dir.empty()) fail(ErrorKind::invalid_argument, "no bundle given: pass --bundle DIR, the directory holding the container's config.json");
    std::error_code ec;
    Bundle b;
    b.dir = fs::absolute(dir, ec).lexically_normal();
    if (!fs::is_directory(b.dir, ec)) fail(ErrorKind::invalid_argument, "bundle {} does not exist or is not a directory", b.dir.string());
    const fs::path config = b.dir / "config.json";
    std::ifstream in(config);
    if (!in) fail(ErrorKind::invalid_argument, "bundle {} has no config.json (create one with `runc spec`)", b.dir.string());
    try {
        b.spec = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        fail(ErrorKind::invalid_argument, "bundle {}: config.json is not valid JSON: {}", b.dir.string(), e.what());
    }
    if (!b.spec.is_object()) fail(ErrorKind::invalid_argument, "bundle {}: config.json is not a JSON object", b.dir.string());
    try {
        const auto root = b.spec.value("root", nlohmann::json::object());
        const std::string rootfs = string_field(root, "path");
        if (rootfs.empty()) fail(ErrorKind::invalid_argument, "bundle {}: config.json has no root.path", b.dir.string());
        b.rootfs = under(b.dir, rootfs);
        if (!fs::is_directory(b.rootfs, ec)) {
            fail(ErrorKind::invalid_argument, "bundle {}: its root filesystem {} does not exist", b.dir.string(), b.rootfs.string());
        }
        const auto process = b.spec.value("process", nlohmann::json::object());
        const auto args = process.value("args", nlohmann::json::array());
        if (!args.is_array() || args.empty()) fail(ErrorKind::invalid_argument, "bundle {}: config.json has no process.args to run", b.dir.string());
        b.terminal = process.value("terminal", false);
        for (const auto& m : b.spec.value("mounts", nlohmann::json::array())) {
            BundleMount mount{.destination = string_field(m, "destination"), .type = string_field(m, "type"), .source = string_field(m, "source"), .bind = false};
            mount.bind = mount.type == "bind";
            for (const auto& option : m.value("options", nlohmann::json::array())) {
                if (option == "bind" || option == "rbind") mount.bind = true;
            }
            if (mount.bind) mount.source = under(b.dir, mount.source).string();
            b.mounts.push_back(std::move(mount));
        }
        const auto linux_section = b.spec.value("linux", nlohmann::json::object());
        for (const auto& ns : linux_section.value("namespaces", nlohmann::json::array())) {
            b.namespaces.push_back({string_field(ns, "type"), string_field(ns, "path")});
        }
        for (const auto& p : linux_section.value("maskedPaths", nlohmann::json::array())) {
            if (p.is_string()) b.masked_paths.push_back(p.get<std::string>());
        }
        b.cgroups_path = string_field(linux_section, "cgroupsPath");
    } catch (const nlohmann::json::exception& e) {
        fail(ErrorKind::invalid_argument, "bundle {}: config.json is not a valid OCI configuration: {}", b.dir.string(), e.what());
    }
    return b;
}

std::string namespace_path(const Bundle& bundle, const std::string& type) {
    for (const auto& ns : bundle.namespaces) {
        if (ns.type == type) return ns.path;
    }
    return "";
}

bool has_namespace(const Bundle& bundle, const std::string& type) {
    for (const auto& ns : bundle.namespaces) {
        if (ns.type == type) return true;
    }
    return false;
}

}  // namespace cedana::plugins::runc
