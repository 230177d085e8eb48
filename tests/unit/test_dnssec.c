/* SPDX-License-Identifier: Apache-2.0 */
/* test_dnssec.c — key files, the apex key RRsets, signed RRsets and compact-denial NSECs,
 * checked with ldns (an independent validator): signatures verify with the .key files */
#include "config.h"

#include "answer_dnssec.h"
#include "conf.h"
#include "dnssec.h"
#include "render.h"
#include "service.h"
#include "wire.h"
#include "zone.h"

#include "unit.h"

#include <ldns/ldns.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZDIR TEST_SRCDIR "/tests/unit/zones/"

static char dir[] = "/tmp/test_dnssec.XXXXXX";

/* Writes a new key of alg (ldns's signing algorithm) for example.test. as ldns-keygen
 * does; returns the base name (static buffer per call site). */
static void make_key(ldns_signing_algorithm alg, bool sep, char *base, size_t len)
{
	ldns_key *k = ldns_key_new_frm_algorithm(alg, 256);

	ck_assert_ptr_nonnull(k);
	ldns_key_set_pubkey_owner(k, ldns_dname_new_frm_str("example.test."));
	ldns_key_set_flags(k, sep ? 257 : 256);
	ldns_rr *rr = ldns_key2rr(k);
	ldns_key_set_keytag(k, ldns_calc_keytag(rr));
	snprintf(base, len, "%s/Kexample.test.+%03u+%05u", dir, (unsigned)alg,
		 (unsigned)ldns_key_keytag(k));
	char path[512];
	snprintf(path, sizeof(path), "%s.key", base);
	FILE *f = fopen(path, "w");
	ldns_rr_print(f, rr);
	fclose(f);
	snprintf(path, sizeof(path), "%s.private", base);
	f = fopen(path, "w");
	ldns_key_print(f, k);
	fclose(f);
	ldns_rr_free(rr);
	ldns_key_deep_free(k);
}

static struct zone *signed_zone(ldns_signing_algorithm alg, struct dnssec_zone **dzp,
				ldns_rr_list *keys)
{
	char b1[256], b2[256], err[2048] = "";
	char *names[2] = {b1, b2};
	struct conf_zone cz = {0};

	make_key(alg, true, b1, sizeof(b1));
	make_key(alg, false, b2, sizeof(b2));
	cz.name = "example.test";
	dname_from_str("example.test.", cz.apex);
	cz.dnssec.enabled = true;
	cz.dnssec.keys = names;
	cz.dnssec.nkeys = 2;
	cz.dnssec.algorithm =
	    alg == LDNS_SIGN_ED25519 ? CONF_DNSSEC_ED25519 : CONF_DNSSEC_ECDSAP256;
	cz.dnssec.validity = 86400;
	cz.dnssec.refresh = 3600;
	cz.dnssec.inception = 3600;
	cz.dnssec.keys_at = "test.conf:4";
	struct dnssec_zone *dz = dnssec_zone_load(&cz, 0, err, sizeof(err));
	ck_assert_msg(dz != NULL, "%s", err);
	struct zone *z = zone_load("example.test.", ZDIR "lookup.zone", err, sizeof(err));
	ck_assert_msg(z != NULL, "%s", err);
	ck_assert_int_eq(dnssec_zone_attach(z, dz), 0);
	for (int i = 0; i < 2; i++) {
		char path[300];
		snprintf(path, sizeof(path), "%s.key", names[i]);
		FILE *f = fopen(path, "r");
		ldns_rr *rr = NULL;
		ck_assert_int_eq(ldns_rr_new_frm_fp(&rr, f, NULL, NULL, NULL), LDNS_STATUS_OK);
		fclose(f);
		ldns_rr_list_push_rr(keys, rr);
	}
	*dzp = dz;
	return z;
}

