#pragma once
// A daemon's first act, before it serves: what an earlier daemon on the same job database
// left unfinished when it was killed (work_journal.hpp) is finished or undone.
//
// - Temporary files (a dump's `.partial-*` staging, a restore's extraction, a FUSE mount in
//   it) are unmounted and removed.
// - A dump's processes, which CRIU left stopped for the daemon to settle, are continued, and
//   a freezer cgroup it froze is thawed: the process runs on as before the dump. If the
//   checkpoint was published (it is complete, or it does not exist) a `dump job` records it
//   with the job, so the job can be restored from it. The process is continued even then,
//   although the dump was to end it: the request never finished, and of two ways of being
//   wrong, a process that runs on loses nothing.
// - A `restore job` whose process CRIU had restored gets the job pointed at it.

#include "jobs/store.hpp"

namespace cedana::daemon {

void finish_interrupted_work(jobs::Store& store);

}  // namespace cedana::daemon
