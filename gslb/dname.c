/* SPDX-License-Identifier: Apache-2.0 */
/* dname.c — domain names in uncompressed wire format */
#include "config.h"

#include "dname.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

int dname_unpack(const uint8_t *pkt, size_t len, size_t *pos, uint8_t *out)
{
	size_t p = *pos;
	size_t olen = 0;
	size_t limit = p; /* pointers must go strictly below this */
	bool jumped = false;
	int hops = 0;

	for (;;) {
		if (p >= len)
			return -EBADMSG;
		uint8_t l = pkt[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len)
				return -EBADMSG;
			size_t target = (size_t)(l & 0x3f) << 8 | pkt[p + 1];
			if (target >= limit)
				return -EBADMSG; /* forward or self pointer: possible loop */
			if (++hops > DNAME_MAXPTRS)
				return -EBADMSG;
			if (!jumped)
				*pos = p + 2;
			jumped = true;
			limit = target;
			p = target;
			continue;
		}
		if (l & 0xc0)
			return -EBADMSG; /* 0x40/0x80 label types are obsolete */
		if (p + 1 + l > len || olen + 1 + l > DNAME_MAXLEN)
			return -EBADMSG;
		memcpy(out + olen, pkt + p, (size_t)l + 1);
		olen += (size_t)l + 1;
		p += (size_t)l + 1;
		if (l == 0)
			break;
	}
	if (!jumped)
		*pos = p;
	return (int)olen;
}

int dname_skip(const uint8_t *pkt, size_t len, size_t *pos)
{
	size_t p = *pos;

	for (;;) {
		if (p >= len || p - *pos >= DNAME_MAXLEN)
			return -EBADMSG;
		uint8_t l = pkt[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len)
				return -EBADMSG;
			*pos = p + 2;
			return 0;
		}
		if (l & 0xc0)
			return -EBADMSG;
		p += (size_t)l + 1;
		if (l == 0)
			break;
	}
	if (p > len)
		return -EBADMSG;
	*pos = p;
	return 0;
}

size_t dname_len(const uint8_t *name)
{
	const uint8_t *p = name;

	while (*p)
		p += *p + 1;
	return (size_t)(p - name) + 1;
}

int dname_labels(const uint8_t *name)
{
	int n = 0;

	for (; *name; name += *name + 1)
		n++;
	return n;
}

void dname_lower(uint8_t *name)
{
	while (*name) {
		uint8_t l = *name++;
		for (uint8_t i = 0; i < l; i++, name++)
			*name = lower(*name);
	}
}

size_t dname_copy_lower(uint8_t *dst, const uint8_t *src)
{
	size_t len = dname_len(src);

	for (size_t i = 0; i < len; i++)
		dst[i] = lower(src[i]);
	return len;
}

bool dname_equal(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		if (*a != *b)
			return false;
		uint8_t l = *a;
		if (l == 0)
			return true;
		for (uint8_t i = 1; i <= l; i++)
			if (lower(a[i]) != lower(b[i]))
				return false;
		a += l + 1;
		b += l + 1;
	}
}

bool dname_is_sub(const uint8_t *name, const uint8_t *parent)
{
	int skip = dname_labels(name) - dname_labels(parent);

	if (skip < 0)
		return false;
	while (skip--)
		name += *name + 1;
	return dname_equal(name, parent);
}

const uint8_t *dname_parent(const uint8_t *name)
{
	return *name ? name + *name + 1 : NULL;
}

uint32_t dname_hash(const uint8_t *name)
{
	uint32_t h = 2166136261u;
	size_t len = dname_len(name);

	for (size_t i = 0; i < len; i++) {
		h ^= name[i];
		h *= 16777619u;
	}
	return h;
}

bool dname_is_wildcard(const uint8_t *name)
{
	return name[0] == 1 && name[1] == '*';
}

int dname_to_str(const uint8_t *name, char *buf, size_t size)
{
	size_t o = 0;

	if (!*name) {
		if (size < 2)
			return -ENOSPC;
		memcpy(buf, ".", 2);
		return 0;
	}
	for (; *name; name += *name + 1) {
		for (uint8_t i = 1; i <= *name; i++) {
			uint8_t c = name[i];
			char tmp[5];
			size_t n;
			if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';') {
				tmp[0] = '\\';
				tmp[1] = (char)c;
				n = 2;
			} else if (c <= ' ' || c >= 0x7f) {
				snprintf(tmp, sizeof(tmp), "\\%03u", c);
				n = 4;
			} else {
				tmp[0] = (char)c;
				n = 1;
			}
			if (o + n + 2 > size)
				return -ENOSPC;
			memcpy(buf + o, tmp, n);
			o += n;
		}
		buf[o++] = '.';
	}
	buf[o] = '\0';
	return 0;
}

int dname_from_str(const char *str, uint8_t *out)
{
	size_t o = 0;
	const char *s = str;

	if (!strcmp(s, ".")) {
		out[0] = 0;
		return 1;
	}
	while (*s) {
		size_t lpos = o++;
		uint8_t l = 0;
		while (*s && *s != '.') {
			int c = (unsigned char)*s++;
			if (c == '\\') {
				if (s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' &&
				    s[2] >= '0' && s[2] <= '9') {
					c = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
					s += 3;
					if (c > 255)
						return -EINVAL;
				} else if (*s) {
					c = (unsigned char)*s++;
				} else {
					return -EINVAL;
				}
			}
			if (l == DNAME_MAXLABEL || o + 2 > DNAME_MAXLEN)
				return -EINVAL;
			out[o++] = lower((uint8_t)c);
			l++;
		}
		if (l == 0)
			return -EINVAL; /* empty label: ".." or leading dot */
		out[lpos] = l;
		if (*s == '.')
			s++;
	}
	if (o + 1 > DNAME_MAXLEN)
		return -EINVAL;
	out[o++] = 0;
	return (int)o;
}
