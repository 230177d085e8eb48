#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# answer_split.py — how a server splits N answers: asks NAME A N times over one UDP socket, up
# to 50 queries in flight (no process per query, unlike kdig: 1,000 answers in well under a
# second), and prints one line per first A address, "ADDRESS COUNT", then "lost COUNT" for
# the queries that got no answer within 2 s (asked once more each).
#
# usage: answer_split.py PORT NAME N
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import dnslib  # noqa: E402
from watch_answer import addresses  # noqa: E402

WINDOW = 50


def main():
    port, name, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    todo = list(range(n))  # query ids still to ask
    pending = {}  # id -> when it was sent
    tries = {}
    counts = {}
    lost = 0
    while todo or pending:
        while todo and len(pending) < WINDOW:
            qid = todo.pop()
            s.sendto(dnslib.query(name, "A", qid), ("127.0.0.1", port))
            pending[qid] = time.monotonic()
            tries[qid] = tries.get(qid, 0) + 1
        try:
            m = s.recv(65535)
            qid = struct.unpack("!H", m[:2])[0]
            if qid in pending:
                del pending[qid]
                a = addresses(m)
                key = a[0] if a else dnslib.parse_header(m)["rcode_name"]
                counts[key] = counts.get(key, 0) + 1
        except socket.timeout:
            pass
        now = time.monotonic()
        for qid, at in list(pending.items()):
            if now - at > 2.0:
                del pending[qid]
                if tries[qid] < 2:
                    todo.append(qid)
                else:
                    lost += 1
    for k in sorted(counts):
        print(k, counts[k])
    print("lost", lost)
    return 0


if __name__ == "__main__":
    sys.exit(main())
