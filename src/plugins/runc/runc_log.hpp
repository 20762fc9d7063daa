#pragma once
// runc's --log and --log-format for what cedana does in runc's place (restore runc): one
// entry per outcome, written as runc writes its own, so that whatever reads runc's log reads
// cedana's too.

#include <string>

namespace cedana::plugins::runc {

// Appends `time="…" level=LEVEL msg="…"` (format "text" or empty) or
// {"level":…,"msg":…,"time":…} (format "json") to the file at `path`. Throws cedana::Error
// when the file cannot be written or the format is neither.
void append_runc_log(const std::string& path, const std::string& format, const std::string& level, const std::string& message);

}  // namespace cedana::plugins::runc
