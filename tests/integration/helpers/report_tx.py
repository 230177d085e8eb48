#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# report_tx.py — a fake prober: signed health reports (docs/probe-protocol.md) to gslbd
#
# usage:
#   report_tx.py run PORT KEYFILE KEYID PROBER STATEFILE INTERVAL SECONDS
#       Sends a full snapshot every INTERVAL seconds, and at once when STATEFILE changes,
#       for at most SECONDS; prints "sent SEQ ENTRIES" per snapshot. STATEFILE lines: "service member family addr up|down";
#       an absent file or the word "silent" sends nothing (the prober is quiet).
#   report_tx.py once PORT KEYFILE KEYID PROBER STATEFILE [--seq N] [--ts-ms N]
#       [--bad-mac] [--twice] [--print-seq]
#       Sends one snapshot (the same datagram twice with --twice: the second is a replay).
#   report_tx.py garbage PORT WHAT   WHAT: random | short | magic | version | oversized
# The key is the file's content without trailing white space, as gslbd reads it.
import hashlib
import hmac
import ipaddress
import os
import socket
import struct
import sys
import time

UNKNOWN = 0xFFFFFFFF


def wire_name(name):
    out = b""
    for label in name.lower().rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def encode(key_id, secret, prober, seq, ts_ms, entries, part=0, nparts=1, bad_mac=False):
    """entries: (service, member, family, addr or None, up, rtt_us, load_permille)."""
    kid, pid = key_id.encode(), prober.encode()
    d = b"GSHR" + bytes([1, 0, len(kid)]) + kid + bytes([len(pid)]) + pid
    d += struct.pack("!QQHHH", seq, ts_ms, part, nparts, len(entries))
    for svc, member, fam, addr, up, rtt, load in entries:
        n = wire_name(svc)
        d += struct.pack("!BBHB", 1 if up else 0, fam, member, len(n)) + n
        if fam:
            d += ipaddress.ip_address(addr).packed
        d += struct.pack("!IIQ", rtt, load, 0)
    mac = hmac.new(secret, d, hashlib.sha256).digest()
    if bad_mac:
        mac = bytes([mac[0] ^ 1]) + mac[1:]
    return d + mac


def read_state(path):
    """None when silent, else the entries."""
    try:
        with open(path) as f:
            lines = [l.split() for l in f if l.strip() and not l.startswith("#")]
    except FileNotFoundError:
        return None
    if any(l == ["silent"] for l in lines):
        return None
    out = []
    for l in lines:
        svc, member, fam, addr, state = l[:5]
        out.append((svc, int(member), int(fam), None if fam == "0" else addr,
                    state == "up", 1000, UNKNOWN))
    return out


def read_key(path):
    with open(path, "rb") as f:
        return f.read().rstrip()


def now_ms():
    return int(time.time() * 1000)


def run(port, keyfile, key_id, prober, statefile, interval, seconds):
    secret = read_key(keyfile)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    seq = int(time.time() * 1e6)
    end = time.monotonic() + seconds
    last_mtime, next_send = None, 0.0
    while time.monotonic() < end:
        try:
            mtime = os.stat(statefile).st_mtime_ns
        except FileNotFoundError:
            mtime = None
        t = time.monotonic()
        if mtime != last_mtime or t >= next_send:
            last_mtime = mtime
            next_send = t + interval
            entries = read_state(statefile)
            if entries is not None:
                seq += 1
                s.sendto(encode(key_id, secret, prober, seq, now_ms(), entries),
                         ("127.0.0.1", port))
                print("sent", seq, len(entries), flush=True)
        time.sleep(0.01)


def main():
    a = sys.argv[1:]
    if a[0] == "run":
        run(int(a[1]), a[2], a[3], a[4], a[5], float(a[6]), float(a[7]))
    elif a[0] == "once":
        port, keyfile, key_id, prober, statefile = int(a[1]), a[2], a[3], a[4], a[5]
        opts = a[6:]
        seq = int(opts[opts.index("--seq") + 1]) if "--seq" in opts else int(time.time() * 1e6)
        ts = int(opts[opts.index("--ts-ms") + 1]) if "--ts-ms" in opts else now_ms()
        d = encode(key_id, read_key(keyfile), prober, seq, ts, read_state(statefile) or [],
                   bad_mac="--bad-mac" in opts)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(2 if "--twice" in opts else 1):
            s.sendto(d, ("127.0.0.1", port))
            time.sleep(0.05)
        if "--print-seq" in opts:
            print(seq)
    elif a[0] == "garbage":
        port, what = int(a[1]), a[2]
        d = {
            "random": os.urandom(200),
            "short": b"GSHR\x01",
            "magic": b"XXXX" + os.urandom(100),
            "version": b"GSHR\x02\x00\x02k1" + os.urandom(100),
            "oversized": b"GSHR\x01" + os.urandom(1500),
        }[what]
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(d, ("127.0.0.1", port))
    else:
        sys.exit("report_tx.py: run | once | garbage")


if __name__ == "__main__":
    main()
