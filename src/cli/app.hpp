#pragma once
// The `cedana` command line: builds the command tree, runs the chosen command, and turns
// errors into a message on stderr and a non-zero exit.

namespace cedana::cli {

int run(int argc, char** argv);

}  // namespace cedana::cli
