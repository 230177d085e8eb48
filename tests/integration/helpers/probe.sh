# SPDX-License-Identifier: Apache-2.0
# probe.sh — helpers for the gslb-probe tests (1NN-probe-*), sourced after lib.sh
#
# A probe test writes the checks and services sections of a config, starts a
# backend on loopback, starts report_rx.py (a receiver that verifies and
# decodes the probe's signed reports into $RX/state) and gslb-probe, then waits
# for the states it expects with wait_state. Everything started through
# bg_start, start_rx and start_probe is stopped on exit.
#
# Environment: GSLB_PROBE (default $BUILD/gslb-probe).

PROBE_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GSLB_PROBE=${GSLB_PROBE:-$BUILD/gslb-probe}
PROBE_PID=
RX_PID=
BG_PIDS=
RX=$WORK/rx
PDIR=$WORK/probe
mkdir -p "$RX" "$PDIR"
head -c 48 /dev/urandom | base64 >"$PDIR/probe.key"

# bg_start LOG CMD...: runs CMD in the background (its pid in BG_PID), stopped on exit.
bg_start() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	BG_PID=$!
	BG_PIDS="$BG_PIDS $BG_PID"
}

# bg_stop PID: SIGTERM, then SIGKILL after 3 s.
bg_stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# wait_port PORT [tcp|udp]: until something listens on 127.0.0.1:PORT (10 s bound).
wait_port() {
	local i opt=-Hlnt
	[ "${2:-tcp}" = udp ] && opt=-Hlnu
	for i in $(seq 1 100); do
		ss $opt 2>/dev/null | awk '{print $4}' | grep -Eq "[:.]$1\$" && return 0
		sleep 0.1
	done
	echo "probe.sh: nothing listens on port $1" >&2
	return 1
}

# start_rx: the report receiver on RX_PORT.
start_rx() {
	RX_PORT=$(free_port) || return 1
	python3 "$PROBE_LIB/report_rx.py" "$RX_PORT" "$PDIR/probe.key" "$RX" 110 \
		>"$RX/rx.out" 2>&1 &
	RX_PID=$!
	local i
	for i in $(seq 1 50); do
		[ -f "$RX/ready" ] && return 0
		sleep 0.1
	done
	echo "probe.sh: receiver not ready" >&2
	return 1
}

# write_probe_conf FILE SECTIONS: a complete config: server, zones, health (report_interval
# 0.2 s), probe reporting to RX_PORT, then SECTIONS (checks, regions, services) verbatim.
write_probe_conf() {
	local f=$1
	cp "$ITDIR"/zones/example.com.zone "$(dirname "$f")"/
	cp "$PDIR/probe.key" "$(dirname "$f")"/probe.key 2>/dev/null
	cat >"$f" <<CONF
server: { listen = [ "127.0.0.1:$(free_port)" ]; };
zones = ( { name = "example.com"; file = "example.com.zone"; } );
health: {
  listen = [ "127.0.0.1:$(free_port)" ];
  keys = ( { id = "k1"; secret_file = "probe.key"; probers = [ "it-probe" ]; } );
  report_interval = 0.2;
  stale_after = 2.0;
};
probe: { id = "it-probe"; report_to = [ "127.0.0.1:$RX_PORT" ]; key = "k1"; };
regions = ( { name = "r1"; lat = 50.0; lon = 8.0; } );
$2
CONF
}

# start_probe [ARGS...]: gslb-probe -c $PDIR/gslb.conf -f -l stderr ARGS; waits for ready.
start_probe() {
	PROBE_LOG=$PDIR/probe.log
	"$GSLB_PROBE" -c "$PDIR/gslb.conf" -f -l stderr "$@" >>"$PROBE_LOG" 2>&1 &
	PROBE_PID=$!
	local i
	for i in $(seq 1 50); do
		grep -q 'event=ready' "$PROBE_LOG" && return 0
		if ! kill -0 "$PROBE_PID" 2>/dev/null; then
			echo "probe.sh: gslb-probe exited during startup:" >&2
			tail -n 20 "$PROBE_LOG" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "probe.sh: gslb-probe not ready" >&2
	return 1
}

need_probe() {
	start_probe "$@" || {
		fail "gslb-probe did not start"
		exit 1
	}
}

# stop_probe: SIGTERM; the exit status must be 0 within 5 s.
stop_probe() {
	local pid=$PROBE_PID st i
	[ -n "$pid" ] || return 0
	PROBE_PID=
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		fail "gslb-probe did not exit within 5 s of SIGTERM"
		return 1
	fi
	wait "$pid"
	st=$?
	R=$(tail -n 20 "$PROBE_LOG")
	expect_eq "$st" 0 "gslb-probe exit status after SIGTERM"
}

# rx_state: the receiver's view (one line per entry of the latest report).
rx_state() { cat "$RX/state" 2>/dev/null; }

# wait_state ERE SECONDS WHAT: until a line of the receiver's view matches ERE.
wait_state() {
	local ere=$1 secs=$2 what=$3 i
	for i in $(seq 1 $((secs * 10))); do
		if rx_state | grep -Eq -- "$ere"; then
			ok "$what"
			return 0
		fi
		sleep 0.1
	done
	R="$(rx_state)
--- probe log:
$(tail -n 15 "$PROBE_LOG")"
	fail "$what: no report entry matches /$ere/ within $secs s"
	return 1
}

# flip_run MEMBER ADDR STATE: from the probe's debug log (start it with -d), how many results
# in a row led to the last flip of that instance to STATE: the flipping one and the
# check_result lines just before it that agreed with it. Must equal fall (down) or rise (up).
flip_run() {
	awk -v key="member=$1 addr=$2 " -v want="$3" '
		index($0, key) == 0 { next }
		/event=check_result/ {
			if (/ ok=0 /) { bad++; good = 0 } else if (/ ok=1 /) { good++; bad = 0 }
			next
		}
		/event=check_state/ {
			if (/ state=down /) { if (want == "down") n = bad + 1 }
			else if (want == "up") n = good + 1
			bad = 0; good = 0
		}
		END { print n + 0 }' "$PROBE_LOG"
}

# expect_rx_clean: the receiver saw reports and no bad MAC, malformed datagram or old seq.
expect_rx_clean() {
	R=$(cat "$RX/errors" 2>/dev/null)
	check "reports verified, decoded, seq increasing (no receiver errors)" \
		test ! -s "$RX/errors"
	check "reports received ($(wc -l <"$RX/log" 2>/dev/null) datagrams)" test -s "$RX/log"
}

probe_exit() {
	local st=$? p
	stop_probe >/dev/null
	[ -z "$RX_PID" ] || bg_stop "$RX_PID"
	for p in $BG_PIDS; do bg_stop "$p"; done
	(exit $st)
	cleanup
}
trap probe_exit EXIT

# probe_finish: stops the probe (exit 0 required) and everything else, then the verdict.
probe_finish() {
	stop_probe
	expect_rx_clean
	finish
}
