#include "api/profile_convert.hpp"

namespace cedana::api {

cedana::daemon::v1::Profile to_proto(const pipeline::Profile& profile) {
    cedana::daemon::v1::Profile out;
    for (const auto& step : profile.steps()) {
        auto* s = out.add_steps();
        s->set_name(step.name);
        s->set_component(step.component);
        s->set_self_ns(step.self.count());
    }
    return out;
}

}  // namespace cedana::api
