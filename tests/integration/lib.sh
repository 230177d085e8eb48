# SPDX-License-Identifier: Apache-2.0
# lib.sh — shared helpers for the integration tests: ports, daemons, queries, assertions
#
# A test is NNN-name/run: it sources this file, starts a server with
# start_server (gslbd, or NSD when IT_SERVER=nsd, to check that the
# expectations hold for the reference server), queries it on loopback and
# calls the expect_* helpers, then ends with `finish`. Every daemon started
# here is stopped on exit; gslbd must exit 0 on SIGTERM.
#
# Environment: GSLBD (the binary, default $BUILD/gslbd), BUILD (default the
# source root, as the README builds in-tree, or the current directory), IT_SERVER (gslbd | nsd),
# IT_KEEP=1 keeps the work directory.

set -u

TESTDIR=$(cd "$(dirname "$0")" && pwd)
TESTNAME=$(basename "$TESTDIR")
ITDIR=$(cd "$TESTDIR/.." && pwd)
SRCROOT=$(cd "$ITDIR/../.." && pwd)
# The build directory: BUILD, else the source root (in-tree build), else the
# current directory when it holds a gslbd (run-all started from a build dir).
if [ -z "${BUILD:-}" ]; then
	BUILD=$SRCROOT
	[ ! -x "$SRCROOT/gslbd" ] && [ -x "$PWD/gslbd" ] && BUILD=$PWD
fi
GSLBD=${GSLBD:-$BUILD/gslbd}
IT_SERVER=${IT_SERVER:-gslbd}
NSD=${NSD:-nsd}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gslb-it.$TESTNAME.XXXXXX")
export PYTHONPATH="$ITDIR${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1

CHECKS=0
FAILS=0
GSLBD_PID=
NSD_PID=
PORT=
ADDR=127.0.0.1
R=
# The control API token write_conf puts in control.token beside each config (mode 600):
# a template's server.control sets token_file = "control.token" for gslbctl's changes.
IT_TOKEN=it-control-token-0123456789abcdef

# ---------------------------------------------------------------- assertions

ok() {
	CHECKS=$((CHECKS + 1))
	echo "ok   - $*"
}

# fail MESSAGE: counts a failure and shows the last query's output.
fail() {
	CHECKS=$((CHECKS + 1))
	FAILS=$((FAILS + 1))
	echo "FAIL - $*"
	[ -z "${R:-}" ] || printf '%s\n' "$R" | head -n 40 | sed 's/^/      | /'
}

check() { # check DESCRIPTION COMMAND...: passes when the command succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

expect_eq() { # expect_eq GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok "$3 ($1)"; else fail "$3: got '$1', want '$2'"; fi
}

# --------------------------------------------------------------- free ports

port_in_use() {
	ss -Hlntu 2>/dev/null | awk '{print $5}' | grep -Eq "[:.]$1\$"
}

# free_port: prints a random loopback port free for UDP and TCP, in 20000-32767: below
# the kernel's ephemeral range (32768-60999), where clients' own sockets would collide.
free_port() {
	local p _
	for _ in $(seq 1 50); do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12768))
		if ! port_in_use "$p"; then
			echo "$p"
			return 0
		fi
	done
	echo "lib.sh: no free port found" >&2
	return 1
}

# ----------------------------------------------------------------- configs

# conf_value CONF KEY: the first `KEY = value;` in a gslbd config, quotes stripped.
conf_value() {
	sed -n "s/^[[:space:]{]*\\(.*[[:space:]{;]\\)\\{0,1\\}$2[[:space:]]*=[[:space:]]*\"\\{0,1\\}\\([^\";]*\\)\"\\{0,1\\};.*/\\2/p" \
		"$1" | head -n 1
}

