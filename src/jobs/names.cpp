#include "jobs/names.hpp"

#include <array>
#include <random>

#include <fmt/format.h>

namespace cedana::jobs {

namespace {

constexpr std::array kAdjectives = {
    "amber",  "brave",  "calm",   "clever", "crisp",  "daring", "eager",  "fair",   "gentle", "glad",
    "golden", "humble", "jolly",  "keen",   "kind",   "lively", "lucid",  "merry",  "nimble", "noble",
    "patient", "plucky", "proud", "quick",  "quiet",  "rapid",  "ready",  "serene", "sharp",  "silent",
    "steady", "sturdy", "sunny",  "swift",  "tidy",   "vivid",  "warm",   "wise",   "witty",  "zesty",
};

// Pioneers of computing and of the mathematics under it.
constexpr std::array kSurnames = {
    "babbage", "backus",   "boole",   "cerf",     "dijkstra", "engelbart", "hamilton", "hopper", "kahan",  "kay",
    "knuth",   "lamport",  "liskov",  "lovelace", "mccarthy", "milner",    "neumann",  "noether", "pascal", "perlman",
    "ritchie", "shannon",  "sutherland", "tarjan", "thompson", "torvalds", "turing",   "wirth",  "zuse",   "goldwasser",
};

}  // namespace

std::string generate_jid(const std::function<bool(const std::string&)>& taken) {
    thread_local std::mt19937 random{std::random_device{}()};
    std::uniform_int_distribution<std::size_t> adjective(0, kAdjectives.size() - 1);
    std::uniform_int_distribution<std::size_t> surname(0, kSurnames.size() - 1);
    // The number widens as names run out, so a crowded database still gets an id quickly.
    for (int limit = 10;; limit *= 10) {
        std::uniform_int_distribution<int> number(0, limit - 1);
        for (int attempt = 0; attempt < 32; ++attempt) {
            const std::string jid = fmt::format("{}_{}{}", kAdjectives[adjective(random)], kSurnames[surname(random)], number(random));
            if (!taken(jid)) return jid;
        }
    }
}

}  // namespace cedana::jobs
