# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# health.sh — helpers for the live-health tests (06N-health-*), sourced after lib.sh
#
# The tests run gslbd with a geoip section (the demo database: 10.N.0.0/16 is city N), three
# regions and one service app.example.com whose members are one VIP each:
#   member 0  eu-west    (London)     127.0.0.11
#   member 1  eu-central (Frankfurt)  127.0.0.12
#   member 2  us-east    (New York)   127.0.0.13
# A client in London (ECS 10.1.0.0/24) gets member 0, else the next nearest: Frankfurt,
# then New York. Fake probers (report_tx.py) send signed reports from a state file each;
# set_state rewrites it and the prober sends at once. Everything is stopped on exit.
#
# Settings read by write_health_conf: H_QUORUM (1), H_STALE (1.0), H_GRACE (30), H_DEFAULT
# (up), H_INTERVAL (0.2), H_STATE_FILE ("" = none), H_TTL (30), H_EXTRA (more config text),
# H_PROBERS (the prober ids key k1 may sign for, as config text: the ids the tests use).

HLIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# a pyenv shim in front of python3 costs a second per start: prefer the system's
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
TX="$PY $HLIB/report_tx.py"
MMDB=${MMDB:-$BUILD/conf/demo-city.mmdb}
HPORT=$(free_port)
HDIR=$WORK/health
FAKE_PIDS=
mkdir -p "$HDIR"
head -c 48 /dev/urandom | base64 >"$HDIR/k1.key"
head -c 48 /dev/urandom | base64 >"$HDIR/other.key"
LONDON=10.1.0.0/24
VIP_A=127.0.0.11
VIP_B=127.0.0.12
VIP_C=127.0.0.13

# every id the 06N tests report as, real gslb-probe (pa, pb) or fake
H_PROBERS_DEFAULT='"p1", "p2", "p7", "liar", "honest", "probe-eu-1", "probe-us-1", "pa", "pb"'

# write_health_conf OUT: the gslbd template (server port left as @PORT@ for start_gslbd).
write_health_conf() {
	cat >"$1" <<CONF
server: { listen = [ "127.0.0.1:@PORT@" ]; threads = 2; user = ""; };
zones = ( { name = "example.com"; file = "example.com.zone"; } );
geoip: { database = "$MMDB"; };
health: {
  listen = [ "127.0.0.1:$HPORT" ];
  keys = ( { id = "k1"; secret_file = "$HDIR/k1.key";
             probers = [ ${H_PROBERS:-$H_PROBERS_DEFAULT} ]; } );
  quorum = ${H_QUORUM:-1};
  stale_after = ${H_STALE:-1.0};
  grace = ${H_GRACE:-30};
  default = "${H_DEFAULT:-up}";
  report_interval = ${H_INTERVAL:-0.2};
  state_file = "${H_STATE_FILE:-}";
};
regions = (
  { name = "eu-west";    lat = 51.51; lon = -0.13; },
  { name = "eu-central"; lat = 50.11; lon = 8.68; },
  { name = "us-east";    lat = 40.71; lon = -74.01; }
);
services = ( { name = "app.example.com"; ttl = ${H_TTL:-30}; members = (
  { region = "eu-west";    ipv4 = [ "$VIP_A" ]; },
  { region = "eu-central"; ipv4 = [ "$VIP_B" ]; },
  { region = "us-east";    ipv4 = [ "$VIP_C" ]; }
); } );
${H_EXTRA:-}
CONF
}

# need_health_gslbd: writes the config from the H_* settings and starts gslbd, or fails.
need_health_gslbd() {
	write_health_conf "$HDIR/gslbd.conf.in"
	need_server "$HDIR/gslbd.conf.in"
}

# state_line MEMBER up|down: the state file line of member 0, 1 or 2.
state_line() {
	local vips=("$VIP_A" "$VIP_B" "$VIP_C")
	echo "app.example.com. $1 4 ${vips[$1]} $2"
}

