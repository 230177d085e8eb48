# SPDX-License-Identifier: Apache-2.0
# dnssec.sh — the signed-answer tests' helpers (130-139): keys made at test time with
# ldns-keygen, delv with the zone's KSK as its trust anchor. Source after lib.sh.

# dnssec_keys DIR ZONE ALG [combined]: makes a KSK and a ZSK (or one combined key with
# the SEP flag) of algorithm ALG (ECDSAP256SHA256 | ED25519) for ZONE in DIR; sets KSK and
# ZSK to their base names (equal for a combined key) and writes DIR/anchors.conf for delv.
dnssec_keys() {
	local dir=$1 zone=$2 alg=$3 k
	mkdir -p "$dir"
	KSK=$(cd "$dir" && ldns-keygen -a "$alg" -k "$zone") || { fail "ldns-keygen KSK"; return 1; }
	if [ "${4:-}" = combined ]; then
		ZSK=$KSK
	else
		ZSK=$(cd "$dir" && ldns-keygen -a "$alg" "$zone") || { fail "ldns-keygen ZSK"; return 1; }
	fi
	awk '{ printf "trust-anchors { %s static-key %s %s %s \"%s\"; };\n", $1, $4, $5, $6, $7 }' \
		"$dir/$KSK.key" >"$dir/anchors.conf"
	ANCHORS=$dir/anchors.conf
	ANCHOR_ZONE=$zone
}

# key_tag BASE: the key tag in a key file's base name (Kzone.+013+12345 -> 12345).
key_tag() { echo "$((10#${1##*+}))"; }

# dv NAME TYPE [delv options]: delv against the server under test, the zone's KSK trusted.
dv() {
	R=$(timeout 20 delv @"$ADDR" -p "$PORT" +root="$ANCHOR_ZONE" -a "$ANCHORS" "$@" 2>&1)
}

# expect_valid NAME TYPE [delv options]: delv validates a positive answer.
expect_valid() {
	dv "$@"
	expect_out '^; fully validated$' "delv: $1 $2 validates"
}
# expect_valid_neg NAME TYPE [delv options]: delv validates a negative answer.
expect_valid_neg() {
	dv "$@"
	expect_out '^; negative response, fully validated$' "delv: $1 $2 denial validates"
}
