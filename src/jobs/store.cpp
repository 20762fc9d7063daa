#include "jobs/store.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace cedana::jobs {

namespace {

// Each entry moves the schema one version up; never edit one that has shipped, add another.
const char* const kMigrations[] = {
    R"(CREATE TABLE jobs (
           jid TEXT PRIMARY KEY,
           type TEXT NOT NULL,
           pid INTEGER NOT NULL,
           command TEXT NOT NULL,
           log TEXT NOT NULL,
           attachable INTEGER NOT NULL,
           gpu INTEGER NOT NULL,
           created INTEGER NOT NULL,
           exit_status INTEGER);
       CREATE INDEX jobs_pid ON jobs(pid);
       CREATE TABLE checkpoints (
           id TEXT PRIMARY KEY,
           jid TEXT NOT NULL REFERENCES jobs(jid) ON DELETE CASCADE,
           time INTEGER NOT NULL,
           size INTEGER NOT NULL,
           path TEXT NOT NULL,
           compression TEXT NOT NULL);
       CREATE INDEX checkpoints_jid ON checkpoints(jid, time);)",
    R"(ALTER TABLE jobs ADD COLUMN start_ticks INTEGER NOT NULL DEFAULT 0;)",
    R"(ALTER TABLE jobs ADD COLUMN details TEXT NOT NULL DEFAULT '{}';)",
    R"(ALTER TABLE jobs ADD COLUMN migrated_to TEXT NOT NULL DEFAULT '';)",
    R"(CREATE TABLE unfinished (
           id INTEGER PRIMARY KEY AUTOINCREMENT,
           kind TEXT NOT NULL,
           body TEXT NOT NULL);)",
};

// A prepared statement, finalized on destruction.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
            fail(ErrorKind::internal, "job database: {}", sqlite3_errmsg(db));
        }
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int i, const std::string& v) {
        check(sqlite3_bind_text(stmt_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
        return *this;
    }
    Statement& bind(int i, std::int64_t v) {
        check(sqlite3_bind_int64(stmt_, i, v));
        return *this;
    }
    Statement& bind(int i, const std::optional<int>& v) {
        check(v ? sqlite3_bind_int64(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
        return *this;
    }
    // True while there is a row.
    bool step() {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        if (rc == SQLITE_CONSTRAINT) fail(ErrorKind::invalid_argument, "job database: {}", sqlite3_errmsg(db_));
        fail(ErrorKind::internal, "job database: {}", sqlite3_errmsg(db_));
    }
    std::string text(int col) {
        const auto* p = sqlite3_column_text(stmt_, col);
        return p == nullptr ? "" : reinterpret_cast<const char*>(p);
    }
    std::int64_t integer(int col) { return sqlite3_column_int64(stmt_, col); }
    bool is_null(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) fail(ErrorKind::internal, "job database: {}", sqlite3_errmsg(db_));
    }

    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql, const std::string& path) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error != nullptr ? error : "unknown error";
        sqlite3_free(error);
        fail(ErrorKind::failed_precondition, "job database {}: {}", path, message);
    }
}

constexpr const char* kJobColumns = "jid, type, pid, command, log, attachable, gpu, created, exit_status, start_ticks, details, migrated_to";

Job read_job(Statement& s) {
    Job j;
    j.jid = s.text(0);
    j.type = s.text(1);
    j.pid = static_cast<int>(s.integer(2));
    j.command = s.text(3);
    j.log = s.text(4);
    j.attachable = s.integer(5) != 0;
    j.gpu = s.integer(6) != 0;
    j.created_unix = s.integer(7);
    if (!s.is_null(8)) j.exit_status = static_cast<int>(s.integer(8));
    j.start_ticks = static_cast<std::uint64_t>(s.integer(9));
    j.migrated_to = s.text(11);
    const auto details = nlohmann::json::parse(s.text(10), nullptr, false);
    if (details.is_object()) {
        for (const auto& [key, value] : details.items()) {
            if (value.is_string()) j.details[key] = value.get<std::string>();
        }
    }
    return j;
}

Checkpoint read_checkpoint(Statement& s) {
    return {s.text(0), s.text(1), s.integer(2), static_cast<std::uint64_t>(s.integer(3)), s.text(4), s.text(5)};
}

}  // namespace

int Store::schema_version() { return static_cast<int>(std::size(kMigrations)); }

