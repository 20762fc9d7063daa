#pragma once
// The runc plugin's part of the command line: `run runc [ID] --bundle B`, `manage runc ID`,
// `dump runc ID`, `restore runc --path P --bundle B`, `freeze`/`unfreeze runc ID` and
// `query runc ID...`, each with --root and the runc flags of cli.md.

namespace cedana::plugins::runc {

void add_commands();

}  // namespace cedana::plugins::runc