# write_conf TEMPLATE PORT OUT: the template with @PORT@ substituted; the
# shared zones, the test's own *.zone files and control.token ($IT_TOKEN) are
# put beside OUT, so that `file = "x.zone"` (relative to the config) finds them.
write_conf() {
	local dir
	dir=$(dirname "$3")
	mkdir -p "$dir"
	cp "$ITDIR"/zones/*.zone "$dir"/
	ls "$TESTDIR"/*.zone >/dev/null 2>&1 && cp "$TESTDIR"/*.zone "$dir"/
	(umask 077 && echo "$IT_TOKEN" >"$dir/control.token")
	sed -e "s/@PORT@/$2/g" "$1" >"$3"
}

default_template() {
	if [ -f "$TESTDIR/gslbd.conf.in" ]; then
		echo "$TESTDIR/gslbd.conf.in"
	else
		echo "$ITDIR/default.conf.in"
	fi
}

# ----------------------------------------------------------------- daemons

# wait_ready LOG PORT PID WHAT: polls (10 s bound) for the daemon's readiness
# (event=ready for gslbd) and a SOA answer for example.com.
wait_ready() {
	local log=$1 port=$2 pid=$3 what=$4 _
	for _ in $(seq 1 100); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "lib.sh: $what exited during startup; log:" >&2
			tail -n 30 "$log" >&2
			return 1
		fi
		if [ "$what" != gslbd ] || grep -q 'event=ready' "$log"; then
			if timeout 2 dig -p "$port" @127.0.0.1 +tries=1 +time=1 +short \
				example.com SOA 2>/dev/null | grep -q hostmaster; then
				return 0
			fi
		fi
		sleep 0.1
	done
	echo "lib.sh: $what not ready after 10 s; log:" >&2
	tail -n 30 "$log" >&2
	return 1
}

# start_gslbd [TEMPLATE]: sets GSLBD_PORT, GSLBD_PID, GSLBD_LOG, GSLBD_CONF.
start_gslbd() {
	local tpl=${1:-$(default_template)}
	if [ ! -x "$GSLBD" ]; then
		echo "lib.sh: $GSLBD not built" >&2
		return 1
	fi
	GSLBD_CONF=$WORK/gslbd/gslbd.conf
	GSLBD_LOG=$WORK/gslbd/gslbd.log
	# another program may take the port between free_port and the bind: try another
	for _ in 1 2 3; do
		GSLBD_PORT=$(free_port) || return 1
		write_conf "$tpl" "$GSLBD_PORT" "$GSLBD_CONF"
		"$GSLBD" -c "$GSLBD_CONF" -f >"$GSLBD_LOG" 2>&1 &
		GSLBD_PID=$!
		wait_ready "$GSLBD_LOG" "$GSLBD_PORT" "$GSLBD_PID" gslbd 2>"$WORK/ready.err" && return 0
		grep -q "listen 127.0.0.1:$GSLBD_PORT: .*Address already in use" "$GSLBD_LOG" || break
	done
	cat "$WORK/ready.err" >&2
	return 1
}

# stop_gslbd [TENTHS]: SIGTERM, wait (5 s bound by default), the exit status must be 0;
# SIGKILL after the bound.
stop_gslbd() {
	local pid=$GSLBD_PID st _
	[ -n "$pid" ] || return 0
	GSLBD_PID=
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 "${1:-50}"); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		R=$(tail -n 20 "$GSLBD_LOG")
		fail "gslbd did not exit within $((${1:-50} / 10)) s of SIGTERM"
		return 1
	fi
	wait "$pid"
	st=$?
	R=$(tail -n 20 "$GSLBD_LOG")
	expect_eq "$st" 0 "gslbd exit status after SIGTERM"
}

# start_nsd [TEMPLATE]: NSD serving what the gslbd template describes
# (zones, identity, version, TCP limits, UDP size). Sets NSD_PORT, NSD_PID.
start_nsd() {
	local tpl=${1:-$(default_template)} d=$WORK/nsd c ident ver maxc idle udp
	NSD_PORT=$(free_port) || return 1
	write_conf "$tpl" "$NSD_PORT" "$d/gslbd.conf"
	c=$d/gslbd.conf
	ident=$(conf_value "$c" identity)
	ver=$(conf_value "$c" version)
	maxc=$(conf_value "$c" max_clients)
	idle=$(conf_value "$c" idle_timeout)
	udp=$(conf_value "$c" max_udp_size)
	{
		echo "server:"
		echo "  ip-address: 127.0.0.1@$NSD_PORT"
		echo "  ip-address: ::1@$NSD_PORT"
		echo "  server-count: 1"
		echo "  zonesdir: \"$d\""
		echo "  pidfile: \"$d/nsd.pid\""
		echo "  database: \"\""
		echo "  zonelistfile: \"$d/zone.list\""
		echo "  xfrdfile: \"$d/xfrd.state\""
		echo "  xfrdir: \"$d\""
		echo "  username: \"\""
		echo "  chroot: \"\""
		echo "  logfile: \"$d/nsd.log\""
		echo "  verbosity: 1"
		echo "  minimal-responses: ${NSD_MINIMAL:-yes}"
		echo "  round-robin: no"
		echo "  ipv4-edns-size: ${udp:-1232}"
		echo "  ipv6-edns-size: ${udp:-1232}"
		if [ -n "$ident" ]; then
			echo "  identity: \"$ident\""
			echo "  nsid: \"ascii_$ident\""
		else
			echo "  hide-identity: yes"
		fi
		if [ -n "$ver" ]; then echo "  version: \"$ver\""; else echo "  hide-version: yes"; fi
		[ -z "$maxc" ] || echo "  tcp-count: $maxc"
		[ -z "$idle" ] || echo "  tcp-timeout: $(printf '%.0f' "$idle" | sed 's/^0$/1/')"
		echo "remote-control:"
		echo "  control-enable: no"
		sed -n 's/.*name *= *"\([^"]*\)" *; *file *= *"\([^"]*\)".*/zone:\n  name: "\1"\n  zonefile: "\2"/p' "$c"
	} >"$d/nsd.conf"
	"$NSD" -d -c "$d/nsd.conf" >"$d/nsd.out" 2>&1 &
	NSD_PID=$!
	wait_ready "$d/nsd.out" "$NSD_PORT" "$NSD_PID" nsd
}

