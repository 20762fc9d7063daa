#!/usr/bin/env python3
"""Runs a command as a child subreaper that reaps every orphan left to it.

A process whose parent dies goes to the nearest subreaper above it, else to PID 1. In some
containers PID 1 never reaps, and an orphan that ends there stays a zombie holding its PID,
which a restore needs back (CRIU restores the PID a process had). The suites leave orphans on
purpose: the processes of a daemon they SIGKILL. Exits with the command's status once it ends.

    tests/orphan_reaper.py COMMAND [ARGS...]
"""
import ctypes
import os
import sys

PR_SET_CHILD_SUBREAPER = 36

libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit(f"orphan_reaper: cannot become a child subreaper: {os.strerror(ctypes.get_errno())}")
child = os.fork()
if child == 0:
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
while True:
    pid, status = os.waitpid(-1, 0)
    if pid == child:
        sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
