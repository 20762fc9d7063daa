#include "daemon/work_journal.hpp"

#include <spdlog/spdlog.h>

#include "jobs/process_state.hpp"
#include "util/clock.hpp"

namespace cedana::daemon {

namespace {

std::string text_of(const nlohmann::json& body) { return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// An entry that cannot be removed only makes the next daemon's recovery look for what is
// gone already; the request it belongs to has ended either way.
void remove_entry(jobs::Store& store, std::int64_t id) noexcept {
    if (id == 0) return;
    try {
        store.remove_unfinished(id);
    } catch (const std::exception& e) {
        spdlog::warn("cannot remove entry {} of the unfinished work in the job database: {}", id, e.what());
    }
}

}  // namespace

JournalEntry::JournalEntry(jobs::Store& store, std::string kind, nlohmann::json body)
    : body_(std::move(body)), store_(store), kind_(std::move(kind)) {}

JournalEntry::~JournalEntry() { remove_entry(store_, id_); }

// Called with CRIU (or the restored process) running: failing the request now would undo
// more than the missing note is worth, which matters only should the daemon die.
void JournalEntry::write_noting(const char* what) noexcept {
    try {
        write();
    } catch (const std::exception& e) {
        spdlog::warn("cannot write down {} in the job database: {}", what, e.what());
    }
}

void JournalEntry::runs_criu(int pid) noexcept {
    body_["criu"] = {pid, jobs::start_ticks(pid)};
    write_noting("CRIU's PID");
}

void JournalEntry::write() {
    if (id_ == 0) {
        id_ = store_.add_unfinished(kind_, text_of(body_));
    } else {
        store_.update_unfinished(id_, text_of(body_));
    }
}

DumpJournal::DumpJournal(jobs::Store& store, const std::string& jid)
    : JournalEntry(store, kDumpEntry,
                   {{"jid", jid}, {"processes", nlohmann::json::array()}, {"freezers", nlohmann::json::array()}, {"time", util::unix_seconds()}}) {}

void DumpJournal::stops(const std::vector<int>& pids, const std::filesystem::path& final_path, const std::string& compression) {
    // With its start time, so that a PID taken by another process meanwhile is left alone.
    for (const int pid : pids) body_["processes"].push_back({pid, jobs::start_ticks(pid)});
    body_["path"] = final_path.string();
    body_["compression"] = compression;
    write();
}

void DumpJournal::freezes(const std::string& dir) {
    body_["freezers"].push_back(dir);
    write();
}

RestoreJournal::RestoreJournal(jobs::Store& store, const std::string& jid, const std::string& log)
    : JournalEntry(store, kRestoreEntry, {{"jid", jid}, {"log", log}, {"since", jobs::ticks_since_boot()}}) {
    write();
}

void RestoreJournal::restored(int pid) noexcept {
    body_["pid"] = pid;
    write_noting("the restored PID");
}

std::int64_t LeftoverJournal::made(const std::vector<std::filesystem::path>& paths) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& path : paths) list.push_back(path.string());
    return store_.add_unfinished(kLeftoverEntry, text_of(list));
}

void LeftoverJournal::gone(std::int64_t id) noexcept { remove_entry(store_, id); }

}  // namespace cedana::daemon
