#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/chain.hpp"
#include "pipeline/profile.hpp"
#include "util/error.hpp"

namespace cedana::pipeline {
namespace {

using namespace std::chrono_literals;

struct Ctx {
    std::vector<std::string> trace;
};
struct Req {
    int value = 0;
};
struct Resp {
    int value = 0;
    std::string note;
};

using TestChain = Chain<Ctx, Req, Resp>;

// Busy-waits, so the time is spent in this step even on a coarse scheduler.
void spend(std::chrono::milliseconds how_long) {
    const auto until = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < until) {
    }
}

TestChain::AdapterFn tracing(const std::string& name) {
    return [name](Ctx& c, Req& q, Resp& r, const TestChain::Next& next) {
        c.trace.push_back(name + ":in");
        next(c, q, r);
        c.trace.push_back(name + ":out");
    };
}

TEST(Chain, AdaptersWrapTheHandlerInOrder) {
    TestChain chain;
    chain.use("a", "daemon", tracing("a"))
        .use("b", "daemon", tracing("b"))
        .handle("h", "criu", [](Ctx& c, Req&, Resp&) { c.trace.push_back("h"); });
    Ctx ctx;
    Req req;
    Resp resp;
    chain.run(ctx, req, resp, nullptr);
    EXPECT_EQ(ctx.trace, (std::vector<std::string>{"a:in", "b:in", "h", "b:out", "a:out"}));
}

TEST(Chain, NamesListsAdaptersThenHandler) {
    TestChain chain;
    chain.use("a", "daemon", tracing("a")).use("b", "daemon", tracing("b"));
    EXPECT_EQ(chain.names(), (std::vector<std::string>{"a", "b"}));
    chain.handle("h", "criu", [](Ctx&, Req&, Resp&) {});
    EXPECT_EQ(chain.names(), (std::vector<std::string>{"a", "b", "h"}));
}

TEST(Chain, HandlerOnlyChainRuns) {
    TestChain chain;
    chain.handle("h", "daemon", [](Ctx&, Req& q, Resp& r) { r.value = q.value + 1; });
    Ctx ctx;
    Req req{41};
    Resp resp;
    Profile profile;
    chain.run(ctx, req, resp, &profile);
    EXPECT_EQ(resp.value, 42);
    ASSERT_EQ(profile.steps().size(), 1U);
    EXPECT_EQ(profile.steps()[0].name, "h");
}

TEST(Chain, AdapterModifiesRequestBeforeAndResponseAfter) {
    TestChain chain;
    chain.use("double-request", "daemon",
              [](Ctx& c, Req& q, Resp& r, const TestChain::Next& next) {
                  q.value *= 2;
                  next(c, q, r);
                  r.value += 1000;
                  r.note += "+adapter";
              })
        .handle("h", "daemon", [](Ctx&, Req& q, Resp& r) {
            r.value = q.value;  // sees the doubled request
            r.note = "handler";
        });
    Ctx ctx;
    Req req{21};
    Resp resp;
    chain.run(ctx, req, resp, nullptr);
    EXPECT_EQ(req.value, 42);
    EXPECT_EQ(resp.value, 1042);
    EXPECT_EQ(resp.note, "handler+adapter");
}

TEST(Chain, AdapterCanShortCircuit) {
    bool handler_ran = false;
    bool inner_adapter_ran = false;
    TestChain chain;
    chain.use("cache", "daemon",
              [](Ctx&, Req&, Resp& r, const TestChain::Next&) { r.note = "cached"; })
        .use("inner", "daemon",
             [&](Ctx& c, Req& q, Resp& r, const TestChain::Next& next) {
                 inner_adapter_ran = true;
                 next(c, q, r);
             })
        .handle("h", "daemon", [&](Ctx&, Req&, Resp& r) {
            handler_ran = true;
            r.note = "handled";
        });
    Ctx ctx;
    Req req;
    Resp resp;
    Profile profile;
    chain.run(ctx, req, resp, &profile);
    EXPECT_FALSE(handler_ran);
    EXPECT_FALSE(inner_adapter_ran);
    EXPECT_EQ(resp.note, "cached");
    // Only the step that ran is profiled.
    ASSERT_EQ(profile.steps().size(), 1U);
    EXPECT_EQ(profile.steps()[0].name, "cache");
}

TEST(Chain, HandlerExceptionPropagatesAndAdaptersSeeIt) {
    TestChain chain;
    chain.use("outer", "daemon", tracing("outer"))
        .use("cleanup", "daemon",
             [](Ctx& c, Req& q, Resp& r, const TestChain::Next& next) {
                 c.trace.push_back("cleanup:in");
                 try {
                     next(c, q, r);
                 } catch (const Error& e) {
                     c.trace.push_back(std::string("cleanup:saw:") + e.what());
                     throw;
                 }
                 c.trace.push_back("cleanup:ok");
             })
        .handle("h", "criu", [](Ctx& c, Req&, Resp&) {
            c.trace.push_back("h");
            fail(ErrorKind::not_found, "no such pid {}", 1234);
        });
    Ctx ctx;
    Req req;
    Resp resp;
    try {
        chain.run(ctx, req, resp, nullptr);
        FAIL() << "the handler's error did not propagate";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::not_found);
        EXPECT_STREQ(e.what(), "no such pid 1234");
    }
    // "outer:out" is missing: the exception unwound through it.
    EXPECT_EQ(ctx.trace, (std::vector<std::string>{"outer:in", "cleanup:in", "h", "cleanup:saw:no such pid 1234"}));
}

