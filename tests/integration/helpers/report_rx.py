#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# report_rx.py — receives gslb-probe reports on a loopback UDP port, checks them, keeps the view
#
# usage: report_rx.py PORT KEYFILE OUTDIR [SECONDS]
# Verifies each datagram's HMAC-SHA256 with the key (the file's content without trailing
# white space), decodes it per docs/probe-protocol.md and rewrites OUTDIR/state (one line per
# entry of the latest snapshot, from all its parts received so far: "service member addr
# up|down rtt_us load_permille") and appends to OUTDIR/log. Problems (bad MAC, seq going backwards, malformed) go to
# OUTDIR/errors. Runs for SECONDS (default 100) at most.
import hashlib
import hmac
import ipaddress
import os
import socket
import struct
import sys
import time

UNKNOWN = 0xFFFFFFFF


def name_text(b):
    out, i = [], 0
    while b[i]:
        n = b[i]
        out.append(b[i + 1:i + 1 + n].decode())
        i += 1 + n
    return ".".join(out) + "."


def decode(d, secret):
    if len(d) < 4 + 4 + 32 or d[:4] != b"GSHR":
        raise ValueError("magic")
    if d[4] != 1:
        raise ValueError("version")
    body, mac = d[:-32], d[-32:]
    if not hmac.compare_digest(hmac.new(secret, body, hashlib.sha256).digest(), mac):
        raise ValueError("bad mac")
    pos = 6
    klen = d[pos]; key = d[pos + 1:pos + 1 + klen].decode(); pos += 1 + klen
    plen = d[pos]; prober = d[pos + 1:pos + 1 + plen].decode(); pos += 1 + plen
    seq, ts, part, nparts, n = struct.unpack_from("!QQHHH", d, pos)
    pos += 22
    entries = []
    for _ in range(n):
        flags, fam, member, nl = struct.unpack_from("!BBHB", d, pos)
        pos += 5
        svc = name_text(d[pos:pos + nl]); pos += nl
        al = {4: 4, 6: 16, 0: 0}[fam]
        addr = str(ipaddress.ip_address(d[pos:pos + al])) if al else "-"
        pos += al
        rtt, load, change = struct.unpack_from("!IIQ", d, pos)
        pos += 16
        entries.append((svc, member, addr, "up" if flags & 1 else "down",
                        "-" if rtt == UNKNOWN else str(rtt),
                        "-" if load == UNKNOWN else str(load), change))
    if pos != len(body):
        raise ValueError("trailing bytes")
    return key, prober, seq, ts, part, nparts, entries


def main():
    port, keyfile, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    end = time.monotonic() + (float(sys.argv[4]) if len(sys.argv) > 4 else 100)
    secret = open(keyfile, "rb").read().rstrip()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    s.settimeout(0.2)
    open(os.path.join(out, "ready"), "w").close()
    last = {}
    cur_seq, cur_parts = -1, {}
    log = open(os.path.join(out, "log"), "a", buffering=1)
    errs = open(os.path.join(out, "errors"), "a", buffering=1)
    while time.monotonic() < end:
        try:
            d, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        try:
            key, prober, seq, ts, part, nparts, entries = decode(d, secret)
        except Exception as e:  # noqa: BLE001 - any decoding problem is a test failure
            errs.write("malformed: %s\n" % e)
            continue
        prev = last.get(prober)
        if prev is not None and (seq < prev[0] or (seq == prev[0] and part in prev[1])):
            errs.write("seq not increasing: %d part %d after %d\n" % (seq, part, prev[0]))
        if prev is None or seq > prev[0]:
            last[prober] = (seq, {part})
        else:
            prev[1].add(part)
        if abs(ts / 1000.0 - time.time()) > 5:
            errs.write("timestamp off by %.1f s\n" % (ts / 1000.0 - time.time()))
        if seq > cur_seq:
            cur_seq, cur_parts = seq, {}
        if seq == cur_seq:
            cur_parts[part] = entries
        lines = ["%s %d %s %s %s %s" % e[:6] for p in sorted(cur_parts) for e in cur_parts[p]]
        log.write("seq=%d part=%d/%d prober=%s key=%s n=%d\n" % (seq, part, nparts, prober,
                                                                  key, len(entries)))
        tmp = os.path.join(out, "state.tmp")
        with open(tmp, "w") as f:
            f.write("".join(l + "\n" for l in lines))
        os.replace(tmp, os.path.join(out, "state"))


main()
