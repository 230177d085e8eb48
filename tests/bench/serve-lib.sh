# SPDX-License-Identifier: Apache-2.0
# tests/bench/serve-lib.sh — what the services and reload benches share: a work directory,
# CPU pinning (server on CPU 0, clients on CPU 1), gslbd start/stop and dnsperf figures.
# Sourced; sets work, pin_server, pin_client, server_pid.

if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	pin_server="taskset -c 0"
	pin_client="taskset -c 1"
else
	echo "bench: fewer than 2 CPUs or no taskset: running unpinned" >&2
	pin_server=""
	pin_client=""
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gslb-bench.XXXXXX")
server_pid=""
bench_cleanup() {
	[ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	if [ -n "${BENCH_KEEP:-}" ]; then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
}
trap bench_cleanup EXIT
trap 'exit 1' INT TERM

# free_port, cpu_ticks, measure, stop_server: lib.sh (functions only)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# start_gslbd CONF PORT ZONE [TIMEOUT_S]: gslbd -f on CPU 0, its log in CONF.log; waits
# (default 60 s) for a SOA answer of ZONE. Sets server_pid.
start_gslbd() {
	$pin_server "$gslbd" -c "$1" -f >"$1.log" 2>&1 &
	server_pid=$!
	wait_ready "$2" "$server_pid" "$3" "${4:-60}" || { tail -n 5 "$1.log" >&2; return 1; }
}

# median NAME FIELD: the median of a field of NAME's rows in results
median() {
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$work/results" | sort -g |
		awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# report A B: the median QPS, latency, lost, CPU use and CPU per query of each, B/A ratios
report() {
	local a=$1 b=$2
	echo "answers        QPS (median)  latency ms  lost  server CPU%  CPU us/query  NOERROR"
	for n in "$a" "$b"; do
		printf '%-14s %12.0f %11.3f %5d %11s %13.2f %8d\n' "$n" "$(median "$n" 2)" \
			"$(median "$n" 3)" "$(awk -v n="$n" '$1 == n { s += $4 } END { print s + 0 }' \
			"$work/results")" "$(median "$n" 6)" "$(median "$n" 7)" "$(median "$n" 8)"
	done
	awk -v q1="$(median "$a" 2)" -v q2="$(median "$b" 2)" -v c1="$(median "$a" 7)" \
		-v c2="$(median "$b" 7)" -v a="$a" -v b="$b" 'BEGIN {
		printf "ratio %s/%s: QPS %.3f, CPU per query %.3f\n", b, a, q2 / q1, c2 / c1 }'
}