TEST(Chain, AdapterCanTranslateAnError) {
    TestChain chain;
    chain.use("translate", "daemon",
              [](Ctx& c, Req& q, Resp& r, const TestChain::Next& next) {
                  try {
                      next(c, q, r);
                  } catch (const std::runtime_error&) {
                      r.note = "recovered";
                  }
              })
        .handle("h", "daemon", [](Ctx&, Req&, Resp&) { throw std::runtime_error("boom"); });
    Ctx ctx;
    Req req;
    Resp resp;
    EXPECT_NO_THROW(chain.run(ctx, req, resp, nullptr));
    EXPECT_EQ(resp.note, "recovered");
}

TEST(Chain, RunWithoutHandlerIsALogicError) {
    TestChain chain;
    bool adapter_ran = false;
    chain.use("a", "daemon", [&](Ctx&, Req&, Resp&, const TestChain::Next&) { adapter_ran = true; });
    Ctx ctx;
    Req req;
    Resp resp;
    Profile profile;
    EXPECT_THROW(chain.run(ctx, req, resp, &profile), std::logic_error);
    EXPECT_FALSE(adapter_ran);
    EXPECT_TRUE(profile.steps().empty());
}

TEST(Chain, ProfileRecordsEveryStepInStartOrderWithComponents) {
    TestChain chain;
    chain.use("apply-request-config", "daemon", tracing("a"))
        .use("plugin-hook", "gpu", tracing("b"))
        .handle("dump", "criu", [](Ctx&, Req&, Resp&) {});
    Ctx ctx;
    Req req;
    Resp resp;
    Profile profile;
    chain.run(ctx, req, resp, &profile);
    const auto& steps = profile.steps();
    ASSERT_EQ(steps.size(), 3U);
    EXPECT_EQ(steps[0].name, "apply-request-config");
    EXPECT_EQ(steps[0].component, "daemon");
    EXPECT_EQ(steps[1].name, "plugin-hook");
    EXPECT_EQ(steps[1].component, "gpu");
    EXPECT_EQ(steps[2].name, "dump");
    EXPECT_EQ(steps[2].component, "criu");
    for (const auto& step : steps) EXPECT_GE(step.self.count(), 0) << step.name;
}

TEST(Chain, SelfTimeExcludesInnerSteps) {
    TestChain chain;
    chain.use("outer", "daemon", [](Ctx& c, Req& q, Resp& r, const TestChain::Next& next) { next(c, q, r); })
        .use("inner", "daemon", [](Ctx& c, Req& q, Resp& r, const TestChain::Next& next) { next(c, q, r); })
        .handle("slow", "criu", [](Ctx&, Req&, Resp&) { spend(20ms); });
    Ctx ctx;
    Req req;
    Resp resp;
    Profile profile;
    chain.run(ctx, req, resp, &profile);
    const auto& steps = profile.steps();
    ASSERT_EQ(steps.size(), 3U);
    const auto handler = steps[2].self;
    EXPECT_GE(handler, 15ms);
    EXPECT_LT(steps[0].self, handler) << "outer's self time includes the handler's";
    EXPECT_LT(steps[1].self, handler) << "inner's self time includes the handler's";
}

