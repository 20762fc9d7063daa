#!/usr/bin/env python3
"""The other end of runc's --console-socket, for the tests: listens on SOCKET, takes the
terminal master that arrives as SCM_RIGHTS, optionally types a line into it, and copies what
the container writes to its terminal into LOG until the terminal hangs up.

usage: console_receiver.py SOCKET LOG READY [LINE]
READY is created once the socket listens, so that a test can wait for it.
"""
import os
import socket
import sys


def main():
    path, log_path, ready = sys.argv[1:4]
    line = sys.argv[4] if len(sys.argv) > 4 else None
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    open(ready, "w").close()
    conn, _ = server.accept()
    name, fds, _, _ = socket.recv_fds(conn, 4096, 1)
    conn.close()
    server.close()
    if not fds:
        sys.exit("no descriptor came with the message")
    master = fds[0]
    with open(log_path, "ab", buffering=0) as log:
        log.write(b"received " + name + b"\n")
        if line is not None:
            os.write(master, line.encode() + b"\n")
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the last holder of the terminal's slave is gone
                break
            if not data:
                break
            log.write(data)


if __name__ == "__main__":
    main()