# set_state PROBER A B C: writes the prober's view (each up, down or - for not reported);
# "silent" alone stops its reports. The file is replaced whole, so the sender never reads
# half of it.
set_state() {
	local p=$1 f=$HDIR/state.$1 i=0 s
	shift
	: >"$f.tmp"
	if [ "$1" = silent ]; then
		echo silent >"$f.tmp"
	else
		for s in "$@"; do
			[ "$s" = - ] || state_line "$i" "$s" >>"$f.tmp"
			i=$((i + 1))
		done
	fi
	mv -f "$f.tmp" "$f"
}

# start_fake PROBER [KEYID KEYFILE]: a fake prober reporting its state file every H_INTERVAL;
# waits (10 s bound) for its first report unless the state file says silent.
start_fake() {
	local p=$1 kid=${2:-k1} kf=${3:-$HDIR/k1.key} i
	[ -f "$HDIR/state.$p" ] || set_state "$p" silent
	$TX run "$HPORT" "$kf" "$kid" "$p" "$HDIR/state.$p" "${H_INTERVAL:-0.2}" 120 \
		>"$HDIR/fake.$p.log" 2>&1 &
	FAKE_PIDS="$FAKE_PIDS $!"
	grep -qx silent "$HDIR/state.$p" && return 0
	for i in $(seq 1 100); do
		grep -q '^sent' "$HDIR/fake.$p.log" && return 0
		sleep 0.1
	done
	fail "fake prober $p sent nothing within 10 s"
	return 1
}

# answer [SUBNET]: the A records for app.example.com asked from SUBNET (London), sorted.
# shellcheck disable=SC2120,SC2153
answer() {
	timeout 3 kdig -p "$PORT" @127.0.0.1 +retry=0 +timeout=1 +short +norec \
		+subnet="${1:-$LONDON}" app.example.com A 2>/dev/null | sort | tr '\n' ' ' |
		sed 's/ $//'
}

# wait_answer WANT SECONDS WHAT: polls every 50 ms until the answer is WANT; sets WAITED_MS.
wait_answer() {
	local want=$1 secs=$2 what=$3 t0 got
	t0=$(date +%s%N)
	while :; do
		got=$(answer "$LONDON")
		WAITED_MS=$((($(date +%s%N) - t0) / 1000000))
		if [ "$got" = "$want" ]; then
			ok "$what: $want after $WAITED_MS ms"
			return 0
		fi
		if [ "$WAITED_MS" -ge $((secs * 1000)) ]; then
			R="answer: '$got'
--- gslbd log:
$(tail -n 15 "$GSLBD_LOG")"
			fail "$what: answer '$got', want $want within $secs s"
			return 1
		fi
		sleep 0.05
	done
}

# hold_answer WANT SECONDS WHAT: the answer stays WANT for SECONDS (polled every 100 ms).
hold_answer() {
	local want=$1 secs=$2 what=$3 end got
	end=$(($(date +%s%N) + $(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 }') * 1000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		got=$(answer "$LONDON")
		if [ "$got" != "$want" ]; then
			R=$(tail -n 15 "$GSLBD_LOG")
			fail "$what: answer changed to '$got' (want $want for $secs s)"
			return 1
		fi
		sleep 0.1
	done
	ok "$what: $want for $secs s"
}

health_exit() {
	local st=$? p
	for p in $FAKE_PIDS; do kill "$p" 2>/dev/null; done
	for p in $FAKE_PIDS; do wait "$p" 2>/dev/null; done
	(exit $st)
	cleanup
}
trap health_exit EXIT

# stop_fakes: stops every fake prober now.
stop_fakes() {
	local p
	for p in $FAKE_PIDS; do kill "$p" 2>/dev/null; done
	for p in $FAKE_PIDS; do wait "$p" 2>/dev/null; done
	FAKE_PIDS=
}
