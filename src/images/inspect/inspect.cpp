#include "images/inspect/inspect.hpp"

#include <functional>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "images/inspect/files.hpp"
#include "images/inspect/memory.hpp"
#include "images/inspect/processes.hpp"
#include "images/inspect/sockets.hpp"
#include "util/error.hpp"

namespace cedana::images::inspect {

namespace fs = std::filesystem;

namespace {

using Describer = std::string (*)(const fs::path&);

constexpr std::pair<const char*, Describer> kDescribers[] = {
    {"ps", describe_ps}, {"fd", describe_fd}, {"mem", describe_mem}, {"rss", describe_rss}, {"sk", describe_sk},
};

}  // namespace

std::vector<std::string> types() {
    std::vector<std::string> out;
    for (const auto& [name, describer] : kDescribers) out.emplace_back(name);
    return out;
}

std::string describe(const fs::path& images_dir, const std::string& type) {
    Describer describer = nullptr;
    for (const auto& [name, d] : kDescribers)
        if (type == name) describer = d;
    if (describer == nullptr)
        fail(ErrorKind::invalid_argument, "unknown inspect type '{}': valid types are {}", type, fmt::join(types(), ", "));
    std::error_code ec;
    if (!fs::is_directory(images_dir, ec))
        fail(ErrorKind::not_found, "checkpoint images directory {} does not exist", images_dir.string());
    return describer(images_dir);
}

}  // namespace cedana::images::inspect
