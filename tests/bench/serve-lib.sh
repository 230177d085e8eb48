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

# free_port and the dnsperf helpers: lib.sh (functions only)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# start_gslbd CONF PORT ZONE [TIMEOUT_S]: gslbd -f on CPU 0, its log in CONF.log; waits
# (default 60 s) for a SOA answer of ZONE. Sets server_pid.
start_gslbd() {
	local tenths=$((${4:-60} * 10))
	$pin_server "$gslbd" -c "$1" -f >"$1.log" 2>&1 &
	server_pid=$!
	for _ in $(seq 1 "$tenths"); do
		kill -0 "$server_pid" 2>/dev/null || { tail -n 5 "$1.log" >&2; return 1; }
		timeout 2 dig -p "$2" @127.0.0.1 +tries=1 +time=1 +short "$3" SOA 2>/dev/null |
			grep -q hostmaster && return 0
		sleep 0.1
	done
	return 1
}

stop_server() {
	kill -TERM "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=""
}

# utime + stime of a process and its threads, in ticks
cpu_ticks() {
	cat /proc/"$1"/task/*/stat 2>/dev/null | sed 's/^.*) //' |
		awk '{ s += $12 + $13 } END { print s + 0 }'
}

# measure NAME PORT PID QFILE: dnsperf for $duration s on CPU 1; appends "NAME qps
# latency_ms lost sent cpu% us_per_query noerror" to $work/results.
measure() {
	local out t0 t1 c0 c1
	c0=$(cpu_ticks "$3")
	t0=$(date +%s%N)
	out=$($pin_client dnsperf -s 127.0.0.1 -p "$2" -d "$4" -l "$duration" \
		-c "${clients:-8}" -q "${outstanding:-200}" 2>&1)
	t1=$(date +%s%N)
	c1=$(cpu_ticks "$3")
	echo "$out" >"$work/dnsperf.$1"
	awk -v name="$1" -v cpu="$(((c1 - c0) * 100000000000 / $(getconf CLK_TCK) / (t1 - t0)))" \
		-v ticks="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" '
		/Queries sent:/ { sent = $3 }
		/Queries lost:/ { lost = $3 }
		/Queries completed:/ { completed = $3 }
		/Queries per second:/ { qps = $4 }
		/Average Latency/ { lat = $4 * 1000 }
		/Response codes:/ { for (i = 3; i < NF; i++) if ($i == "NOERROR") noerror = $(i + 1) }
		END { printf "%s %s %.3f %s %s %s %.2f %d\n", name, qps, lat, lost, sent, cpu,
			(completed > 0 ? ticks / hz * 1e6 / completed : 0), noerror + 0 }' \
		<<<"$out" >>"$work/results"
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