Store::Store(const std::string& path) : path_(path) {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    sqlite3* opened = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    db_.reset(opened);
    if (rc != SQLITE_OK) {
        const std::string message = db_.get() ? sqlite3_errmsg(db_.get()) : "out of memory";
        db_.reset();
        fail(ErrorKind::failed_precondition, "cannot open the job database {}: {} (set DB.Path or daemon start --db)", path, message);
    }
    sqlite3_busy_timeout(db_.get(), 5000);
    // SQLite reads the file only now: a file that is no database, or a damaged one, is
    // refused here and left as it is for whoever wants to look at it or save what it holds.
    try {
        exec(db_.get(), "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;", path_);
        Statement check(db_.get(), "PRAGMA quick_check");
        if (check.step() && check.text(0) != "ok") fail(ErrorKind::failed_precondition, "{}", check.text(0));
    } catch (const Error& e) {
        fail(ErrorKind::failed_precondition,
             "the job database {} is damaged or not a database ({}); move it aside to start with no jobs, or put back a copy (DB.Path or "
             "daemon start --db chooses another)",
             path, e.what());
    }
    Statement version(db_.get(), "PRAGMA user_version");
    version.step();
    const int current = static_cast<int>(version.integer(0));
    if (current > schema_version()) {
        fail(ErrorKind::failed_precondition, "job database {} has schema {}, newer than this cedana's {}; upgrade cedana", path, current,
             schema_version());
    }
    for (int v = current; v < schema_version(); ++v) {
        exec(db_.get(), "BEGIN IMMEDIATE", path_);
        try {
            exec(db_.get(), kMigrations[v], path_);
            exec(db_.get(), ("PRAGMA user_version = " + std::to_string(v + 1)).c_str(), path_);
            exec(db_.get(), "COMMIT", path_);
        } catch (...) {
            sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
}

Store::~Store() = default;

void Store::Close::operator()(sqlite3* db) const { sqlite3_close(db); }

void Store::add_job(const Job& job) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "INSERT INTO jobs (jid, type, pid, command, log, attachable, gpu, created, exit_status, start_ticks, details, "
                     "migrated_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    s.bind(1, job.jid).bind(2, job.type).bind(3, std::int64_t{job.pid}).bind(4, job.command).bind(5, job.log);
    s.bind(6, std::int64_t{job.attachable}).bind(7, std::int64_t{job.gpu}).bind(8, job.created_unix).bind(9, job.exit_status);
    s.bind(10, static_cast<std::int64_t>(job.start_ticks)).bind(11, nlohmann::json(job.details).dump()).bind(12, job.migrated_to);
    try {
        s.step();
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::invalid_argument) fail(ErrorKind::invalid_argument, "a job with id {} exists already; choose another --jid", job.jid);
        throw;
    }
}

void Store::update_job(const Job& job) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "UPDATE jobs SET type = ?, pid = ?, command = ?, log = ?, attachable = ?, gpu = ?, exit_status = ?, start_ticks = ?, "
                     "details = ?, migrated_to = ? WHERE jid = ?");
    s.bind(1, job.type).bind(2, std::int64_t{job.pid}).bind(3, job.command).bind(4, job.log);
    s.bind(5, std::int64_t{job.attachable}).bind(6, std::int64_t{job.gpu}).bind(7, job.exit_status);
    s.bind(8, static_cast<std::int64_t>(job.start_ticks)).bind(9, nlohmann::json(job.details).dump()).bind(10, job.migrated_to).bind(11, job.jid);
    s.step();
}

void Store::remove_checkpoint(const std::string& id) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "DELETE FROM checkpoints WHERE id = ?");
    s.bind(1, id).step();
}

void Store::remove_job(const std::string& jid) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "DELETE FROM jobs WHERE jid = ?");
    s.bind(1, jid).step();
}

std::optional<Job> Store::job(const std::string& jid) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), (std::string("SELECT ") + kJobColumns + " FROM jobs WHERE jid = ?").c_str());
    s.bind(1, jid);
    if (!s.step()) return std::nullopt;
    return read_job(s);
}

std::optional<Job> Store::job_by_pid(int pid) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), (std::string("SELECT ") + kJobColumns + " FROM jobs WHERE pid = ? ORDER BY created DESC LIMIT 1").c_str());
    s.bind(1, std::int64_t{pid});
    if (!s.step()) return std::nullopt;
    return read_job(s);
}

std::vector<Job> Store::jobs() {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), (std::string("SELECT ") + kJobColumns + " FROM jobs ORDER BY created, jid").c_str());
    std::vector<Job> out;
    while (s.step()) out.push_back(read_job(s));
    return out;
}

void Store::add_checkpoint(const Checkpoint& c) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "INSERT INTO checkpoints (id, jid, time, size, path, compression) VALUES (?, ?, ?, ?, ?, ?)");
    s.bind(1, c.id).bind(2, c.jid).bind(3, c.time_unix).bind(4, static_cast<std::int64_t>(c.size)).bind(5, c.path).bind(6, c.compression);
    s.step();
}

std::vector<Checkpoint> Store::checkpoints(const std::string& jid) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "SELECT id, jid, time, size, path, compression FROM checkpoints WHERE jid = ? ORDER BY time DESC, rowid DESC");
    s.bind(1, jid);
    std::vector<Checkpoint> out;
    while (s.step()) out.push_back(read_checkpoint(s));
    return out;
}

std::map<std::string, Store::CheckpointSummary> Store::checkpoint_summaries() {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "SELECT id, jid, time, size, path, compression FROM checkpoints ORDER BY jid, time DESC, rowid DESC");
    std::map<std::string, CheckpointSummary> out;
    while (s.step()) {
        Checkpoint c = read_checkpoint(s);
        CheckpointSummary& summary = out[c.jid];
        if (summary.count++ == 0) summary.newest = std::move(c);
    }
    return out;
}

std::optional<Checkpoint> Store::checkpoint(const std::string& id) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "SELECT id, jid, time, size, path, compression FROM checkpoints WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_checkpoint(s);
}

std::int64_t Store::add_unfinished(const std::string& kind, const std::string& body) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "INSERT INTO unfinished (kind, body) VALUES (?, ?)");
    s.bind(1, kind).bind(2, body).step();
    return sqlite3_last_insert_rowid(db_.get());
}

void Store::update_unfinished(std::int64_t id, const std::string& body) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "UPDATE unfinished SET body = ? WHERE id = ?");
    s.bind(1, body).bind(2, id).step();
}

void Store::remove_unfinished(std::int64_t id) {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "DELETE FROM unfinished WHERE id = ?");
    s.bind(1, id).step();
}

std::vector<Unfinished> Store::unfinished() {
    const std::lock_guard lock(mutex_);
    Statement s(db_.get(), "SELECT id, kind, body FROM unfinished ORDER BY id");
    std::vector<Unfinished> out;
    while (s.step()) out.push_back({s.integer(0), s.text(1), s.text(2)});
    return out;
}

}  // namespace cedana::jobs