/* Signs msg (an unsigned response rendered by r) into a parsed ldns packet. */
static ldns_pkt *sign(struct zonedb *db, struct render *r)
{
	static uint8_t out[4096];
	struct render o;
	struct dnssec_thread *t = answer_dnssec_thread_new(1024);
	size_t inlen = render_finish(r);

	ck_assert_ptr_nonnull(t);
	render_init(&o, out, sizeof(out), 1, DNS_FLAG_QR | DNS_FLAG_AA);
	ck_assert_int_eq(answer_dnssec_sign(t, db, r->buf, inlen, &o), 0);
	ldns_pkt *p = NULL;
	ck_assert_int_eq(ldns_wire2pkt(&p, out, render_finish(&o)), LDNS_STATUS_OK);
	answer_dnssec_thread_free(t);
	return p;
}

/* Every RRset of the section verifies against keys; returns the RRSIGs seen. */
static int verify_section(ldns_rr_list *sec, ldns_rr_list *keys)
{
	int sigs = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(sec); i++) {
		ldns_rr *sig = ldns_rr_list_rr(sec, i);
		if (ldns_rr_get_type(sig) != LDNS_RR_TYPE_RRSIG)
			continue;
		ldns_rr_list *set = ldns_rr_list_new();
		for (size_t j = 0; j < ldns_rr_list_rr_count(sec); j++) {
			ldns_rr *rr = ldns_rr_list_rr(sec, j);
			if (ldns_rr_get_type(rr) ==
				ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)) &&
			    ldns_dname_compare(ldns_rr_owner(rr), ldns_rr_owner(sig)) == 0)
				ldns_rr_list_push_rr(set, rr);
		}
		ldns_status st = ldns_verify_rrsig_keylist(set, sig, keys, NULL);
		ck_assert_msg(st == LDNS_STATUS_OK, "RRSIG %d: %s", sigs,
			      ldns_get_errorstr_by_id(st));
		ldns_rr_list_free(set);
		sigs++;
	}
	return sigs;
}

static void signs_and_verifies(ldns_signing_algorithm alg)
{
	struct dnssec_zone *dz;
	ldns_rr_list *keys = ldns_rr_list_new();
	struct zone *z = signed_zone(alg, &dz, keys);
	struct zone **zs = malloc(sizeof(*zs));
	zs[0] = z;
	struct zonedb *db = zonedb_new(zs, 1);
	uint8_t buf[4096], name[DNAME_MAXLEN], a1[4] = {192, 0, 2, 9}, a2[4] = {192, 0, 2, 1};
	struct render r;

	/* a geo-like A RRset in reverse canonical order, the apex DNSKEY, a denial */
	render_init(&r, buf, sizeof(buf), 1, DNS_FLAG_QR);
	dname_from_str("geo.example.test.", name);
	render_question(&r, name, TYPE_A, CLASS_IN);
	render_rr(&r, SEC_ANSWER, name, TYPE_A, CLASS_IN, 30, a1, 4);
	render_rr(&r, SEC_ANSWER, name, TYPE_A, CLASS_IN, 30, a2, 4);
	render_rrset(&r, SEC_ANSWER, z->apex, node_rrset(z->apex_node, TYPE_DNSKEY));
	render_rrset(&r, SEC_AUTHORITY, z->apex, z->soa);
	dname_from_str("nope.example.test.", name);
	ck_assert_int_eq(answer_dnssec_nsec(&r, z, name, NULL, NULL, TYPE_A, true), 0);
	/* referral data: NS at the cut and glue are not signed, the DS is */
	const struct zone_node *cut = zone_find(z, (const uint8_t *)"\3dev\7example\4test");
	render_rrset(&r, SEC_AUTHORITY, cut->name, node_rrset(cut, TYPE_NS));
	render_rrset(&r, SEC_AUTHORITY, cut->name, node_rrset(cut, 43));
	ldns_pkt *p = sign(db, &r);

	ck_assert_int_eq(verify_section(ldns_pkt_answer(p), keys), 2);
	ck_assert_int_eq(verify_section(ldns_pkt_authority(p), keys), 3); /* SOA, NSEC, DS */
	/* DNSKEY by the KSK, A by the ZSK */
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(p)); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG)
			continue;
		bool dnskey =
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == LDNS_RR_TYPE_DNSKEY;
		ck_assert_uint_eq(ldns_rdf2native_int16(ldns_rr_rrsig_keytag(rr)),
				  dnskey ? dz->ksk[0]->tag : dz->zsk->tag);
	}
	/* the NSEC: owner nope, next \000.nope, bitmap RRSIG NSEC NXNAME */
	ldns_rr_list *auth = ldns_pkt_authority(p);
	bool seen = false;
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		ldns_rr *rr = ldns_rr_list_rr(auth, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC)
			continue;
		seen = true;
		char *next = ldns_rdf2str(ldns_rr_rdf(rr, 0));
		ck_assert_str_eq(next, "\\000.nope.example.test.");
		free(next);
		ldns_rdf *bm = ldns_rr_rdf(rr, 1);
		ck_assert(ldns_nsec_bitmap_covers_type(bm, 128));
		ck_assert(ldns_nsec_bitmap_covers_type(bm, LDNS_RR_TYPE_NSEC));
		ck_assert(!ldns_nsec_bitmap_covers_type(bm, LDNS_RR_TYPE_A));
	}
	ck_assert(seen);
	ldns_pkt_free(p);
	zonedb_free(db);
	dnssec_zone_free(dz);
	ldns_rr_list_deep_free(keys);
}

