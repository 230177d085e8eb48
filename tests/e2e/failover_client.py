#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# failover_client.py — the e2e client of the "region's backends stopped" round, in one process
# so that no fork or exec sits between the stop and the requests: kills PIDS (the backends),
# then requests http://NAME/ over and over, each time resolving NAME anew through the system's
# resolver (Unbound, like curl -4: A records only) and connecting to the address it got, until
# a body starts with PREFIX or SECONDS pass. A request waits up to 5 s, like the test's curl.
#
# usage: failover_client.py NAME PREFIX SECONDS PID...
# prints: "stop_ms <unix ms of the kill>", then one line per request
# "<start ms> <end ms> <address> <status or error> <body>" (ms after the kill), then
# "first_ms <end ms of the first request served by PREFIX>" (or "first_ms -")
import http.client
import os
import signal
import socket
import sys
import time

NAME, PREFIX, SECONDS = sys.argv[1], sys.argv[2], float(sys.argv[3])
STEP = 0.05  # between requests: a busy client sends them back to back


def ms(t):
    return int((t - t0) * 1000)


for pid in sys.argv[4:]:
    os.kill(int(pid), signal.SIGTERM)
t0 = time.time()
print("stop_ms %d" % int(t0 * 1000), flush=True)
while time.time() - t0 < SECONDS:
    start = time.time()
    addr, what, body = "-", "", ""
    try:
        addr = socket.getaddrinfo(NAME, 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
        c = http.client.HTTPConnection(addr, 80, timeout=5)
        c.request("GET", "/", headers={"Host": NAME})
        r = c.getresponse()
        what, body = str(r.status), r.read().decode(errors="replace").strip()
        c.close()
    except (OSError, http.client.HTTPException) as e:
        what = type(e).__name__
    end = time.time()
    print("%d %d %s %s %s" % (ms(start), ms(end), addr, what, body[:40]), flush=True)
    if body.startswith(PREFIX):
        print("first_ms %d" % ms(end), flush=True)
        sys.exit(0)
    time.sleep(STEP)
print("first_ms -", flush=True)
sys.exit(1)
