#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# fakebird.py — a stand-in for BIRD 2's control socket, enough for gslb-anycast: it greets,
# answers "enable NAME" / "disable NAME" with BIRD's reply codes (11 enabled, 10 already
# enabled, 9 disabled, 8 already disabled), refuses the names in --refuse with a 9001
# error, and writes the protocols' states to STATE ("p4=enabled p6=disabled") after each
# command. Stops after --seconds.
#
# Usage: fakebird.py SOCKET STATE [--refuse NAME ...] [--seconds N]
import argparse
import os
import socket
import time

ap = argparse.ArgumentParser()
ap.add_argument("socket")
ap.add_argument("state")
ap.add_argument("--refuse", nargs="*", default=[])
ap.add_argument("--seconds", type=float, default=120)
args = ap.parse_args()

states = {}


def write_state():
    tmp = args.state + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(" ".join("%s=%s" % kv for kv in sorted(states.items())) + "\n")
    os.replace(tmp, args.state)


def answer(cmd):
    parts = cmd.split()
    if len(parts) != 2 or parts[0] not in ("enable", "disable"):
        return "9001 syntax error, unexpected CF_SYM_UNDEFINED\n"
    verb, name = parts
    if name in args.refuse:
        return "8003 %s: no such protocol\n" % name
    want = "enabled" if verb == "enable" else "disabled"
    code = {("enabled", True): 10, ("enabled", False): 11,
            ("disabled", True): 8, ("disabled", False): 9}[(want, states.get(name) == want)]
    states[name] = want
    write_state()
    return "%04d-%s: %s%s\n0000 \n" % (code, name, "already " if code in (8, 10) else "", want)


srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(args.socket)
srv.listen(8)
srv.settimeout(0.5)
end = time.time() + args.seconds
while time.time() < end:
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        continue
    with conn:
        conn.settimeout(2)
        try:
            conn.sendall(b"0001 BIRD 2.0.12 ready.\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = conn.recv(256)
                if not chunk:
                    break
                data += chunk
            if data:
                conn.sendall(answer(data.decode(errors="replace").strip()).encode())
        except OSError:
            pass
