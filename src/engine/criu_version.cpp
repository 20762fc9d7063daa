#include "engine/criu_version.hpp"

#include <map>
#include <mutex>

#include <fmt/format.h>

#include "engine/criu_rpc.hpp"
#include "util/error.hpp"

namespace cedana::engine {

std::string criu_version(const std::string& binary) {
    static std::mutex mutex;
    static std::map<std::string, std::string> known;
    {
        const std::lock_guard lock(mutex);
        if (const auto it = known.find(binary); it != known.end()) return it->second;
    }
    criu_req req;
    req.set_type(VERSION);
    const criu_resp resp = run_criu(binary, req);
    if (!resp.success() || !resp.has_version()) fail(ErrorKind::failed_precondition, "CRIU at {} does not report its version", binary);
    const auto& v = resp.version();
    std::string version = fmt::format("{}.{}", v.major_number(), v.minor_number());
    if (v.has_sublevel()) version += fmt::format(".{}", v.sublevel());
    const std::lock_guard lock(mutex);
    known[binary] = version;
    return version;
}

}  // namespace cedana::engine
