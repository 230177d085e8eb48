# SPDX-License-Identifier: Apache-2.0
# etcd.sh — a 3-member etcd cluster on loopback (Debian's etcd-server), data in $WORK/etcdN,
# for the store tests and benchmarks. Needs free_port (tests/integration/lib.sh or
# tests/bench/lib.sh) and WORK. Sets:
#   CP[n]      member n's client port (n = 1 2 3)      EPID[n]  its pid ("" once killed)
#   ENDPOINTS  the three as a gslbd.conf list, "http://127.0.0.1:P", ...
#   ECTL_EP    the three for etcdctl --endpoints
ETCD=${ETCD:-etcd}
ETCDCTL=${ETCDCTL:-etcdctl}
declare -A EPID CP PP

# etcd_cluster_start [NAME]: starts the three members, waits (15 s bound) for a healthy
# cluster. Called again after etcd_cluster_stop, on the same ports: NAME (data in
# $WORK/NAMEn, default etcd) other than the first's makes a new, empty cluster.
etcd_cluster_start() {
	local n cluster d=${1:-etcd}
	for n in 1 2 3; do
		[ -n "${CP[$n]:-}" ] || { CP[$n]=$(free_port) && PP[$n]=$(free_port); } || return 1
	done
	cluster="e1=http://127.0.0.1:${PP[1]},e2=http://127.0.0.1:${PP[2]},e3=http://127.0.0.1:${PP[3]}"
	ENDPOINTS="\"http://127.0.0.1:${CP[1]}\", \"http://127.0.0.1:${CP[2]}\", \"http://127.0.0.1:${CP[3]}\""
	ECTL_EP="127.0.0.1:${CP[1]},127.0.0.1:${CP[2]},127.0.0.1:${CP[3]}"
	for n in 1 2 3; do
		"$ETCD" --name "e$n" --data-dir "$WORK/$d$n" \
			--listen-client-urls "http://127.0.0.1:${CP[$n]}" \
			--advertise-client-urls "http://127.0.0.1:${CP[$n]}" \
			--listen-peer-urls "http://127.0.0.1:${PP[$n]}" \
			--initial-advertise-peer-urls "http://127.0.0.1:${PP[$n]}" \
			--initial-cluster "$cluster" --initial-cluster-state new >>"$WORK/etcd$n.log" 2>&1 &
		EPID[$n]=$!
	done
	for _ in $(seq 1 150); do
		"$ETCDCTL" --endpoints "$ECTL_EP" --command-timeout=1s endpoint health >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	echo "etcd.sh: the cluster is not healthy after 15 s; member 1's log:" >&2
	tail -n 20 "$WORK/etcd1.log" >&2
	return 1
}

# etcd_endpoints FIRST: the three as a gslbd.conf list starting with member FIRST (a site
# watches the first that answers: sites given different orders follow different members)
etcd_endpoints() {
	local n out=
	for n in $(seq "$1" 3) $(seq 1 $(($1 - 1))); do
		out="${out:+$out, }\"http://127.0.0.1:${CP[$n]}\""
	done
	echo "$out"
}

# etcd_leader: the number (1-3) of the member that leads, or nothing.
etcd_leader() {
	local leader n
	leader=$("$ETCDCTL" --endpoints "$ECTL_EP" --command-timeout=2s endpoint status -w json \
		2>/dev/null | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    if e["Status"]["header"]["member_id"] == e["Status"]["leader"]:
        print(e["Endpoint"])')
	for n in 1 2 3; do [ "$leader" = "127.0.0.1:${CP[$n]}" ] && echo "$n"; done
	return 0
}

# etcd_kill N: SIGKILL member N.
etcd_kill() {
	kill -KILL "${EPID[$1]}" 2>/dev/null
	wait "${EPID[$1]}" 2>/dev/null
	EPID[$1]=
}

etcd_cluster_stop() {
	local n
	for n in "${!EPID[@]}"; do
		[ -n "${EPID[$n]}" ] && kill -TERM "${EPID[$n]}" 2>/dev/null && wait "${EPID[$n]}" 2>/dev/null
		EPID[$n]=
	done
	return 0
}
