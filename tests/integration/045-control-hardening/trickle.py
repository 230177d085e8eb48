#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# trickle.py PORT COUNT INTERVAL SECONDS — opens COUNT connections to 127.0.0.1:PORT,
# each sending a request line and then one header byte every INTERVAL seconds (never
# the end of the headers), for at most SECONDS. Prints one line per connection:
# "closed T" (seconds from its connect to the server's close) or "open" (held to the
# end), or "refused" when the connect failed.
import socket
import sys
import time

port, count, interval, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
conns = []  # [socket, connect time, result]
for _ in range(count):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: " % port)
        s.setblocking(False)
        conns.append([s, time.monotonic(), None])
    except OSError:
        conns.append([None, time.monotonic(), "refused"])
        s.close()

end = time.monotonic() + seconds
while time.monotonic() < end and any(c[2] is None for c in conns):
    for c in conns:
        if c[2] is not None:
            continue
        try:
            if c[0].recv(4096) == b"":
                c[2] = "closed %.2f" % (time.monotonic() - c[1])
                continue
        except BlockingIOError:
            pass
        except OSError:
            c[2] = "closed %.2f" % (time.monotonic() - c[1])
            continue
        try:
            c[0].send(b"a")
        except BlockingIOError:
            pass
        except OSError:
            c[2] = "closed %.2f" % (time.monotonic() - c[1])
    time.sleep(interval)
for c in conns:
    print(c[2] or "open")
    if c[0] is not None:
        c[0].close()
