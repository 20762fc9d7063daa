#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "daemon/database_lock.hpp"
#include "daemon/recovery.hpp"
#include "daemon/work_journal.hpp"
#include "jobs/process_state.hpp"
#include "jobs/store.hpp"
#include "proc/process_info.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"
#include "util/leftovers.hpp"

namespace fs = std::filesystem;
using cedana::daemon::DatabaseLock;
using cedana::daemon::DumpJournal;
using cedana::daemon::finish_interrupted_work;
using cedana::daemon::LeftoverJournal;
using cedana::daemon::RestoreJournal;
using cedana::jobs::Store;
using cedana::testing::TempDir;

namespace {

// A child that sleeps until killed, reaped by the destructor.
struct Sleeper {
    pid_t pid = ::fork();
    Sleeper() {
        if (pid == 0) {
            for (;;) ::pause();
        }
    }
    ~Sleeper() {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
};

bool wait_until(const std::function<bool()>& ready) {
    for (int i = 0; i < 500; ++i) {
        if (ready()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

// Runs `work` in a child that SIGKILLs itself while the journal entries it made are in scope,
// as a daemon is killed in the middle of a request: nothing of its own undoes what it wrote.
void in_killed_child(const std::function<void()>& work) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        work();
        ::_exit(1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the child failed before it was killed";
}

cedana::jobs::Job job_of(const std::string& jid, int pid) {
    return {.jid = jid, .type = "process", .pid = pid, .command = "sleep", .log = "/old.log", .attachable = true, .gpu = false,
            .created_unix = 1, .exit_status = 9, .start_ticks = 1, .details = {}, .migrated_to = {}};
}

}  // namespace

TEST(UnfinishedWork, EntriesAreAddedUpdatedListedOldestFirstAndRemoved) {
    TempDir dir;
    Store store((dir.path() / "jobs.db").string());
    const auto a = store.add_unfinished("dump", R"({"a":1})");
    const auto b = store.add_unfinished("leftover", R"(["/x"])");
    store.update_unfinished(a, R"({"a":2})");
    auto all = store.unfinished();
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, a);
    EXPECT_EQ(all[0].kind, "dump");
    EXPECT_EQ(all[0].body, R"({"a":2})");
    EXPECT_EQ(all[1].id, b);
    store.remove_unfinished(a);
    all = store.unfinished();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].id, b);
}

TEST(UnfinishedWork, JournalEntriesLiveAsLongAsTheirObjects) {
    TempDir dir;
    Store store((dir.path() / "jobs.db").string());
    {
        DumpJournal dump(store, "j");
        EXPECT_TRUE(store.unfinished().empty());  // nothing to undo before CRIU is to stop anything
        dump.stops({::getpid()}, dir.path() / "cp.tar.lz4", "lz4");
        ASSERT_EQ(store.unfinished().size(), 1u);
        EXPECT_EQ(store.unfinished()[0].kind, "dump");
        RestoreJournal restore(store, "j", "/log");
        EXPECT_EQ(store.unfinished().size(), 2u);
    }
    EXPECT_TRUE(store.unfinished().empty());
}

TEST(Recovery, LeftoversOfAKilledRequestAreRemovedAndOnlyThose) {
    TempDir dir;
    Store store((dir.path() / "jobs.db").string());
    const fs::path staging = dir.path() / ".cp.partial-abc";
    const fs::path keep = dir.path() / "cp";
    fs::create_directories(staging / "sub");
    std::ofstream(staging / "sub" / "pages-1.img") << "x";
    std::ofstream(staging.string() + ".archive") << "y";
    fs::create_directory(keep);
    LeftoverJournal book(store);
    book.made({staging, staging.string() + ".archive"});
    finish_interrupted_work(store);
    EXPECT_FALSE(fs::exists(staging));
    EXPECT_FALSE(fs::exists(staging.string() + ".archive"));
    EXPECT_TRUE(fs::exists(keep));
    EXPECT_TRUE(store.unfinished().empty());
}

TEST(Recovery, LeftoverEntriesFollowTheirFilesWhileTheBookIsKept) {
    TempDir dir;
    Store store((dir.path() / "jobs.db").string());
    LeftoverJournal book(store);
    cedana::util::keep_leftovers_in(&book);
    {
        const cedana::util::Leftover made({dir.path() / "scratch"});
        EXPECT_EQ(store.unfinished().size(), 1u);
    }
    cedana::util::keep_leftovers_in(nullptr);
    EXPECT_TRUE(store.unfinished().empty());
    const cedana::util::Leftover unbooked({dir.path() / "other"});
    EXPECT_TRUE(store.unfinished().empty());
}

TEST(Recovery, ProcessesStoppedByAnInterruptedDumpAreContinuedAndAPublishedCheckpointRecorded) {
    TempDir dir;
    const auto db = (dir.path() / "jobs.db").string();
    Store(db).add_job(job_of("j", 1));
    Sleeper child;
    const fs::path published = dir.path() / "cp.tar.lz4";
    std::ofstream(published) << "checkpoint";
    // What a daemon killed after publishing, before it settled the tree, leaves.
    in_killed_child([&] {
        Store own(db);
        DumpJournal dump(own, "j");
        dump.stops({child.pid}, published, "lz4");
        ::kill(child.pid, SIGSTOP);
        while (!cedana::proc::is_stopped(child.pid)) ::usleep(1000);
        ::raise(SIGKILL);
    });
    Store store(db);
    finish_interrupted_work(store);
    EXPECT_TRUE(wait_until([&] { return !cedana::proc::is_stopped(child.pid); })) << "the dumped process was left stopped";
    const auto checkpoints = store.checkpoints("j");
    ASSERT_EQ(checkpoints.size(), 1u);
    EXPECT_EQ(checkpoints[0].path, published.string());
    EXPECT_EQ(checkpoints[0].size, 10u);
    EXPECT_EQ(checkpoints[0].compression, "lz4");
    EXPECT_TRUE(store.unfinished().empty());
    // A second recovery finds nothing to do and records nothing twice.
    finish_interrupted_work(store);
    EXPECT_EQ(store.checkpoints("j").size(), 1u);
}

TEST(Recovery, AProcessFrozenBeforeTheDumpOrAReusedPidIsLeftAlone) {
    TempDir dir;
    Store store((dir.path() / "jobs.db").string());
    Sleeper child;
    ASSERT_EQ(::kill(child.pid, SIGSTOP), 0);
    ASSERT_TRUE(wait_until([&] { return cedana::proc::is_stopped(child.pid); }));
    // An entry naming the child with another start time: its PID was taken by someone else.
    store.add_unfinished("dump", R"({"jid":"","processes":[[)" + std::to_string(child.pid) + R"(,1]],"freezers":[],"path":""})");
    finish_interrupted_work(store);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(cedana::proc::is_stopped(child.pid));
    EXPECT_TRUE(store.unfinished().empty());
}

TEST(Recovery, AnUnpublishedCheckpointIsNotRecorded) {
    TempDir dir;
    Store store((dir.path() / "jobs.db").string());
    store.add_job(job_of("j", 1));
    store.add_unfinished("dump", R"({"jid":"j","processes":[],"freezers":[],"path":")" + (dir.path() / "missing").string() + R"("})");
    finish_interrupted_work(store);
    EXPECT_TRUE(store.checkpoints("j").empty());
}

TEST(Recovery, ARestoredProcessIsGivenToItsJobAndAnOlderOneIsNot) {
    TempDir dir;
    const auto db = (dir.path() / "jobs.db").string();
    const auto before = cedana::jobs::ticks_since_boot();
    // CRIU restored the job's process after the restore began, and the daemon died before
    // the job was told.
    in_killed_child([&] {
        Store own(db);
        RestoreJournal journal(own, "j", "/new.log");
        journal.restored(12345);
        ::raise(SIGKILL);
    });
    Store store(db);
    const auto entries = store.unfinished();
    ASSERT_EQ(entries.size(), 1u);
    const auto body = nlohmann::json::parse(entries[0].body);
    EXPECT_GE(body.at("since").get<std::uint64_t>(), before);
    EXPECT_EQ(body.at("pid"), 12345);
    store.remove_unfinished(entries[0].id);
    Sleeper restored;
    store.add_job(job_of("j", restored.pid));
    store.add_unfinished("restore", R"({"jid":"j","log":"/new.log","since":)" + std::to_string(before) + R"(,"pid":)" +
                                        std::to_string(restored.pid) + "}");
    finish_interrupted_work(store);
    auto job = store.job("j");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->pid, restored.pid);
    EXPECT_EQ(job->start_ticks, cedana::jobs::start_ticks(restored.pid));
    EXPECT_GE(job->start_ticks, before);
    EXPECT_FALSE(job->exit_status);
    EXPECT_FALSE(job->attachable);
    EXPECT_EQ(job->log, "/new.log");

