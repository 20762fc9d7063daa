#pragma once
// The `cedana` command line: builds the command tree, runs the chosen command, turns errors
// into a message on stderr, and ends the process with the command's exit status.

namespace cedana::cli {

[[noreturn]] void run(int argc, char** argv);

}  // namespace cedana::cli