START_TEST(ecdsa_p256)
{
	signs_and_verifies(LDNS_SIGN_ECDSAP256SHA256);
}
END_TEST

START_TEST(ed25519)
{
	signs_and_verifies(LDNS_SIGN_ED25519);
}
END_TEST

START_TEST(nodata_bitmap_lists_node_types)
{
	struct dnssec_zone *dz;
	ldns_rr_list *keys = ldns_rr_list_new();
	struct zone *z = signed_zone(LDNS_SIGN_ECDSAP256SHA256, &dz, keys);
	uint8_t buf[1024];
	struct render r;
	ldns_pkt *p = NULL;

	render_init(&r, buf, sizeof(buf), 1, DNS_FLAG_QR);
	ck_assert_int_eq(answer_dnssec_nsec(&r, z, z->apex, z->apex_node, NULL, 15, false), 0);
	ck_assert_int_eq(ldns_wire2pkt(&p, buf, render_finish(&r)), LDNS_STATUS_OK);
	ldns_rdf *bm = ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_authority(p), 0), 1);
	static const uint16_t want[] = {2, 6, 46, 47, 48, 59, 60};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(ldns_nsec_bitmap_covers_type(bm, want[i]), "type %u", want[i]);
	ck_assert(!ldns_nsec_bitmap_covers_type(bm, 15));
	ck_assert(!ldns_nsec_bitmap_covers_type(bm, 1));
	ck_assert(!ldns_nsec_bitmap_covers_type(bm, 128));
	ldns_pkt_free(p);
	zone_free(z);
	dnssec_zone_free(dz);
	ldns_rr_list_deep_free(keys);
}
END_TEST

/* The bitmap of an NSEC at z's apex for svc answering qtype empty. */
static ldns_rdf *service_bitmap(struct zone *z, const struct service *svc, uint16_t qtype,
				ldns_pkt **p)
{
	static uint8_t buf[1024];
	struct render r;

	render_init(&r, buf, sizeof(buf), 1, DNS_FLAG_QR);
	ck_assert_int_eq(answer_dnssec_nsec(&r, z, z->apex, NULL, svc, qtype, false), 0);
	ck_assert_int_eq(ldns_wire2pkt(p, buf, render_finish(&r)), LDNS_STATUS_OK);
	return ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_authority(*p), 0), 1);
}

