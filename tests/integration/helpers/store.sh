# SPDX-License-Identifier: Apache-2.0
# store.sh — sites (gslbd) sharing a store, for the store tests: start and stop them, ask
# gslbctl, read their metrics and answers. Sourced after lib.sh. The test's gslbd.conf.in
# takes @SITE@, @CPORT@ (control API), @ENDPOINTS@ (store.etcd), @WHO@ (token_name), @DIR@.
GSLBCTL=${GSLBCTL:-$BUILD/gslbctl}
declare -A SPID SPORT SCPORT

# site_start NAME ENDPOINTS WHO: gslbd for the site, its files in $WORK/NAME
site_start() {
	local d=$WORK/$1
	[ -n "${SPORT[$1]:-}" ] || { SPORT[$1]=$(free_port) && SCPORT[$1]=$(free_port); } || return 1
	mkdir -p "$d"
	sed -e "s/@SITE@/$1/g" -e "s/@CPORT@/${SCPORT[$1]}/g" -e "s|@ENDPOINTS@|$2|" \
		-e "s/@WHO@/$3/g" -e "s|@DIR@|$d|g" "$TESTDIR/gslbd.conf.in" >"$d/conf.in"
	write_conf "$d/conf.in" "${SPORT[$1]}" "$d/gslbd.conf"
	"$GSLBD" -c "$d/gslbd.conf" -f >>"$d/gslbd.log" 2>&1 &
	SPID[$1]=$!
	wait_ready "$d/gslbd.log" "${SPORT[$1]}" "${SPID[$1]}" gslbd
}
site_stop() { # site_stop NAME: SIGTERM; the exit status must be 0
	[ -n "${SPID[$1]:-}" ] || return 0
	kill -TERM "${SPID[$1]}" 2>/dev/null
	wait "${SPID[$1]}"
	expect_eq "$?" 0 "site $1 exits 0 on SIGTERM"
	SPID[$1]=
}
sites_kill() { # every site still running, without checks (the EXIT trap)
	local s
	for s in "${!SPID[@]}"; do
		[ -n "${SPID[$s]}" ] && kill -TERM "${SPID[$s]}" 2>/dev/null && wait "${SPID[$s]}"
		SPID[$s]=
	done
	return 0
}

ctl() { # ctl SITE ARGS...: gslbctl against the site; output in CTL_OUT and R, status in CTL_RC
	local s=$1
	shift
	CTL_OUT=$(timeout 30 "$GSLBCTL" -c "$WORK/$s/gslbd.conf" "$@" 2>&1)
	CTL_RC=$?
	R=$CTL_OUT
}
metric() { # metric SITE NAME: an unlabelled metric's value
	curl -s -m 5 "http://127.0.0.1:${SCPORT[$1]}/metrics" | awk -v k="$2" '$1 == k { print $2 }'
}
wait_metric() { # wait_metric SITE NAME VALUE SECONDS WHAT
	local _
	for _ in $(seq 1 $(($4 * 10))); do
		[ "$(metric "$1" "$2")" = "$3" ] && break
		sleep 0.1
	done
	expect_eq "$(metric "$1" "$2")" "$3" "$5"
}
# answers SITE [NAME]: the distinct first addresses of NAME (www.example.com) at the site over
# 24 queries (an rcode where there is none), sorted, on one line
answers() {
	timeout 20 python3 "$ITDIR/helpers/answer_split.py" "${SPORT[$1]}" "${2:-www.example.com}" 24 |
		awk '$1 != "lost" { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//'
}
# drained SITE SERVICE MEMBER: 1 when the site publishes the member drained, else 0
drained() {
	curl -s -m 2 "http://127.0.0.1:${SCPORT[$1]}/metrics" |
		grep -c "^gslb_member_override{service=\"$2\",member=\"[0-9]*\",name=\"$3\",.*override=\"drain\"} 1$"
}
# wait_drained SITE SERVICE MEMBER 0|1 MS WHAT: polls the site's metrics every 10 ms
wait_drained() {
	local start got took
	start=$(date +%s%N)
	while :; do
		got=$(drained "$1" "$2" "$3")
		took=$((($(date +%s%N) - start) / 1000000))
		[ "$got" = "$4" ] || [ "$took" -ge "$5" ] && break
		sleep 0.01
	done
	R="took $took ms"
	expect_eq "$got" "$4" "$6 ($R)"
}
