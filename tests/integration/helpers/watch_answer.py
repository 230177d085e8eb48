#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# watch_answer.py — a fast client for failover timing: asks NAME A with ECS SUBNET every
# 20 ms over one UDP socket (no process per query, unlike kdig) until the only address in the
# answer is WANT; prints the unix ms at which that answer arrived, or "timeout".
#
# usage: watch_answer.py PORT NAME SUBNET WANT SECONDS
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import dnslib  # noqa: E402


def ecs_query(name, subnet):
    net, plen = subnet.split("/")
    plen = int(plen)
    addr = socket.inet_aton(net)[: (plen + 7) // 8]
    opt = struct.pack("!HHHBB", 8, 4 + len(addr), 1, plen, 0) + addr
    q = dnslib.encode_name(name) + struct.pack("!HH", 1, 1)
    return q, opt


def skip_name(m, i):
    while True:
        n = m[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += 1 + n


def addresses(m):
    """The A records of the answer section."""
    h = dnslib.parse_header(m)
    i = 12
    for _ in range(h["qd"]):
        i = skip_name(m, i) + 4
    out = []
    for _ in range(h["an"]):
        i = skip_name(m, i)
        t, _c, _ttl, rdlen = struct.unpack("!HHIH", m[i:i + 10])
        i += 10
        if t == 1 and rdlen == 4:
            out.append(socket.inet_ntoa(m[i:i + 4]))
        i += rdlen
    return out


def main():
    port, name, subnet, want, secs = sys.argv[1:6]
    q, opt = ecs_query(name, subnet)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.02)
    end = time.time() + float(secs)
    qid = 0
    while time.time() < end:
        qid = (qid + 1) & 0xFFFF
        pkt = dnslib.header(qid, 0, 1, 0, 0, 1) + q + dnslib.opt_rr(1232, 0, opt)
        sent = time.time()
        s.sendto(pkt, ("127.0.0.1", int(port)))
        try:
            while True:
                m = s.recv(65535)
                if struct.unpack("!H", m[:2])[0] == qid:
                    break
            if addresses(m) == [want]:
                print(int(time.time() * 1000))
                return 0
        except socket.timeout:
            pass
        time.sleep(max(0.0, 0.02 - (time.time() - sent)))
    print("timeout")
    return 1


if __name__ == "__main__":
    sys.exit(main())
