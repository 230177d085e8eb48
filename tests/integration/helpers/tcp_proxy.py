#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# tcp_proxy.py — a TCP relay on loopback that a test can cut, stall and restore with signals,
# to cut one site off etcd while the others stay connected.
#
# usage: tcp_proxy.py LISTEN_PORT UPSTREAM_PORT
#   SIGUSR1  cut: every connection is closed and new ones are closed at once (a link down)
#   SIGUSR2  stall: the connections open now stop carrying bytes (held, not lost) while new
#            ones pass (a watch stream that lags behind while requests still get through)
#   SIGHUP   restore: everything relays again, the held bytes first, in order
# Prints "ready" on stdout once it listens. One thread; loopback only.
import select
import signal
import socket
import sys

mode = "open"


def on_signal(signum, _frame):
    global mode
    mode = {signal.SIGUSR1: "cut", signal.SIGUSR2: "stall", signal.SIGHUP: "open"}[signum]


def main():
    listen_port, up_port = int(sys.argv[1]), int(sys.argv[2])
    for s in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGHUP):
        signal.signal(s, on_signal)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(64)
    print("ready", flush=True)
    peer = {}  # socket -> the other end
    stalled = set()  # sockets not read while stalled
    applied = "open"

    def close(s):
        o = peer.pop(s, None)
        for x in (s, o):
            if x is not None:
                stalled.discard(x)
                peer.pop(x, None)
                x.close()

    while True:
        if mode != applied:
            if mode == "cut":
                for s in list(peer):
                    close(s)
            elif mode == "stall":
                stalled.update(peer)
            else:
                stalled.clear()
            applied = mode
        try:
            r, _, _ = select.select([ls] + [s for s in peer if s not in stalled], [], [], 0.05)
        except InterruptedError:
            continue
        for s in r:
            if s is ls:
                c, _ = ls.accept()
                if applied == "cut":
                    c.close()
                    continue
                try:
                    u = socket.create_connection(("127.0.0.1", up_port), timeout=2)
                except OSError:
                    c.close()
                    continue
                peer[c], peer[u] = u, c
                continue
            if s not in peer:
                continue  # closed with its partner in this round
            try:
                data = s.recv(65536)
                if data:
                    peer[s].sendall(data)
                    continue
            except OSError:
                pass
            close(s)


if __name__ == "__main__":
    main()
