#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# backend.py — 109-probe-keepalive's HTTP/1.1 backend that counts the TCP connections it
# accepts (and the requests it answers) and writes "CONNECTIONS REQUESTS" to COUNT_FILE.
#
# usage: backend.py PORT MODE COUNT_FILE
#   keep        answers every request and keeps the connection open (HTTP/1.1 keep-alive)
#   close       answers with "Connection: close" and closes after each response
#   close-next  answers the first request of a connection and keeps it open, but closes the
#               connection without an answer when a second request arrives on it: the race
#               of a server's idle timeout with a client reusing the connection
import socket
import sys
import threading

PORT, MODE, COUNT = int(sys.argv[1]), sys.argv[2], sys.argv[3]
lock = threading.Lock()
conns = reqs = 0


def save():
    with open(COUNT + ".tmp", "w", encoding="ascii") as f:
        f.write("%d %d\n" % (conns, reqs))
    import os
    os.replace(COUNT + ".tmp", COUNT)


def serve(c):
    global reqs
    buf = b""
    n = 0
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                d = c.recv(4096)
                if not d:
                    return
                buf += d
            buf = buf.split(b"\r\n\r\n", 1)[1]  # GET: no body
            n += 1
            if MODE == "close-next" and n > 1:
                return
            body = b"ok\n"
            close = MODE == "close"
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (
                len(body), b"Connection: close\r\n" if close else b"", body))
            with lock:
                reqs += 1
                save()
            if close:
                return
    finally:
        c.close()


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", PORT))
s.listen(64)
save()
while True:
    c, _ = s.accept()
    with lock:
        conns += 1
        save()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
