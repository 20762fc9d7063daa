#include "health/checks.hpp"

#include "health/sections.hpp"

namespace cedana::health {

Report run_checks(const CheckOptions& options) {
    return Report{{criu_section(options), kernel_section(), system_section()}};
}

}  // namespace cedana::health
