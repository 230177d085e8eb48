# SPDX-License-Identifier: Apache-2.0
# dnslib.py — raw DNS packets for the integration tests (what dig cannot send)
"""Builds queries byte by byte, sends them over UDP or TCP to loopback and
reads the header of what comes back. Used for malformed packets, lying
counts, QR=1 packets, pipelining and split length prefixes."""

import random
import socket
import struct
import sys
import time

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28, "OPT": 41,
         "ANY": 255}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def encode_name(name):
    """Wire form of a presentation name (no escapes)."""
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def opt_rr(bufsize=1232, version=0, options=b""):
    return b"\0" + struct.pack("!HHBBHH", 41, bufsize, 0, version, 0, len(options)) + options


def query(name, qtype="A", qid=None, flags=0, qd=1, edns=None, qclass=1):
    """A query packet; edns=bufsize adds an OPT record."""
    qid = random.randrange(65536) if qid is None else qid
    t = TYPES[qtype] if isinstance(qtype, str) else qtype
    q = encode_name(name) + struct.pack("!HH", t, qclass)
    pkt = header(qid, flags, qd, 0, 0, 1 if edns else 0) + q
    if edns:
        pkt += opt_rr(edns)
    return pkt


def parse_header(resp):
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", resp[:12])
    return {"id": qid, "qr": flags >> 15, "opcode": (flags >> 11) & 15, "aa": (flags >> 10) & 1,
            "tc": (flags >> 9) & 1, "rd": (flags >> 8) & 1, "rcode": flags & 15,
            "rcode_name": RCODES.get(flags & 15, str(flags & 15)),
            "qd": qd, "an": an, "ns": ns, "ar": ar}


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp(addr, port, pkt, timeout=2.0):
    """Sends pkt, returns the first reply or None on timeout."""
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(pkt, (addr, port))
        return s.recv(65535)
    except socket.timeout:
        return None
    finally:
        s.close()


def tcp_connect(addr, port, timeout=3.0):
    s = socket.create_connection((addr, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def framed(pkt):
    return struct.pack("!H", len(pkt)) + pkt


def recv_exact(s, n):
    """n bytes, or fewer when the peer closes the connection."""
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def tcp_read(s):
    """One length-prefixed message; None when the connection closed."""
    ln = recv_exact(s, 2)
    if len(ln) < 2:
        return None
    (n,) = struct.unpack("!H", ln)
    msg = recv_exact(s, n)
    return msg if len(msg) == n else None


def tcp_query(addr, port, pkt, timeout=3.0):
    s = tcp_connect(addr, port, timeout)
    try:
        s.sendall(framed(pkt))
        return tcp_read(s)
    finally:
        s.close()


def is_closed(s, timeout):
    """True when the peer closes s (EOF or reset) within timeout seconds."""
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except (ConnectionResetError, BrokenPipeError):
        return True


class Checker:
    """Counts checks like lib.sh; exit status 1 when any failed."""

    def __init__(self):
        self.checks = 0
        self.fails = 0

    def check(self, cond, what):
        self.checks += 1
        if cond:
            print("ok   - " + what)
        else:
            self.fails += 1
            print("FAIL - " + what)
        sys.stdout.flush()
        return cond

    def done(self):
        print("python: %d checks, %d failed" % (self.checks, self.fails))
        sys.exit(1 if self.fails or not self.checks else 0)


def now():
    return time.monotonic()