    // A process of the job's PID that was there before the restore began is not the restored one.
    store.update_job(job_of("j", restored.pid));
    store.add_unfinished("restore", R"({"jid":"j","log":"/x","since":)" + std::to_string(cedana::jobs::ticks_since_boot() + 1000) + "}");
    finish_interrupted_work(store);
    EXPECT_EQ(store.job("j")->log, "/old.log");
}

TEST(Recovery, EntriesThatAreNotJsonAreDropped) {
    TempDir dir;
    Store store((dir.path() / "jobs.db").string());
    store.add_unfinished("dump", "{not json");
    store.add_unfinished("leftover", R"({"not":"a list"})");
    finish_interrupted_work(store);
    EXPECT_TRUE(store.unfinished().empty());
}

TEST(DatabaseLock, ASecondDaemonOnTheSameDatabaseIsRefusedNamingTheFirst) {
    TempDir dir;
    const auto db = (dir.path() / "jobs.db").string();
    {
        const DatabaseLock first(db);
        try {
            const DatabaseLock second(db);
            FAIL() << "a second lock was granted";
        } catch (const cedana::Error& e) {
            const std::string message = e.what();
            EXPECT_NE(message.find("in use by the cedana daemon with PID " + std::to_string(::getpid())), std::string::npos) << message;
            EXPECT_NE(message.find("--db"), std::string::npos) << message;
        }
    }
    const DatabaseLock again(db);  // let go with its holder
}

TEST(JobStore, AFileThatIsNoDatabaseIsRefusedAndLeftAsItIs) {
    TempDir dir;
    const auto db = dir.path() / "jobs.db";
    const std::string garbage(8192, 'x');
    std::ofstream(db) << garbage;
    try {
        Store store(db.string());
        FAIL() << "a file of garbage was opened as the job database";
    } catch (const cedana::Error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("is damaged or not a database"), std::string::npos) << message;
        EXPECT_NE(message.find("move it aside"), std::string::npos) << message;
    }
    std::ifstream in(db);
    const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(after, garbage);
}
