/* SPDX-License-Identifier: Apache-2.0 */
/* test_dname.c — wire-format names: unpacking, comparison, text forms */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dname.h"
#include "unit.h"

START_TEST(unpack_plain_and_compressed)
{
	/* "www.example.com" at 0, then "mail" + pointer to "example.com" at 4 */
	static const uint8_t pkt[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
				       3, 'c', 'o', 'm', 0, 4, 'm', 'a', 'i', 'l', 0xc0, 4 };
	uint8_t out[DNAME_MAXLEN];
	size_t pos = 0;

	ck_assert_int_eq(dname_unpack(pkt, sizeof(pkt), &pos, out), 17);
	ck_assert_uint_eq(pos, 17);
	ck_assert_int_eq(dname_unpack(pkt, sizeof(pkt), &pos, out), 18);
	ck_assert_uint_eq(pos, sizeof(pkt));
	char text[DNAME_MAXLEN * 4];
	ck_assert_int_eq(dname_to_str(out, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "mail.example.com.");
}
END_TEST

START_TEST(unpack_rejects_hostile_names)
{
	uint8_t out[DNAME_MAXLEN];
	size_t pos;
	/* pointer to itself */
	static const uint8_t self[] = { 0xc0, 0 };
	pos = 0;
	ck_assert_int_eq(dname_unpack(self, sizeof(self), &pos, out), -EBADMSG);
	/* two pointers pointing at each other */
	static const uint8_t loop[] = { 0xc0, 2, 0xc0, 0 };
	pos = 2;
	ck_assert_int_eq(dname_unpack(loop, sizeof(loop), &pos, out), -EBADMSG);
	/* label longer than 63 */
	uint8_t big[70] = { 64 };
	pos = 0;
	ck_assert_int_eq(dname_unpack(big, sizeof(big), &pos, out), -EBADMSG);
	/* truncated label */
	static const uint8_t trunc[] = { 5, 'a', 'b' };
	pos = 0;
	ck_assert_int_eq(dname_unpack(trunc, sizeof(trunc), &pos, out), -EBADMSG);
	/* no terminating root label */
	static const uint8_t noroot[] = { 1, 'a' };
	pos = 0;
	ck_assert_int_eq(dname_unpack(noroot, sizeof(noroot), &pos, out), -EBADMSG);
	/* obsolete label types 0x40 / 0x80 */
	static const uint8_t ext[] = { 0x41, 0 };
	pos = 0;
	ck_assert_int_eq(dname_unpack(ext, sizeof(ext), &pos, out), -EBADMSG);
	/* more than 255 bytes in all: 5 labels of 63 */
	uint8_t longname[5 * 64 + 1];
	for (int i = 0; i < 5; i++) {
		longname[i * 64] = 63;
		memset(longname + i * 64 + 1, 'a', 63);
	}
	longname[5 * 64] = 0;
	pos = 0;
	ck_assert_int_eq(dname_unpack(longname, sizeof(longname), &pos, out), -EBADMSG);
}
END_TEST

/* A backward chain of n pointers ending at a root label: buf[0] = 0, then pointers to
 * the one before. Returns the offset of the last pointer. */
static size_t pointer_chain(uint8_t *buf, size_t n)
{
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		size_t at = 1 + 2 * i, prev = i ? at - 2 : 0;
		buf[at] = (uint8_t)(0xc0 | prev >> 8);
		buf[at + 1] = (uint8_t)prev;
	}
	return 1 + 2 * (n - 1);
}

/* Each hop of a chain is a memory read: at most DNAME_MAXPTRS are followed per name. */
START_TEST(unpack_caps_pointer_hops)
{
	uint8_t buf[1 + 2 * 1000], out[DNAME_MAXLEN];
	size_t pos;

	pos = pointer_chain(buf, DNAME_MAXPTRS);
	ck_assert_int_eq(dname_unpack(buf, 1 + 2 * DNAME_MAXPTRS, &pos, out), 1);
	pos = pointer_chain(buf, DNAME_MAXPTRS + 1);
	ck_assert_int_eq(dname_unpack(buf, 1 + 2 * (DNAME_MAXPTRS + 1), &pos, out), -EBADMSG);
	pos = pointer_chain(buf, 1000);
	ck_assert_int_eq(dname_unpack(buf, sizeof(buf), &pos, out), -EBADMSG);
}
END_TEST