TEST(Chain, AdapterOwnWorkIsItsSelfTime) {
    TestChain chain;
    chain.use("slow-adapter", "daemon",
              [](Ctx& c, Req& q, Resp& r, const TestChain::Next& next) {
                  spend(20ms);
                  next(c, q, r);
              })
        .handle("fast", "criu", [](Ctx&, Req&, Resp&) {});
    Ctx ctx;
    Req req;
    Resp resp;
    Profile profile;
    chain.run(ctx, req, resp, &profile);
    ASSERT_EQ(profile.steps().size(), 2U);
    EXPECT_GE(profile.steps()[0].self, 15ms);
    EXPECT_LT(profile.steps()[1].self, profile.steps()[0].self);
}

TEST(Chain, StepsAreRecordedWhenTheHandlerThrows) {
    TestChain chain;
    chain.use("guard", "daemon", [](Ctx& c, Req& q, Resp& r, const TestChain::Next& next) { next(c, q, r); })
        .handle("slow-fail", "criu", [](Ctx&, Req&, Resp&) {
            spend(20ms);
            throw std::runtime_error("criu failed");
        });
    Ctx ctx;
    Req req;
    Resp resp;
    Profile profile;
    EXPECT_THROW(chain.run(ctx, req, resp, &profile), std::runtime_error);
    const auto& steps = profile.steps();
    ASSERT_EQ(steps.size(), 2U);
    EXPECT_EQ(steps[0].name, "guard");
    EXPECT_EQ(steps[1].name, "slow-fail");
    EXPECT_GE(steps[1].self, 15ms) << "the failing handler's time was not recorded";
}

TEST(Chain, SelfTimeExcludesInnerStepsWhenTheHandlerThrows) {
    // The chain's contract: each step's own time, excluding what `next` took. That must hold
    // for a failed request too, or a failed dump's time is charged to every adapter around it.
    TestChain chain;
    chain.use("guard", "daemon",
              [](Ctx& c, Req& q, Resp& r, const TestChain::Next& next) {
                  try {
                      next(c, q, r);
                  } catch (...) {
                      throw;
                  }
              })
        .handle("slow-fail", "criu", [](Ctx&, Req&, Resp&) {
            spend(20ms);
            throw std::runtime_error("criu failed");
        });
    Ctx ctx;
    Req req;
    Resp resp;
    Profile profile;
    EXPECT_THROW(chain.run(ctx, req, resp, &profile), std::runtime_error);
    const auto& steps = profile.steps();
    ASSERT_EQ(steps.size(), 2U);
    EXPECT_GE(steps[1].self, 15ms);
    EXPECT_LT(steps[0].self, steps[1].self) << "guard's self time includes the failed handler's time";
}

TEST(Chain, NullProfileIsFine) {
    TestChain chain;
    chain.use("a", "daemon", tracing("a")).handle("h", "daemon", [](Ctx& c, Req&, Resp&) { c.trace.push_back("h"); });
    Ctx ctx;
    Req req;
    Resp resp;
    EXPECT_NO_THROW(chain.run(ctx, req, resp, nullptr));
    EXPECT_EQ(ctx.trace, (std::vector<std::string>{"a:in", "h", "a:out"}));
}

TEST(Chain, RunningTwiceAppendsToTheSameProfile) {
    TestChain chain;
    chain.use("a", "daemon", tracing("a")).handle("h", "daemon", [](Ctx&, Req&, Resp&) {});
    Ctx ctx;
    Req req;
    Resp resp;
    Profile profile;
    chain.run(ctx, req, resp, &profile);
    chain.run(ctx, req, resp, &profile);
    ASSERT_EQ(profile.steps().size(), 4U);
    EXPECT_EQ(profile.steps()[2].name, "a");
    EXPECT_EQ(profile.steps()[3].name, "h");
}

}  // namespace
}  // namespace cedana::pipeline
