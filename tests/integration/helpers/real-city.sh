# shellcheck shell=bash
# SPDX-License-Identifier: Apache-2.0
# real-city.sh — the body of the tests with a real city database (030-geolite2, 031-dbip-city)
#
# Sourced by a run script after lib.sh, with CITY_PKG (the ip-location-db npm package),
# CITY_PREFIX (its files are PREFIX-city-ipv4.mmdb and PREFIX-city-ipv6.mmdb: the flat
# schema, one file per family, used as database + database6) and CITY_NAME (for messages).
# The package is fetched by tests/data/ipdb-fetch into a cache outside the repository. The
# networks are national research networks, universities and broadcasters whose country is
# stable; the expectation is per country (for the US, east or west of 100°W by the
# database's own longitude), for nearest and geofence. The test first checks with
# mmdblookup that the data still puts each network in its country. A failed fetch fails
# the test.

db4=${CITY_PREFIX}-city-ipv4.mmdb
db6=${CITY_PREFIX}-city-ipv6.mmdb
geodir=$("$SRCROOT/tests/data/ipdb-fetch" "$CITY_PKG" "$db4" "$db6" 2>"$WORK/fetch.err")
if [ $? -ne 0 ] || [ -z "$geodir" ]; then
	R=$(cat "$WORK/fetch.err")
	fail "cannot fetch the $CITY_NAME database (npm pack $CITY_PKG)"
	finish
fi
ok "$CITY_NAME $(cat "$geodir/VERSION" 2>/dev/null) in $geodir"

declare -A VIP=([eu-west]=1 [eu-central]=2 [us-east]=3 [us-west]=4 [ap-northeast]=5
	[ap-southeast]=6 [sa-east]=7 [ap-south]=8)
declare -A COUNTRY_REGION=([GB]=eu-west [DE]=eu-central [JP]=ap-northeast [SG]=ap-southeast
	[BR]=sa-east [AU]=ap-south)

# ECS subnet, country, what it is
CASES="
81.2.69.0/24 GB Andrews & Arnold (MaxMind's GB test address)
128.232.0.0/24 GB University of Cambridge
129.67.0.0/24 GB University of Oxford
212.58.224.0/24 GB BBC
141.2.0.0/24 DE Goethe University Frankfurt
129.187.0.0/24 DE Leibniz Supercomputing Centre, Munich
134.76.0.0/24 DE GWDG, Göttingen
133.11.0.0/24 JP University of Tokyo
130.54.0.0/24 JP Kyoto University
130.56.0.0/24 AU Australian National University
128.250.0.0/24 AU University of Melbourne
129.78.0.0/24 AU University of Sydney
143.107.0.0/24 BR University of São Paulo
200.130.0.0/24 BR RNP
164.41.0.0/24 BR University of Brasília
137.132.0.0/24 SG National University of Singapore
155.69.0.0/24 SG Nanyang Technological University
128.103.0.0/24 US Harvard University
128.59.0.0/24 US Columbia University
129.6.0.0/24 US NIST, Gaithersburg
171.64.0.0/24 US Stanford University
128.32.0.0/24 US UC Berkeley
128.97.0.0/24 US UCLA
128.95.0.0/24 US University of Washington
2001:630::/48 GB JANET
2001:638::/48 DE DFN
2001:4ca0::/48 DE Leibniz Supercomputing Centre
2001:200::/48 JP WIDE
2001:388::/48 AU AARNet
2001:12f0::/48 BR RNP
2001:468::/48 US Internet2
2607:f6d0::/48 US Stanford University
"

args=()
nets=()
wants=()
descs=()
while read -r net cc desc; do
	[ -n "$net" ] || continue
	addr=${net%/*}
	db=$geodir/$db4
	case $addr in *:*) db=$geodir/$db6 ;; esac
	got_cc=$(mmdblookup -f "$db" -i "$addr" country_code 2>/dev/null | sed -n 's/.*"\(..\)".*/\1/p')
	if [ "$got_cc" != "$cc" ]; then
		R=
		fail "$CITY_NAME data changed: $net ($desc) is in '${got_cc:-nowhere}', not $cc"
		continue
	fi
	region=${COUNTRY_REGION[$cc]:-}
	if [ "$cc" = US ]; then
		lon=$(mmdblookup -f "$db" -i "$addr" longitude 2>/dev/null | awk 'NF { print $1; exit }')
		region=$(awk -v l="$lon" 'BEGIN { print (l < -100 ? "us-west" : "us-east") }')
	fi
	args+=(www.example.com A "+subnet=$net" fence.example.com A "+subnet=$net")
	nets+=("$net")
	wants+=("$region")
	descs+=("$desc ($cc)")
done <<<"$CASES"

sed -e "s|@DB4@|$geodir/$db4|g" -e "s|@DB6@|$geodir/$db6|g" "$ITDIR/helpers/real-city.conf.in" \
	>"$WORK/gslbd.conf.in"
need_server "$WORK/gslbd.conf.in"
kq_lines "${args[@]}"
mapfile -t L <<<"$R"
for i in "${!nets[@]}"; do
	line=${L[$((2 * i))]:-none}
	expect_eq "${line%% *} ${line##* }" "NOERROR A=192.0.2.${VIP[${wants[$i]}]}" \
		"nearest: ${nets[$i]} ${descs[$i]} -> ${wants[$i]}"
	# geofence is per country: the US goes to us-east, listed first
	w=${wants[$i]}
	[ "$w" = us-west ] && w=us-east
	line=${L[$((2 * i + 1))]:-none}
	expect_eq "${line%% *} ${line##* }" "NOERROR A=192.0.2.${VIP[$w]}" \
		"geofence: ${nets[$i]} ${descs[$i]} -> $w"
done
check "gslbd still running" server_alive
finish