stop_nsd() {
	local pid=$NSD_PID
	[ -n "$pid" ] || return 0
	NSD_PID=
	kill -TERM "$pid" 2>/dev/null
	timeout 2 tail --pid="$pid" -f /dev/null || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# dns_summary PORT NAME TYPE [OPTS]: a canonical text of the response, made by
# one awk pass over dig's output (status, AA/TC, the records of each section).
# NSD runs with minimal-responses: the additional A/AAAA of MX and SRV targets are left out.
dns_summary() {
	local port=$1 name=$2 type=$3
	shift 3
	timeout 10 dig -p "$port" @127.0.0.1 +tries=1 +time=3 +norec +nocookie \
		"$@" "$name" "$type" 2>&1 | awk '
		/->>HEADER<<-/ { sub(/.*status: /, ""); sub(/,.*/, ""); print "status", $0 }
		/^;; flags:/ {
			fs = $0; sub(/^;; flags: */, "", fs); sub(/;.*/, "", fs)
			n = split(fs, fl, " ")
			for (i = 1; i <= n; i++) if (fl[i] == "aa" || fl[i] == "tc") print "flag", fl[i]
		}
		/^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:/ { sec = $2; next }
		/^[[:space:]]*$/ { sec = ""; next }
		sec != "" && !/^;/ {
			$1 = tolower($1)
			if (sec == "ANSWER" && ($4 == "MX" || $4 == "SRV")) target[tolower($NF)] = 1
			rr[++nrr] = sec " " $0
		}
		END {
			for (i = 1; i <= nrr; i++) {
				split(rr[i], w, " ")
				if (w[1] == "ADDITIONAL" && (w[5] == "A" || w[5] == "AAAA") && (w[2] in target))
					continue
				print rr[i]
			}
		}' | sort
}

# compare_nsd NAME TYPE [OPTS]: one ok/fail line, gslbd's answer against NSD's (dns_summary).
compare_nsd() {
	local name=$1 type=$2 g s
	shift 2
	g=$(dns_summary "$GSLBD_PORT" "$name" "$type" "$@")
	s=$(dns_summary "$NSD_PORT" "$name" "$type" "$@")
	if [ "$(grep -c '^status [A-Z]' <<<"$g
$s")" -ne 2 ]; then
		R="gslbd: $g"$'\n'"nsd: $s"
		fail "$name $type $*: a server did not answer"
	elif [ "$g" = "$s" ]; then
		ok "$name $type $*: same as NSD ($(grep '^status' <<<"$g"))"
	else
		R=$(diff -u <(echo "$s") <(echo "$g") | tail -n +3 | sed 's/^-/nsd   /; s/^+/gslbd /')
		[ -n "$s" ] || R="no answer from NSD"
		fail "$name $type $*: differs from NSD"
	fi
}

# start_server [TEMPLATE]: the server under test (IT_SERVER); sets PORT, SERVER_PID.
start_server() {
	case $IT_SERVER in
	nsd)
		start_nsd "$@" || return 1
		PORT=$NSD_PORT
		SERVER_PID=$NSD_PID
		;;
	*)
		start_gslbd "$@" || return 1
		PORT=$GSLBD_PORT
		SERVER_PID=$GSLBD_PID
		;;
	esac
}

stop_server() {
	if [ "$IT_SERVER" = nsd ]; then stop_nsd; else stop_gslbd; fi
}

# need_server: starts the server or ends the test as failed.
need_server() {
	start_server "$@" || {
		FAILS=$((FAILS + 1))
		echo "FAIL - $IT_SERVER did not start"
		exit 1
	}
}

