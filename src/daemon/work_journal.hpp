#pragma once
// What a daemon killed in the middle of a dump or a restore has to undo or finish when it
// starts again, written to the job database while the work is under way and removed once it
// is over (recovery.hpp reads what is left). Each entry is written before the step it
// covers, so that a kill at any point finds what it needs.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jobs/store.hpp"
#include "util/leftovers.hpp"

namespace cedana::daemon {

// The kinds of entries, as recovery.cpp reads them.
inline constexpr const char* kDumpEntry = "dump";
inline constexpr const char* kRestoreEntry = "restore";
inline constexpr const char* kLeftoverEntry = "leftover";

// One entry, written through on every change and removed with the object.
class JournalEntry {
public:
    JournalEntry(const JournalEntry&) = delete;
    JournalEntry& operator=(const JournalEntry&) = delete;

    // CRIU runs as `pid`: a successor waits for an orphaned CRIU to end before it undoes
    // anything, or CRIU would stop the processes again after they were continued.
    void runs_criu(int pid) noexcept;

protected:
    JournalEntry(jobs::Store& store, std::string kind, nlohmann::json body);
    ~JournalEntry();
    // Throws cedana::Error when the database cannot be written.
    void write();
    void write_noting(const char* what) noexcept;

    nlohmann::json body_;

private:
    jobs::Store& store_;
    std::string kind_;
    std::int64_t id_ = 0;
};

// A dump. CRIU leaves what it dumped stopped (and a container's freezer frozen) until the
// checkpoint is published: the processes and freezers to resume if the daemon dies before
// it settles them, and the checkpoint a `dump job` is to record if it was published.
class DumpJournal : public JournalEntry {
public:
    DumpJournal(jobs::Store& store, const std::string& jid);

    // Before CRIU runs: the processes it is to stop, and where the checkpoint will appear.
    void stops(const std::vector<int>& pids, const std::filesystem::path& final_path, const std::string& compression);
    // Before the freezer cgroup at `dir` is frozen.
    void freezes(const std::string& dir);
};

// A `restore job`, before the job is told of its new process: the job's log, the time the
// restore began (a process of the job's PID started since then is the restored one), and
// the PID CRIU reported once it had restored the process.
class RestoreJournal : public JournalEntry {
public:
    RestoreJournal(jobs::Store& store, const std::string& jid, const std::string& log);

    void restored(int pid) noexcept;
};

// Temporary files (util/leftovers.hpp), kept in the job database.
class LeftoverJournal : public util::LeftoverBook {
public:
    explicit LeftoverJournal(jobs::Store& store) : store_(store) {}
    std::int64_t made(const std::vector<std::filesystem::path>& paths) override;
    void gone(std::int64_t id) noexcept override;

private:
    jobs::Store& store_;
};

}  // namespace cedana::daemon
