/* SPDX-License-Identifier: Apache-2.0 */
/* mkecsq.c — ECS queries from a sample of a real GeoIP database's networks, for dnsperf -B
 *
 * usage: mkecsq DB4.mmdb DB6.mmdb COUNT NAME > queries.bin
 *
 * Draws random addresses until COUNT of them fall in a network of the databases (four in
 * five IPv4, one in five IPv6 from 2000::/3), and writes one "NAME A" query per address
 * with an EDNS Client Subnet option for it: the source prefix is the database network's
 * length capped at 24 (IPv4) or 56 (IPv6), as a resolver would send. Output: the query
 * messages, each after its 2-byte length (dnsperf's -B "TCP stream" input). Seeded: the
 * same arguments give the same file.
 */
#include "config.h"

#include <maxminddb.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The wire form of a dotted name into out; its length. */
static size_t wire_name(const char *name, uint8_t *out)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);
		out[n++] = (uint8_t)len;
		memcpy(out + n, name, len);
		n += len;
		name += len + (dot ? 1 : 0);
	}
	out[n++] = 0;
	return n;
}

int main(int argc, char **argv)
{
	MMDB_s db[2];
	uint8_t q[512];
	long count, made = 0;

	if (argc != 5 || (count = strtol(argv[3], NULL, 10)) <= 0 || strlen(argv[4]) > 200) {
		fprintf(stderr, "usage: mkecsq DB4.mmdb DB6.mmdb COUNT NAME > queries.bin\n");
		return 2;
	}
	for (int i = 0; i < 2; i++) {
		int st = MMDB_open(argv[1 + i], MMDB_MODE_MMAP, &db[i]);
		if (st != MMDB_SUCCESS) {
			fprintf(stderr, "mkecsq: %s: %s\n", argv[1 + i], MMDB_strerror(st));
			return 1;
		}
	}
	while (made < count) {
		bool six = next() % 5 == 0;
		struct sockaddr_in sin = {.sin_family = AF_INET};
		struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
		uint8_t addr[16] = {0};
		uint64_t r1 = next(), r2 = next();
		int err;

		if (six) {
			memcpy(addr, &r1, 8);
			memcpy(addr + 8, &r2, 8);
			addr[0] = (uint8_t)(0x20 | (addr[0] & 0x1f)); /* 2000::/3 */
			memcpy(&sin6.sin6_addr, addr, 16);
		} else {
			memcpy(addr, &r1, 4);
			memcpy(&sin.sin_addr, addr, 4);
		}
		MMDB_lookup_result_s res = MMDB_lookup_sockaddr(
		    &db[six], six ? (struct sockaddr *)&sin6 : (struct sockaddr *)&sin, &err);
		if (err != MMDB_SUCCESS || !res.found_entry)
			continue;
		unsigned mask = res.netmask, max = six ? 128 : 32;
		if (!six && db[0].metadata.ip_version == 6)
			mask = mask >= 96 ? mask - 96 : 0;
		unsigned src = mask < (six ? 56u : 24u) ? mask : (six ? 56u : 24u);
		if (src == 0 || src > max)
			continue;
		size_t n = 0, alen = (src + 7) / 8;
		/* header: id 0 (dnsperf sets it), no flags, one question, one additional */
		const uint8_t hdr[12] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
		memcpy(q, hdr, 12);
		n = 12 + wire_name(argv[4], q + 12);
		q[n++] = 0, q[n++] = 1; /* A */
		q[n++] = 0, q[n++] = 1; /* IN */
		/* OPT: root, type 41, payload 1232, no extended flags, rdata = one ECS option */
		const uint8_t opt[9] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0};
		memcpy(q + n, opt, 9);
		n += 9;
		size_t olen = 4 + alen;
		q[n++] = 0, q[n++] = (uint8_t)(4 + olen); /* rdlength */
		q[n++] = 0, q[n++] = 8;			  /* option code: ECS */
		q[n++] = 0, q[n++] = (uint8_t)olen;
		q[n++] = 0, q[n++] = six ? 2 : 1; /* family */
		q[n++] = (uint8_t)src;		  /* source prefix */
		q[n++] = 0;			  /* scope */
		for (size_t i = 0; i < alen; i++) {
			uint8_t b = addr[i];
			if (i == alen - 1 && src % 8)
				b &= (uint8_t)(0xff << (8 - src % 8));
			q[n++] = b;
		}
		uint8_t len[2] = {(uint8_t)(n >> 8), (uint8_t)n};
		if (fwrite(len, 1, 2, stdout) != 2 || fwrite(q, 1, n, stdout) != n) {
			perror("mkecsq: write");
			return 1;
		}
		made++;
	}
	for (int i = 0; i < 2; i++)
		MMDB_close(&db[i]);
	return fflush(stdout) == 0 ? 0 : 1;
}
