# SPDX-License-Identifier: Apache-2.0
# tests/bench/lib.sh — what the dnsperf benchmarks share: ports, readiness, the CPU time of a
# server, dnsperf runs with their figures summed. Sourced by run, dnssec and serve-lib.sh; they set work,
# duration, clients, outstanding, pin_client and server_pid. DNSPERF_EXTRA adds dnsperf
# options to every run (dnssec: -D, the DO bit).

# free_port: a free loopback port in 20000-32767, below the kernel's ephemeral range (32768-60999)
# where the clients' own sockets (dnsperf, etcd's connections) would collide
free_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12768))
		ss -Hlntu | awk '{print $5}' | grep -Eq "[:.]$p\$" || { echo "$p"; return 0; }
	done
	return 1
}

wait_ready() { # wait_ready PORT PID [ZONE] [SECONDS]: a SOA answer within SECONDS (10)
	local i
	for i in $(seq 1 $((${4:-10} * 10))); do
		kill -0 "$2" 2>/dev/null || return 1
		timeout 2 dig -p "$1" @127.0.0.1 +tries=1 +time=1 +short "${3:-bench.example}" SOA 2>/dev/null |
			grep -q hostmaster && return 0
		sleep 0.1
	done
	return 1
}

descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}
cpu_ticks() { # utime + stime of a process, its threads and children (NSD forks), in ticks
	local p t=0 v
	for p in $1 $(descendants "$1"); do
		# strip "pid (comm) ": NSD's comm has spaces; utime and stime follow as 12 and 13
		v=$(cat /proc/"$p"/task/*/stat 2>/dev/null | sed 's/^.*) //' |
			awk '{ s += $12 + $13 } END { print s + 0 }')
		t=$((t + v))
	done
	echo "$t"
}

# measure_multi NAME PORT PID QFILE [ECS-HEX...]: one dnsperf per ECS option (one
# without ECS when none is given), in parallel on CPU 1; appends the summed
# figures to results like measure.
measure_multi() {
	local name=$1 port=$2 pid=$3 qf=$4 out t0 t1 c0 c1 i=0 e procs pids=()
	shift 4
	[ $# -gt 0 ] || set -- ""
	procs=$#
	c0=$(cpu_ticks "$pid")
	t0=$(date +%s%N)
	for e in "$@"; do
		$pin_client dnsperf -s 127.0.0.1 -p "$port" -d "$qf" -l "$duration" \
			-c $(((clients + procs - 1) / procs)) -q $(((outstanding + procs - 1) / procs)) \
			${e:+-E "8:$e"} ${DNSPERF_EXTRA:-} >"$work/dnsperf.$name.$i" 2>&1 &
		pids+=($!)
		i=$((i + 1))
	done
	wait "${pids[@]}" # its own: other daemons may run in the background (store-cost)
	t1=$(date +%s%N)
	c1=$(cpu_ticks "$pid")
	cat "$work"/dnsperf."$name".* | awk -v name="$name" \
		-v cpu="$(((c1 - c0) * 100000000000 / $(getconf CLK_TCK) / (t1 - t0)))" \
		-v ticks="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" '
		/Queries sent:/ { sent += $3 }
		/Queries lost:/ { lost += $3 }
		/Queries completed:/ { completed += $3 }
		/Queries per second:/ { qps += $4 }
		/Average Latency/ { lat += $4 * 1000; n++ }
		/Response codes:/ { for (i = 3; i < NF; i++) if ($i == "NOERROR") noerror += $(i + 1) }
		END { printf "%s %s %.3f %s %s %s %.2f %d\n", name, qps, (n ? lat / n : 0), lost, sent,
			cpu, (completed > 0 ? ticks / hz * 1e6 / completed : 0), noerror }' >>"$work/results"
}

# measure NAME PORT PID [QFILE]: one dnsperf of QFILE ($work/queries) without ECS
measure() { measure_multi "$1" "$2" "$3" "${4:-$work/queries}"; }

stop_server() {
	kill -TERM "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=""
}

