# SPDX-License-Identifier: Apache-2.0
# mix.py — a population of resolvers for 047-whatif, and the shares real answers give it
#
# usage: mix.py gen SEED > queries              one "NAME QTYPE SUBNET" per line
#        mix.py shares queries kdig-lines > actual.json
#        mix.py compare whatif.json actual.json now|after TOLERANCE
#
# The mix: many subnets of the demo database's cities (London, Dublin, Paris, Frankfurt,
# New York, Chicago, Tokyo, Singapore) and 30 subnets from networks it does not know (no
# location: the chains' random filters then choose), asking www and cdn. actual.json has,
# per service, each region's share of the answers (first record of each answer, by VIP or
# CNAME target). compare checks whatif's now or after shares against it.
import json
import random
import sys

CITIES = {1: 30, 3: 10, 4: 12, 5: 14, 2: 16, 6: 8, 10: 6, 11: 4}  # 10.N.0.0/16: weight
REGION_OF = {
    "192.0.2.10": "eu-west", "192.0.2.20": "eu-central", "198.51.100.10": "us-east",
    "198.51.100.11": "us-east", "198.51.100.20": "us-west", "203.0.113.10": "ap-northeast",
    "203.0.113.20": "ap-southeast", "edge-lon.cdn.example.net.": "eu-west",
    "edge-fra.cdn.example.net.": "eu-central", "edge-nyc.cdn.example.net.": "us-east",
    "edge-sfo.cdn.example.net.": "us-west", "edge-tyo.cdn.example.net.": "ap-northeast",
    "edge-sin.cdn.example.net.": "ap-southeast"}


def gen(seed):
    rnd = random.Random(seed)
    for city, weight in CITIES.items():
        for k in range(weight * 8):
            for name in ("www.example.com", "cdn.example.com"):
                print(name, "A", "10.%d.%d.0/24" % (city, rnd.randrange(256)))
    for k in range(30):  # unknown to the database (a few: they are the random part)
        for name in ("www.example.com", "cdn.example.com"):
            print(name, "A", "100.64.%d.0/24" % rnd.randrange(256))


def shares(queries, lines):
    qs = [x.split() for x in open(queries).read().splitlines()]
    ans = open(lines).read().splitlines()
    if len(qs) != len(ans):
        sys.exit("%d queries, %d answers" % (len(qs), len(ans)))
    count = {}
    for q, a in zip(qs, ans):
        f = a.split()
        region = "none"
        if len(f) > 2:
            region = REGION_OF.get(f[2].split("=", 1)[1], "unknown " + f[2])
        svc = count.setdefault(q[0] + ".", {})
        svc[region] = svc.get(region, 0) + 1
    out = {s: {r: n / sum(c.values()) for r, n in c.items()} for s, c in count.items()}
    print(json.dumps(out))


def compare(whatif_path, actual_path, which, tol):
    w = json.load(open(whatif_path))
    actual = json.load(open(actual_path))
    worst = 0.0
    bad = []
    for s in w["services"]:
        got = actual.get(s["name"], {})
        for r in s["regions"]:
            d = abs(r[which] - got.get(r["region"], 0.0))
            worst = max(worst, d)
            if d > tol:
                bad.append("%s %s: predicted %.3f, served %.3f" %
                           (s["name"], r["region"], r[which], got.get(r["region"], 0.0)))
    for r in bad:
        print(r)
    print("largest difference %.1f percentage points over %d services" %
          (worst * 100, len(w["services"])))
    return 1 if bad or not w["services"] else 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(int(sys.argv[2]))
    elif sys.argv[1] == "shares":
        shares(sys.argv[2], sys.argv[3])
    else:
        sys.exit(compare(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])))