/* dname_skip steps over a name in place without following its pointer. */
START_TEST(skip_in_place)
{
	static const uint8_t plain[] = "\3www\7example\3com";
	static const uint8_t ptr[] = { 3, 'w', 'w', 'w', 0xc0, 0x7f, 0xff };
	static const uint8_t trunc[] = { 3, 'w', 'w' };
	static const uint8_t cut_ptr[] = { 3, 'w', 'w', 'w', 0xc0 };
	uint8_t huge[300];
	size_t pos;

	pos = 0;
	ck_assert_int_eq(dname_skip(plain, sizeof(plain), &pos), 0);
	ck_assert_uint_eq(pos, sizeof(plain));
	pos = 0; /* the pointer's target (0x3fff) is past the packet: not followed, not read */
	ck_assert_int_eq(dname_skip(ptr, sizeof(ptr), &pos), 0);
	ck_assert_uint_eq(pos, 6);
	pos = 0;
	ck_assert_int_eq(dname_skip(trunc, sizeof(trunc), &pos), -EBADMSG);
	pos = 0;
	ck_assert_int_eq(dname_skip(cut_ptr, sizeof(cut_ptr), &pos), -EBADMSG);
	pos = 0;
	ck_assert_int_eq(dname_skip((const uint8_t *)"\x41", 2, &pos), -EBADMSG);
	memset(huge, 1, sizeof(huge)); /* 150 labels "\1\1": more than 255 bytes in place */
	pos = 0;
	ck_assert_int_eq(dname_skip(huge, sizeof(huge), &pos), -EBADMSG);
}
END_TEST

START_TEST(compare_and_hierarchy)
{
	uint8_t a[DNAME_MAXLEN], b[DNAME_MAXLEN], apex[DNAME_MAXLEN];

	ck_assert_int_gt(dname_from_str("WWW.Example.COM.", a), 0);
	ck_assert_int_gt(dname_from_str("www.example.com", b), 0);
	ck_assert(dname_equal(a, b));
	ck_assert_uint_eq(dname_hash(a), dname_hash(b));
	ck_assert_int_gt(dname_from_str("example.com", apex), 0);
	ck_assert(dname_is_sub(a, apex));
	ck_assert(dname_is_sub(apex, apex));
	ck_assert(!dname_is_sub(apex, a));
	ck_assert(dname_equal(dname_parent(a), apex));
	ck_assert_int_eq(dname_labels(a), 3);
	ck_assert_ptr_null(dname_parent(dname_parent(dname_parent(apex))));
	/* "notexample.com" is not below "example.com" */
	ck_assert_int_gt(dname_from_str("notexample.com", b), 0);
	ck_assert(!dname_is_sub(b, apex));
}
END_TEST

START_TEST(text_forms)
{
	uint8_t n[DNAME_MAXLEN];
	char text[1024];

	ck_assert_int_eq(dname_from_str(".", n), 1);
	ck_assert_int_eq(dname_to_str(n, text, sizeof(text)), 0);
	ck_assert_str_eq(text, ".");
	ck_assert_int_gt(dname_from_str("a\\.b.c\\032d", n), 0);
	ck_assert_int_eq(n[0], 3);
	ck_assert_int_eq(dname_to_str(n, text, sizeof(text)), 0);
	ck_assert_str_eq(text, "a\\.b.c\\032d.");
	ck_assert(dname_is_wildcard((const uint8_t *)"\1*\3com"));
	ck_assert_int_eq(dname_from_str("a..b", n), -EINVAL);
	char label64[80];
	memset(label64, 'x', 64);
	label64[64] = 0;
	ck_assert_int_eq(dname_from_str(label64, n), -EINVAL);
	ck_assert_int_eq(dname_to_str((const uint8_t *)"\3www\0", text, 3), -ENOSPC);
}
END_TEST

UNIT_SUITE("dname", { "unpack", unpack_plain_and_compressed },
	   { "hostile", unpack_rejects_hostile_names }, { "hops", unpack_caps_pointer_hops },
	   { "skip", skip_in_place }, { "compare", compare_and_hierarchy },
	   { "text", text_forms })
