# SPDX-License-Identifier: Apache-2.0
# compare.py — explain's answer against a real DNS query, for many random clients
#
# usage: compare.py gen N SEED NETWORKS... > clients   (one "NAME QTYPE SUBNET" per line)
#        compare.py explain CPORT TOKENFILE < clients > explained  (JSON lines)
#        compare.py check explained kdig-lines             (exit 1 on a mismatch)
#
# gen draws clients: half inside the given networks (the database knows them), half
# anywhere (IPv4 /24 and IPv6 /48 subnets, most of which a test database does not know).
# check compares, per client, explain's final records and ECS scope with kdig's (the
# lines of lib.sh's kq_lines: RCODE SCOPE TYPE=value...). Where explain shows a random
# filter (weighted, random) choosing among several members, a resolver may get another
# of them: then kdig's records must be those of one member of that step's input.
import ipaddress
import json
import random
import sys
import urllib.parse
import urllib.request

NAMES = [("www.example.com", "A"), ("www.example.com", "AAAA"), ("cdn.example.com", "A"),
         ("fence.example.com", "A")]
RANDOM_FILTERS = ("weighted", "random")


def gen(n, seed, networks):
    rnd = random.Random(seed)
    nets = [ipaddress.ip_network(x, strict=False) for x in networks]
    for i in range(n):
        if nets and i % 2 == 0:
            net = rnd.choice(nets)
            addr = net.network_address + rnd.randrange(net.num_addresses)
        elif rnd.random() < 0.7:
            addr = ipaddress.IPv4Address(rnd.randrange(1, 224) << 24 | rnd.randrange(1 << 24))
        else:
            addr = ipaddress.IPv6Address((0x2000 + rnd.randrange(0x2000)) << 112 |
                                         rnd.randrange(1 << 112))
        plen = 24 if addr.version == 4 else 48
        subnet = ipaddress.ip_network("%s/%d" % (addr, plen), strict=False)
        name, qtype = rnd.choice(NAMES)
        print(name, qtype, subnet)


def explain(cport, token_file):
    token = open(token_file).read().strip()
    for line in sys.stdin:
        name, qtype, subnet = line.split()
        q = urllib.parse.urlencode({"name": name, "client": subnet, "qtype": qtype})
        req = urllib.request.Request("http://127.0.0.1:%s/api/v1/explain?%s" % (cport, q),
                                     headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=10) as r:
            print(json.dumps(json.load(r)))


def rdata(rr):
    """'www.example.com. 30 IN A 192.0.2.10' -> 'A=192.0.2.10' (kq_lines' form)."""
    f = rr.split()
    return f[3] + "=" + " ".join(f[4:])


def member_records(m, qtype):
    if m.get("cname"):
        return ["CNAME=" + m["cname"]]
    return [qtype + "=" + a for a in m["ipv6" if qtype == "AAAA" else "ipv4"]]


def check(explained_path, kdig_path):
    ex = [json.loads(x) for x in open(explained_path)]
    kd = [x.split() for x in open(kdig_path).read().splitlines()]
    bad = exact = loose = 0
    if len(ex) != len(kd):
        print("FAIL %d explained, %d kdig answers" % (len(ex), len(kd)))
        return 1
    for e, k in zip(ex, kd):
        q, a = e["query"], e["answer"]
        scope = "-" if a["ecs_scope"] is None else str(a["ecs_scope"])
        want = [a["rcode"], scope] + [rdata(x) for x in a["answer"]]
        if k == want:
            exact += 1
            continue
        # a random step with a choice: kdig's records must be one input member's
        alts = []
        for run in e["runs"]:
            for st in run["steps"]:
                if st["filter"].split(":")[0] in RANDOM_FILTERS and len(st["in"]) > 1:
                    alts = [member_records(e["members"][key], q["qtype"]) for key in st["in"]]
        if alts and k[:2] == want[:2] and sorted(k[2:]) in [sorted(x) for x in alts]:
            loose += 1
            continue
        bad += 1
        if bad <= 10:
            print("MISMATCH %s %s from %s: explain %s, dns %s" %
                  (q["name"], q["qtype"], q["client"], " ".join(want), " ".join(k)))
    print("compared %d: %d identical, %d another member of a random step's choice, %d wrong" %
          (len(ex), exact, loose, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:])
    elif cmd == "explain":
        explain(sys.argv[2], sys.argv[3])
    else:
        sys.exit(check(sys.argv[2], sys.argv[3]))
