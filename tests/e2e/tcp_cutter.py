#!/usr/bin/env python3
"""A TCP relay on loopback that breaks connections, for the tests of uploads that drop.

    tcp_cutter.py TARGET_PORT PORT_FILE CUT_AFTER CUTS COUNT_FILE

Listens on a free port of 127.0.0.1 (written to PORT_FILE once it listens) and relays each
connection to 127.0.0.1:TARGET_PORT. A connection whose client has sent more than CUT_AFTER
bytes is closed both ways at once, as a network that drops would, for the first CUTS such
connections (-1: every one). COUNT_FILE holds the number of connections cut so far.
"""

import os
import socket
import struct
import sys
import threading

target_port, port_file, cut_after, cuts, count_file = (
    int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
lock = threading.Lock()
cut = 0


def record_cut():
    global cut
    with lock:
        if cuts >= 0 and cut >= cuts:
            return False
        cut += 1
        with open(count_file + ".tmp", "w") as f:
            f.write(f"{cut}\n")
        # Renamed into place: a reader never sees a half-written count.
        os.replace(count_file + ".tmp", count_file)
        return True


def close(*socks):
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def upstream(client, server, state):
    sent = 0
    try:
        while True:
            data = client.recv(65536)
            if not data:
                server.shutdown(socket.SHUT_WR)
                return
            sent += len(data)
            if not state["spared"] and sent > cut_after:
                if record_cut():
                    # RST instead of FIN: the client's request fails as on a broken network.
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    close(client, server)
                    return
                state["spared"] = True
            server.sendall(data)
    except OSError:
        close(client, server)


def downstream(client, server):
    try:
        while True:
            data = server.recv(65536)
            if not data:
                client.shutdown(socket.SHUT_WR)
                return
            client.sendall(data)
    except OSError:
        close(client, server)


def serve(client):
    try:
        server = socket.create_connection(("127.0.0.1", target_port))
    except OSError:
        client.close()
        return
    state = {"spared": False}
    threading.Thread(target=upstream, args=(client, server, state), daemon=True).start()
    threading.Thread(target=downstream, args=(client, server), daemon=True).start()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
with open(count_file, "w") as f:
    f.write("0\n")
with open(port_file + ".tmp", "w") as f:
    f.write(f"{listener.getsockname()[1]}\n")
os.replace(port_file + ".tmp", port_file)
while True:
    conn, _ = listener.accept()
    serve(conn)