START_TEST(service_bitmap_never_contradicts)
{
	struct dnssec_zone *dz;
	ldns_rr_list *keys = ldns_rr_list_new();
	struct zone *z = signed_zone(LDNS_SIGN_ECDSAP256SHA256, &dz, keys);
	uint8_t v4[1][4] = {{192, 0, 2, 1}}, v6[1][16] = {{0x20, 1, 0x0d, 0xb8}};
	uint8_t edge[] = "\3cdn\7example\3net";
	struct member m[3] = {
	    {.ipv4 = v4, .nipv4 = 1}, /* v4 only */
	    {.cname = edge},	      /* a CDN edge */
	    {.ipv6 = v6, .nipv6 = 1}, /* v6 only, as a fallback member */
	};
	struct service svc = {
	    .members = m, .nmembers = 2, .fallback_members = &m[2], .nfallback = 1};
	ldns_pkt *p = NULL;

	/* MX: A from the member, AAAA from the fallback member, never CNAME */
	ldns_rdf *bm = service_bitmap(z, &svc, 15, &p);
	ck_assert(ldns_nsec_bitmap_covers_type(bm, LDNS_RR_TYPE_A));
	ck_assert(ldns_nsec_bitmap_covers_type(bm, LDNS_RR_TYPE_AAAA));
	ck_assert(!ldns_nsec_bitmap_covers_type(bm, LDNS_RR_TYPE_CNAME));
	ck_assert(!ldns_nsec_bitmap_covers_type(bm, 15));
	ldns_pkt_free(p);
	/* A answered empty (nothing up, fallback "empty"): the bitmap must not claim A */
	bm = service_bitmap(z, &svc, LDNS_RR_TYPE_A, &p);
	ck_assert(!ldns_nsec_bitmap_covers_type(bm, LDNS_RR_TYPE_A));
	ck_assert(ldns_nsec_bitmap_covers_type(bm, LDNS_RR_TYPE_AAAA));
	ck_assert(ldns_nsec_bitmap_covers_type(bm, LDNS_RR_TYPE_NSEC));
	ldns_pkt_free(p);
	zone_free(z);
	dnssec_zone_free(dz);
	ldns_rr_list_deep_free(keys);
}
END_TEST

START_TEST(key_of_other_zone_rejected)
{
	char b[256], err[2048] = "";
	char *names[1] = {b};
	struct conf_zone cz = {0};

	make_key(LDNS_SIGN_ECDSAP256SHA256, true, b, sizeof(b));
	dname_from_str("example.org.", cz.apex);
	cz.dnssec.enabled = true;
	cz.dnssec.keys = names;
	cz.dnssec.nkeys = 1;
	cz.dnssec.keys_at = "test.conf:4";
	ck_assert_ptr_null(dnssec_zone_load(&cz, 2, err, sizeof(err)));
	ck_assert_msg(strstr(err, "test.conf:4: zones[2].dnssec.keys: ") == err, "%s", err);
	ck_assert_msg(strstr(err, "is a key of example.test., not of this zone"), "%s", err);
}
END_TEST

START_TEST(key_tag_rfc4034)
{
	/* RFC 4034 Appendix B over flags 256, protocol 3, algorithm 5, key 0x01 0x02: by hand */
	static const uint8_t rd[] = {1, 0, 3, 5, 1, 2};
	ck_assert_uint_eq(dnssec_key_tag(rd, sizeof(rd)), (0x0100 + 0x0305 + 0x0102) & 0xffff);
}
END_TEST

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	const struct unit_case cases[] = {
	    {"ecdsa_p256", ecdsa_p256},
	    {"ed25519", ed25519},
	    {"nodata_bitmap_lists_node_types", nodata_bitmap_lists_node_types},
	    {"service_bitmap_never_contradicts", service_bitmap_never_contradicts},
	    {"key_of_other_zone_rejected", key_of_other_zone_rejected},
	    {"key_tag_rfc4034", key_tag_rfc4034},
	};
	setenv("CK_DEFAULT_TIMEOUT", "60", 0);
	Suite *s = unit_suite("dnssec", cases, sizeof(cases) / sizeof(cases[0]));
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		failed++;
	return failed ? 1 : 0;
}
