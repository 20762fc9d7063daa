#include <gtest/gtest.h>
#include <sqlite3.h>

#include "jobs/names.hpp"
#include "jobs/process_state.hpp"
#include "jobs/store.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

#include <regex>
#include <set>
#include <unistd.h>

using cedana::jobs::Checkpoint;
using cedana::jobs::Job;
using cedana::jobs::Store;
using cedana::testing::TempDir;

namespace {

Job job(const std::string& jid, int pid) {
    return {.jid = jid, .type = "process", .pid = pid, .command = "sleep 1", .log = "/tmp/x.log", .attachable = false, .gpu = false,
            .created_unix = 100, .exit_status = std::nullopt, .start_ticks = 7, .details = {}, .migrated_to = {}};
}

}  // namespace

TEST(JobStore, JobsRoundTripAndSurviveReopening) {
    TempDir dir;
    const auto path = (dir.path() / "jobs.db").string();
    {
        Store store(path);
        store.add_job(job("a", 10));
        auto b = job("b", 11);
        b.exit_status = 42;
        store.add_job(b);
    }
    Store store(path);
    const auto jobs = store.jobs();
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0].jid, "a");
    EXPECT_FALSE(jobs[0].exit_status.has_value());
    EXPECT_EQ(jobs[1].exit_status, 42);
    EXPECT_EQ(jobs[1].start_ticks, 7u);
    EXPECT_EQ(store.job_by_pid(11)->jid, "b");
    EXPECT_FALSE(store.job("c").has_value());
}

TEST(JobStore, DuplicateIdIsRefusedClearly) {
    TempDir dir;
    Store store((dir.path() / "jobs.db").string());
    store.add_job(job("a", 10));
    try {
        store.add_job(job("a", 12));
        FAIL() << "a second job a was accepted";
    } catch (const cedana::Error& e) {
        EXPECT_EQ(e.kind(), cedana::ErrorKind::invalid_argument);
        EXPECT_NE(std::string(e.what()).find("exists already"), std::string::npos);
    }
}

TEST(JobStore, UpdateAndRemoveWithCheckpointsNewestFirst) {
    TempDir dir;
    Store store((dir.path() / "jobs.db").string());
    store.add_job(job("a", 10));
    store.add_checkpoint({.id = "c1", .jid = "a", .time_unix = 5, .size = 1, .path = "/p1", .compression = "none"});
    store.add_checkpoint({.id = "c2", .jid = "a", .time_unix = 9, .size = 2, .path = "/p2", .compression = "lz4"});
    auto a = *store.job("a");
    a.pid = 20;
    a.exit_status = 1;
    store.update_job(a);
    EXPECT_EQ(store.job("a")->pid, 20);
    const auto checkpoints = store.checkpoints("a");
    ASSERT_EQ(checkpoints.size(), 2u);
    EXPECT_EQ(checkpoints[0].id, "c2");
    EXPECT_EQ(store.checkpoint("c1")->path, "/p1");
    store.remove_job("a");
    EXPECT_TRUE(store.checkpoints("a").empty());
    EXPECT_FALSE(store.checkpoint("c1").has_value());
}

TEST(JobStore, CheckpointSummariesCountAndPickTheNewestOfEveryJob) {
    TempDir dir;
    Store store((dir.path() / "jobs.db").string());
    store.add_job(job("a", 10));
    store.add_job(job("b", 11));
    store.add_job(job("c", 12));
    store.add_checkpoint({.id = "a1", .jid = "a", .time_unix = 9, .size = 1, .path = "/a1", .compression = "none"});
    store.add_checkpoint({.id = "a2", .jid = "a", .time_unix = 5, .size = 2, .path = "/a2", .compression = "lz4"});
    store.add_checkpoint({.id = "b1", .jid = "b", .time_unix = 7, .size = 3, .path = "/b1", .compression = "zstd"});
    // Same second: the one recorded last is the newest.
    store.add_checkpoint({.id = "b2", .jid = "b", .time_unix = 7, .size = 4, .path = "/b2", .compression = "tar"});
    const auto summaries = store.checkpoint_summaries();
    ASSERT_EQ(summaries.size(), 2u);
    EXPECT_EQ(summaries.at("a").count, 2);
    EXPECT_EQ(summaries.at("a").newest.id, "a1");
    EXPECT_EQ(summaries.at("b").count, 2);
    EXPECT_EQ(summaries.at("b").newest.id, "b2");
    EXPECT_EQ(summaries.at("b").newest.id, store.checkpoints("b").front().id);
    EXPECT_FALSE(summaries.contains("c"));
}

TEST(JobStore, SchemaIsMigratedAndANewerOneRefused) {
    TempDir dir;
    const auto path = (dir.path() / "jobs.db").string();
    { Store store(path); }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), Store::schema_version());
    sqlite3_finalize(stmt);
    sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    EXPECT_THROW(Store{path}, cedana::Error);
}

TEST(JobNames, AdjectiveSurnameNumberAndNeverTaken) {
    std::set<std::string> taken;
    const std::regex shape("^[a-z]+_[a-z]+[0-9]+$");
    for (int i = 0; i < 200; ++i) {
        const auto jid = cedana::jobs::generate_jid([&taken](const std::string& j) { return taken.contains(j); });
        EXPECT_TRUE(std::regex_match(jid, shape)) << jid;
        EXPECT_TRUE(taken.insert(jid).second) << jid;
    }
}

TEST(JobState, OwnProcessRunsAndAReusedPidIsHalted) {
    const int self = ::getpid();
    EXPECT_EQ(cedana::jobs::process_state(self), "running");
    const auto ticks = cedana::jobs::start_ticks(self);
    EXPECT_GT(ticks, 0u);
    EXPECT_EQ(cedana::jobs::process_state(self, ticks), "running");
    EXPECT_EQ(cedana::jobs::process_state(self, ticks + 1), "halted");
    EXPECT_EQ(cedana::jobs::process_state(999999), "halted");
}