server_alive() {
	kill -0 "$SERVER_PID" 2>/dev/null
}

cleanup() {
	local st=$?
	trap - EXIT
	# run-all's timeout follows its SIGTERM with SIGKILL after 5 s: be quicker
	stop_gslbd 20 >/dev/null
	stop_nsd
	if [ -n "${IT_KEEP:-}" ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
	exit "$st"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# finish: stops the daemons (gslbd must exit 0) and exits with the verdict.
finish() {
	stop_gslbd
	stop_nsd
	echo "$TESTNAME: $CHECKS checks, $FAILS failed"
	[ "$FAILS" -eq 0 ] && [ "$CHECKS" -gt 0 ]
	exit $?
}

# ------------------------------------------------------------------ queries

# Each query helper leaves the client's whole output in R. ADDR selects the
# server address (127.0.0.1 or ::1), PORT the port; extra arguments go to
# the client (e.g. +tcp / -t, a name, a type).
dq() {
	R=$(timeout 10 dig -p "$PORT" @"$ADDR" +tries=1 +time=3 +norec "$@" 2>&1)
}
kq() {
	R=$(timeout 10 kdig -p "$PORT" @"$ADDR" +retry=0 +timeout=3 +norec "$@" 2>&1)
}
drq() { # drq [drill options] NAME [TYPE]
	local opts=""
	while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do
		opts="$opts $1"
		shift
	done
	# shellcheck disable=SC2086
	R=$(timeout 10 drill -p "$PORT" $opts "$1" @"$ADDR" ${2:-A} 2>&1)
}

# Parsers over R that understand dig, kdig and drill output.
r_status() {
	printf '%s\n' "$R" | sed -n 's/.*->>HEADER<<-.*\(status\|rcode\): \([A-Z]*\).*/\2/p' | head -n 1
}
r_flags() {
	printf '%s\n' "$R" | sed -n 's/^;; [Ff]lags: *\([^;]*\);.*/\1/p' | head -n 1
}
r_count() { # r_count QUERY|ANSWER|AUTHORITY|ADDITIONAL
	printf '%s\n' "$R" | sed -n "s/^;; [Ff]lags:.*[ ;,]$1: \\([0-9]*\\).*/\\1/p" | head -n 1
}
# r_section ANSWER: the records of a section, whitespace squeezed, no OPT.
r_section() {
	printf '%s\n' "$R" | awk -v s=";; $1 SECTION:" '
		$0 == s { on = 1; next }
		on && /^[[:space:]]*$/ { on = 0 }
		on && !/^;/ { print }' | tr -s ' \t' '  '
}
r_size() { # bytes of the response, from dig / kdig output
	printf '%s\n' "$R" | sed -n 's/.*MSG SIZE *rcvd: \([0-9]*\).*/\1/p;s/.*Received \([0-9]*\) B.*/\1/p' |
		head -n 1
}

has_flag() { r_flags | tr ' ' '\n' | grep -qx "$1"; }

# expect_status RCODE WHAT
expect_status() {
	local got
	got=$(r_status)
	if [ "$got" = "$1" ]; then ok "$2: $1"; else fail "$2: status '${got:-none}', want $1"; fi
}
expect_flag() { # expect_flag FLAG WHAT
	if has_flag "$1"; then ok "$2: $1 set"; else fail "$2: flag $1 not set ($(r_flags))"; fi
}
expect_noflag() {
	if has_flag "$1"; then fail "$2: flag $1 set ($(r_flags))"; else ok "$2: $1 clear"; fi
}
expect_count() { # expect_count SECTION N WHAT
	local got
	got=$(r_count "$1")
	if [ "$got" = "$2" ]; then ok "$3: $1 $2"; else fail "$3: $1 count '${got:-none}', want $2"; fi
}
# expect_rr SECTION ERE WHAT: some record of the section matches ERE
# (case-insensitive; fields are separated by single spaces).
expect_rr() {
	if r_section "$1" | grep -Eiq -- "$2"; then
		ok "$3: $1 has /$2/"
	else
		fail "$3: $1 lacks /$2/"
	fi
}
expect_no_rr() {
	if r_section "$1" | grep -Eiq -- "$2"; then
		fail "$3: $1 has /$2/"
	else
		ok "$3: $1 has no /$2/"
	fi
}
expect_out() { # expect_out ERE WHAT: the client output matches ERE
	if printf '%s\n' "$R" | grep -Eq -- "$1"; then ok "$2"; else fail "$2: output lacks /$1/"; fi
}

# for_transports CMD...: runs CMD with TRANSPORT (udp|tcp) and ADDR (v4, v6) set.
for_transports() {
	local a t
	for a in 127.0.0.1 ::1; do
		for t in udp tcp; do
			ADDR=$a TRANSPORT=$t "$@"
		done
	done
	ADDR=127.0.0.1
}
# Client options for TRANSPORT.
dig_t() { [ "${TRANSPORT:-udp}" = tcp ] && echo +tcp || echo +notcp; }
kdig_t() { [ "${TRANSPORT:-udp}" = tcp ] && echo +tcp || echo +notcp; }
drill_t() { [ "${TRANSPORT:-udp}" = tcp ] && echo -t || echo -u; }

# pyrun WHAT: runs the python script on stdin (dnslib importable, PORT and
# ADDR exported), bounded to 90 s; one check, passed when it exits 0.
pyrun() {
	local out st
	out=$(PORT=$PORT ADDR=$ADDR timeout 90 python3 - 2>&1)
	st=$?
	printf '%s\n' "$out" | sed 's/^/      /'
	R=
	if [ $st -eq 0 ]; then ok "$1"; else fail "$1 (python exit $st)"; fi
}

# ------------------------------------------------------------- geo helpers
# Service tests build their GeoIP database from the test folder's city.csv
# with tests/data/mkmmdb into the work directory, then start gslbd on a
# template whose `@GEOIP@` line becomes the geoip group.

MKMMDB=${MKMMDB:-$SRCROOT/tests/data/mkmmdb}

# geo_template TEMPLATE SCHEMA OUT [SETTINGS]: builds GEO_CSV (default
# $TESTDIR/city.csv) into
# $WORK/gslbd (geoip2: city.mmdb; flat: city4.mmdb + city6.mmdb, one file per
# family like ip-location-db) and writes OUT, the template with its @GEOIP@
# line replaced by a geoip group naming them; SETTINGS (e.g.
# "ecs_max_prefix_v4 = 24;") go inside the group. Fails the test on error.
geo_template() {
	local tpl=$1 schema=$2 out=$3 extra=${4:-} d=$WORK/gslbd db csv=${GEO_CSV:-$TESTDIR/city.csv}
	mkdir -p "$d"
	if [ "$schema" = flat ]; then
		perl "$MKMMDB" --schema flat --ip-version 4 "$csv" "$d/city4.mmdb" &&
			perl "$MKMMDB" --schema flat "$csv" "$d/city6.mmdb" ||
			{ fail "mkmmdb --schema flat $csv"; return 1; }
		db='database = "city4.mmdb"; database6 = "city6.mmdb";'
	else
		perl "$MKMMDB" --schema geoip2 "$csv" "$d/city.mmdb" ||
			{ fail "mkmmdb --schema geoip2 $csv"; return 1; }
		db='database = "city.mmdb";'
	fi
	awk -v g="geoip: { $db schema = \"$schema\"; $extra };" \
		'/^[[:space:]]*@GEOIP@[[:space:]]*$/ { print g; next } { print }' "$tpl" >"$out"
}

# kq_lines KDIG-ARGS...: one kdig run with any number of queries (kdig takes a
# query's own options after its name and type, e.g. `www.example.com A
# +subnet=10.1.0.0/24`); R gets one line per response:
#   RCODE SCOPE RDATA...
# SCOPE is the ECS scope prefix of the response ("-" without ECS) and RDATA
# the answer records as TYPE=value (e.g. A=192.0.2.1 CNAME=x.example.net.).
kq_lines() {
	R=$(timeout 120 kdig -p "$PORT" @"$ADDR" +retry=0 +timeout=3 +norec "$@" 2>&1 | awk '
		function out() { if (st != "") print st, sc (rr == "" ? "" : " " rr); st = ""; sc = "-"; rr = "" }
		/->>HEADER<<-/ { out(); st = $0; sub(/.*status: /, "", st); sub(/;.*/, "", st); next }
		/^;; CLIENT-SUBNET:/ { n = split($3, p, "/"); sc = p[n]; next }
		/^;; ANSWER SECTION:/ { on = 1; next }
		/^[[:space:]]*$/ || /^;;/ { on = 0; next }
		on && NF >= 5 { v = $5; for (i = 6; i <= NF; i++) v = v " " $i; rr = rr (rr == "" ? "" : " ") $4 "=" v }
		END { out() }')
}

# lines_count ERE: how many lines of R match ERE.
lines_count() { printf '%s\n' "$R" | grep -Ec -- "$1"; }
