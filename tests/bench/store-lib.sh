# SPDX-License-Identifier: Apache-2.0
# tests/bench/store-lib.sh — what the store benchmarks share: gslbd sites on the config of
# tests/integration/123-store-fleet (www.example.com: m1 m2 m3; split.example.com: west and
# east, weighted), with or without the etcd store. Sourced after lib.sh (free_port,
# wait_ready); needs WORK, src (the source root) and BUILD. The 3-member cluster is
# tests/integration/helpers/etcd.sh; sites_kill and metric SITE NAME come from
# tests/integration/helpers/store.sh (its site_start is the integration tests').
. "$src/tests/integration/helpers/etcd.sh"
. "$src/tests/integration/helpers/store.sh"
STORE_TEMPLATE=$src/tests/integration/123-store-fleet/gslbd.conf.in

# bench_site NAME ENDPOINTS [PIN...]: gslbd for the site in $WORK/NAME (one worker thread);
# ENDPOINTS "" leaves out the store section (operator state kept by gslbd alone). PIN
# (e.g. taskset -c 0) runs it pinned.
bench_site() {
	local n=$1 d=$WORK/$1 eps=$2
	shift 2
	mkdir -p "$d"
	SPORT[$n]=$(free_port) && SCPORT[$n]=$(free_port) || return 1
	cp "$src"/tests/integration/zones/example.com.zone "$d"/
	(umask 077 && echo bench-control-token-0123456789abcdef >"$d/control.token")
	sed -e "s/@SITE@/$n/g" -e "s/@CPORT@/${SCPORT[$n]}/g" -e "s|@ENDPOINTS@|$eps|" \
		-e "s/@WHO@/bench/g" -e "s|@DIR@|$d|g" -e "s/@PORT@/${SPORT[$n]}/g" "$STORE_TEMPLATE" |
		awk -v off="$([ -z "$eps" ] && echo 1)" '
			off && /^store: \{/ { skip = 1 }
			!skip { print }
			skip && /^\};/ { skip = 0 }' >"$d/gslbd.conf"
	"$@" "$BUILD/gslbd" -c "$d/gslbd.conf" -f >"$d/gslbd.log" 2>&1 &
	SPID[$n]=$!
	wait_ready "${SPORT[$n]}" "${SPID[$n]}" example.com || {
		echo "bench: site $n did not start:" >&2
		tail -n 20 "$d/gslbd.log" >&2
		return 1
	}
}
bench_ctl() { # bench_ctl SITE ARGS...: gslbctl against the site
	local s=$1
	shift
	timeout 30 "$BUILD/gslbctl" -c "$WORK/$s/gslbd.conf" "$@"
}
bench_stop_all() {
	sites_kill
	etcd_cluster_stop
}
