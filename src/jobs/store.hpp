#pragma once
// The job database: managed jobs and their checkpoints, in SQLite, so that a daemon restart
// loses neither. One connection behind one mutex is the single writer path; WAL lets other
// readers of the same file read while it writes.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace cedana::jobs {

struct Job {
    std::string jid;
    std::string type;  // "process"
    int pid = 0;
    std::string command;
    std::string log;  // the output file; empty when the daemon holds the job's I/O
    bool attachable = false;
    bool gpu = false;
    std::int64_t created_unix = 0;
    std::optional<int> exit_status;  // once the daemon saw the job end
    // The process's start time (clock ticks after boot, /proc/<pid>/stat): a PID reused by
    // another process after the job's ended is not mistaken for the job.
    std::uint64_t start_ticks = 0;
    // What the job's plugin needs to find its workload again (a container's id, runc root
    // and bundle); empty for processes.
    std::map<std::string, std::string> details;
    // Set once `cedana migrate` moved the job to another daemon: that daemon's address.
    std::string migrated_to;
};

struct Checkpoint {
    std::string id;  // uuid
    std::string jid;
    std::int64_t time_unix = 0;
    std::uint64_t size = 0;
    std::string path;
    std::string compression;
};

// Work under way that a daemon killed in its middle must finish or undo when it starts again
// (daemon/recovery.hpp): what kind of work, and what undoing it needs, as JSON.
struct Unfinished {
    std::int64_t id = 0;
    std::string kind;
    std::string body;
};

class Store {
public:
    // Opens or creates the database at `path` and migrates its schema. Throws cedana::Error
    // naming the path when it cannot.
    explicit Store(const std::string& path);
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Throws cedana::Error(invalid_argument) when the id is taken.
    void add_job(const Job& job);
    void update_job(const Job& job);
    void remove_job(const std::string& jid);
    std::optional<Job> job(const std::string& jid);
    std::optional<Job> job_by_pid(int pid);
    std::vector<Job> jobs();

    void add_checkpoint(const Checkpoint& checkpoint);
    // Newest first.
    std::vector<Checkpoint> checkpoints(const std::string& jid);
    std::optional<Checkpoint> checkpoint(const std::string& id);
    void remove_checkpoint(const std::string& id);

    struct CheckpointSummary {
        int count = 0;
        Checkpoint newest;
    };
    // Every job's number of checkpoints and its newest one, by job id, in one read: `ps`
    // lists them all, and a query per job costs ~30 µs each.
    std::map<std::string, CheckpointSummary> checkpoint_summaries();

    // Returns the new entry's id.
    std::int64_t add_unfinished(const std::string& kind, const std::string& body);
    void update_unfinished(std::int64_t id, const std::string& body);
    void remove_unfinished(std::int64_t id);
    // Oldest first.
    std::vector<Unfinished> unfinished();

    // The schema version this build migrates to (PRAGMA user_version).
    static int schema_version();

private:
    // Closed also when the constructor throws (a newer schema, a failed migration).
    struct Close {
        void operator()(sqlite3* db) const;
    };
    std::mutex mutex_;
    std::unique_ptr<sqlite3, Close> db_;
    std::string path_;
};

}  // namespace cedana::jobs
