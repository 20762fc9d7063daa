#pragma once
// A request's path through the daemon: adapters wrapped around a final handler.
//
// An adapter sees the request, the response and the context, may change them, calls `next`
// to go on, and may act on the way back (undo on failure, record on success). Failures are
// exceptions (cedana::Error). The chain times every step itself, so that no adapter has to,
// and records each step's own time, excluding what `next` took.

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/fault_point.hpp"
#include "pipeline/profile.hpp"

namespace cedana::pipeline {

template <typename Context, typename Req, typename Resp>
class Chain {
public:
    using Next = std::function<void(Context&, Req&, Resp&)>;
    using AdapterFn = std::function<void(Context&, Req&, Resp&, const Next& next)>;
    using HandlerFn = std::function<void(Context&, Req&, Resp&)>;

    Chain& use(std::string name, std::string component, AdapterFn adapter) {
        steps_.push_back({std::move(name), std::move(component), std::move(adapter)});
        return *this;
    }

    Chain& handle(std::string name, std::string component, HandlerFn handler) {
        handler_ = {std::move(name), std::move(component),
                    [h = std::move(handler)](Context& c, Req& q, Resp& r, const Next&) { h(c, q, r); }};
        has_handler_ = true;
        return *this;
    }

    [[nodiscard]] std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& step : steps_) out.push_back(step.name);
        if (has_handler_) out.push_back(handler_.name);
        return out;
    }

    // `profile` may be null when nobody asked for timings.
    void run(Context& ctx, Req& req, Resp& resp, Profile* profile) const {
        if (!has_handler_) throw std::logic_error("pipeline chain without a handler");
        run_from(0, ctx, req, resp, profile);
    }

private:
    struct StepDef {
        std::string name;
        std::string component;
        AdapterFn fn;
    };

    using Clock = std::chrono::steady_clock;

    // Adds the time `next` took to the caller's `inner` on every way out, so that a step's
    // own time excludes its inner steps also when they throw.
    struct InnerTimer {
        Clock::duration& inner;
        Clock::time_point start = Clock::now();
        ~InnerTimer() { inner += Clock::now() - start; }
    };

    // Records the step's own time also when it throws, so a failed request is profiled too.
    struct Record {
        Profile* profile;
        std::size_t slot;
        Clock::time_point start;
        const Clock::duration& inner;
        ~Record() {
            if (profile != nullptr) profile->finish(slot, Clock::now() - start - inner);
        }
    };

    void run_from(std::size_t index, Context& ctx, Req& req, Resp& resp, Profile* profile) const {
        const StepDef& step = index < steps_.size() ? steps_[index] : handler_;
        Clock::duration inner{0};
        const std::size_t slot = profile != nullptr ? profile->begin(step.name, step.component) : 0;
        const Record record{profile, slot, Clock::now(), inner};
        const Next next = [&](Context& c, Req& q, Resp& r) {
            if (index >= steps_.size()) throw std::logic_error("the handler has no next step");
            const InnerTimer timer{inner};
            run_from(index + 1, c, q, r, profile);
        };
        fault_point("enter", step.name);
        step.fn(ctx, req, resp, next);
        fault_point("leave", step.name);
    }

    std::vector<StepDef> steps_;
    StepDef handler_;
    bool has_handler_ = false;
};

}  // namespace cedana::pipeline
