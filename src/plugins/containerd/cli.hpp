#pragma once
// The containerd plugin's part of the command line: `query containerd ID...` and
// `freeze`/`unfreeze containerd ID`, each with --namespace.

namespace cedana::plugins::containerd {

void add_commands();

}  // namespace cedana::plugins::containerd
