#pragma once
// Putting CRIU 4 on the machine, as the set-up does.

namespace cedana::plugins::criu {

// Runs scripts/provision-criu.sh (compiled in) for the prefix this cedana looks in
// (CEDANA_CRIU_PREFIX). It is idempotent: with a working CRIU 4 there already, it only
// checks it. Throws cedana::Error with the script's own messages when it fails.
void provision();

}  // namespace cedana::plugins::criu
