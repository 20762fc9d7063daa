#include "cli/job_table.hpp"

#include <algorithm>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "util/units.hpp"

namespace cedana::cli {

namespace v1 = cedana::daemon::v1;

namespace {

// Left-aligned columns, except those listed in `right`, two spaces apart.
std::string table(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
    std::vector<std::size_t> width(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (c > 0) line += "  ";
            line += right[c] ? fmt::format("{:>{}}", row[c], width[c]) : fmt::format("{:<{}}", row[c], width[c]);
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    return out;
}

std::string when(std::int64_t unix_seconds) { return fmt::format("{:%Y-%m-%d %H:%M:%S}", fmt::gmtime(static_cast<std::time_t>(unix_seconds))); }

}  // namespace

std::string format_jobs(const v1::ListJobsResp& jobs, std::int64_t now_unix) {
    std::vector<std::vector<std::string>> rows = {{"JOB", "TYPE", "PID", "STATUS", "GPU", "CHECKPOINT", "SIZE", "LOG"}};
    for (const auto& job : jobs.jobs()) {
        const bool checkpointed = job.has_latest();
        rows.push_back({job.jid(), job.type(), std::to_string(job.pid()), job.state(), job.gpu() ? "yes" : "no",
                        checkpointed ? util::age(now_unix - job.latest().time_unix()) : "",
                        checkpointed ? util::binary_size(job.latest().size()) : "", job.attachable() ? "[Attachable]" : job.log()});
    }
    return table(rows, {false, false, true, false, false, false, false, false});
}

std::string format_checkpoints(const v1::ListCheckpointsResp& checkpoints) {
    std::vector<std::vector<std::string>> rows = {{"ID", "TIME", "SIZE", "PATH"}};
    for (const auto& c : checkpoints.checkpoints()) rows.push_back({c.id(), when(c.time_unix()), util::binary_size(c.size()), c.path()});
    return table(rows, {false, false, false, false});
}

std::string format_job(const v1::JobInfo& job, const v1::ListCheckpointsResp& checkpoints, std::int64_t now_unix) {
    std::string out;
    const auto row = [&out](const std::string& name, const std::string& value) { out += fmt::format("{:<12}{}\n", name, value); };
    row("Job", job.jid());
    row("Type", job.type());
    row("PID", std::to_string(job.pid()));
    row("Status", job.state());
    row("Exit status", job.exited() ? std::to_string(job.exit_status()) : "-");
    row("Command", job.command());
    row("Log", job.attachable() ? "[Attachable]" : job.log().empty() ? "-" : job.log());
    row("GPU", job.gpu() ? "yes" : "no");
    row("Created", fmt::format("{} UTC ({})", when(job.created_unix()), util::age(now_unix - job.created_unix())));
    out += fmt::format("\nCheckpoints ({}):\n", checkpoints.checkpoints_size());
    if (checkpoints.checkpoints_size() > 0) out += format_checkpoints(checkpoints);
    return out;
}

}  // namespace cedana::cli
