#!/usr/bin/env bash
# Runs a test suite as a user's login shell would run it: in a session of its own, holding
# only stdin, stdout and stderr.
#
# CI starts us inside a container whose session began outside its PID namespace; CRIU cannot
# dump a process of such a session (cedana refuses it, saying so: see dump_failures.bats).
# Whatever descriptors the runner hands down would reach every workload the tests start, and
# CRIU would have to dump them too (it cannot, for one opened in another mount namespace).
#
# The session's leader reaps what is orphaned below it (tests/orphan_reaper.py), as an init
# would: where PID 1 does not, a killed daemon's processes would stay zombies holding their PIDs.
#
#   tests/run-isolated.sh COMMAND [ARGS...]
set -euo pipefail
# 255 is bash's own copy of this script, which it opened close-on-exec.
for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if ((fd > 2 && fd != 255)); then
        eval "exec $fd>&-"
    fi
done
exec setsid --wait python3 "$(dirname "$0")/orphan_reaper.py" "$@"
