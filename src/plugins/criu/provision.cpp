#include "plugins/criu/provision.hpp"

#include <chrono>
#include <string>

#include "cedana/provision_criu_script.hpp"
#include "util/error.hpp"
#include "util/subprocess.hpp"

namespace cedana::plugins::criu {

namespace {

// Fetching and unpacking CRIU and its libraries from the Debian archive takes a minute or
// two on a slow mirror; a check of an already provisioned CRIU takes well under a second.
constexpr auto kTimeout = std::chrono::minutes(15);

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

}  // namespace

void provision() {
    const util::Completed done = util::run_capture(
        {"env", "CEDANA_CRIU_PREFIX=" CEDANA_CRIU_PREFIX, "bash", "-c", std::string(generated::kProvisionCriuScript), "provision-criu"},
        kTimeout);
    if (done.status == 0) return;
    const std::string err = trimmed(done.err);
    fail(ErrorKind::failed_precondition, "provisioning CRIU 4 (scripts/provision-criu.sh) exited with status {}{}{}", done.status,
         err.empty() ? "" : ": ", err);
}

}  // namespace cedana::plugins::criu
