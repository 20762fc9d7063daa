#pragma once
// The process plugin's part of the command line.

namespace cedana::plugins::process {

void add_commands();

}  // namespace cedana::plugins::process
