#include "cli/progress_display.hpp"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <utility>

#include <fmt/format.h>

#include "util/units.hpp"
#include "util/uuid.hpp"

namespace cedana::cli {

namespace v1 = cedana::daemon::v1;

namespace {

constexpr auto kInterval = std::chrono::milliseconds(250);
constexpr const char* kClearLine = "\r\033[K";

std::string rate(std::uint64_t bytes, std::uint64_t ms) {
    if (ms == 0) return "-";
    return util::binary_size(bytes * 1000 / ms) + "/s";
}

}  // namespace

std::string format_progress(const std::string& what, std::uint64_t done, std::uint64_t total, std::uint64_t elapsed_ms) {
    std::string line = fmt::format("{}: {}", what, util::binary_size(done));
    if (total > 0) line += fmt::format(" of {} ({}%)", util::binary_size(total), std::min<std::uint64_t>(done * 100 / total, 100));
    line += ", " + rate(done, elapsed_ms);
    if (total > done && done > 0 && elapsed_ms > 0) {
        const std::uint64_t left_s = (total - done) * elapsed_ms / done / 1000;
        line += fmt::format(", ETA {} s", left_s);
    }
    return line;
}

std::string format_transfer(const std::string& trailer) {
    const auto tab1 = trailer.find('\t');
    const auto tab2 = tab1 == std::string::npos ? std::string::npos : trailer.find('\t', tab1 + 1);
    if (tab2 == std::string::npos) return "";
    const std::string what = trailer.substr(0, tab1);
    std::uint64_t bytes = 0;
    std::uint64_t ms = 0;
    try {
        bytes = std::stoull(trailer.substr(tab1 + 1, tab2 - tab1 - 1));
        ms = std::stoull(trailer.substr(tab2 + 1));
    } catch (const std::exception&) {
        return "";
    }
    // "uploading to X" -> "Uploaded 12 MiB to X": the daemon names what it did as it does it.
    static constexpr std::array<std::pair<const char*, const char*>, 4> kDone = {
        {{"uploading", "Uploaded"}, {"downloading", "Downloaded"}, {"reading", "Read"}, {"sending", "Sent"}}};
    const auto space = what.find(' ');
    const std::string verb = what.substr(0, space);
    std::string rest = space == std::string::npos ? "" : what.substr(space);
    std::string past = verb;
    for (const auto& [ing, ed] : kDone) {
        if (verb == ing) past = ed;
    }
    // "downloading s3://x" names no preposition: "Downloaded 12 MiB from s3://x".
    if (verb == "downloading" || verb == "reading") rest = " from" + rest;
    return fmt::format("{} {}{} in {:.1f} s ({})", past, util::binary_size(bytes), rest, static_cast<double>(ms) / 1000.0, rate(bytes, ms));
}

ProgressDisplay::ProgressDisplay(Client& client, const std::function<Client()>& make_poller) : terminal_(::isatty(STDOUT_FILENO) == 1) {
    if (!terminal_) return;
    const std::string id = util::new_uuid();
    client.set_request_id(id);
    v1::ProgressReq req;
    req.set_request_id(id);
    start([req, poller = std::make_shared<Client>(make_poller())]() -> std::optional<util::TransferProgress::Snapshot> {
        v1::ProgressResp now;
        try {
            now = poller->progress(req);
        } catch (const std::exception&) {
            // A daemon too old to answer, or gone: the call itself will say so.
            return std::nullopt;
        }
        return util::TransferProgress::Snapshot{
            .active = now.active(), .what = now.what(), .done = now.done(), .total = now.total(), .elapsed_ms = now.elapsed_ms()};
    });
}

ProgressDisplay::ProgressDisplay(std::shared_ptr<const util::TransferProgress> transfer)
    : terminal_(::isatty(STDOUT_FILENO) == 1), local_(std::move(transfer)) {
    if (!terminal_) return;
    start([transfer = local_] { return std::optional(transfer->snapshot()); });
}

void ProgressDisplay::start(Poll poll) {
    poller_ = std::thread([this, poll = std::move(poll)] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, kInterval, [this] { return stopping_; })) {
            lock.unlock();
            const auto now = poll();
            lock.lock();
            if (!now || stopping_) return;
            if (!now->active) continue;
            std::cout << kClearLine << format_progress(now->what, now->done, now->total, now->elapsed_ms) << std::flush;
            shown_ = true;
        }
    });
}

void ProgressDisplay::stop() {
    if (!poller_.joinable()) return;
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    poller_.join();
    if (shown_) std::cout << kClearLine << std::flush;
}

ProgressDisplay::~ProgressDisplay() { stop(); }

void ProgressDisplay::summarize(const Client& client) { show_summary(format_transfer(client.transfer())); }

void ProgressDisplay::summarize() {
    if (!local_) return;
    const auto done = local_->snapshot();
    show_summary(done.what.empty() ? "" : format_transfer(fmt::format("{}\t{}\t{}", done.what, done.done, done.elapsed_ms)));
}

void ProgressDisplay::show_summary(const std::string& line) {
    stop();
    if (terminal_ && !line.empty()) std::cout << line << '\n';
}

}  // namespace cedana::cli
