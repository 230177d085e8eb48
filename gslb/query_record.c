/* SPDX-License-Identifier: Apache-2.0 */
/* query_record.c — per-thread tables of query counts by service and client subnet */
#include "config.h"

#include "query_record.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "dname.h"

static struct qrec *tables; /* every table, newest first; never shrinks */
static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;

struct qrec *qrec_new(void)
{
	struct qrec *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	pthread_mutex_lock(&tables_lock);
	r->next = tables;
	tables = r;
	pthread_mutex_unlock(&tables_lock);
	return r;
}

uint32_t qrec_service_hash(const uint8_t *name)
{
	uint32_t h = dname_hash(name);

	return h ? h : 1;
}

uint32_t qrec_epoch(void)
{
	return (uint32_t)(clock_coarse_ms() / (QREC_EPOCH_S * 1000u));
}

/* The slot's count in the window ending at epoch. */
static uint64_t slot_count(const struct qrec_slot *c, uint32_t epoch)
{
	uint32_t e = atomic_load_explicit(&c->epoch, memory_order_relaxed);
	uint32_t cur = atomic_load_explicit(&c->cur, memory_order_relaxed);

	if (e == epoch)
		return (uint64_t)cur + atomic_load_explicit(&c->prev, memory_order_relaxed);
	return e + 1 == epoch ? cur : 0;
}

/* The owner's step of the seqlock (readers only load it). */
static void seq_bump(struct qrec *r)
{
	atomic_store_explicit(&r->seq, atomic_load_explicit(&r->seq, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

void qrec_count(struct qrec *r, uint32_t svc, uint16_t qtype, int family, const uint8_t *addr_in,
		uint8_t prefix, uint32_t epoch)
{
	uint8_t addr[16] = {0};
	size_t full, alen = family == AF_INET ? 4 : 16;
	struct qrec_slot *c = NULL, *least = NULL;
	uint64_t least_n = UINT64_MAX, a0, a1;

	if (prefix > alen * 8)
		prefix = (uint8_t)(alen * 8);
	full = prefix / 8u;
	memcpy(addr, addr_in, full);
	if (prefix % 8)
		addr[full] = addr_in[full] & (uint8_t)(0xff << (8 - prefix % 8));
	memcpy(&a0, addr, 8);
	memcpy(&a1, addr + 8, 8);
	uint64_t key = (uint64_t)svc << 32 | (uint64_t)qtype << 16 | (uint64_t)family << 8 | prefix;
	uint64_t h =
	    a0 * 0x9e3779b97f4a7c15ULL ^ a1 * 0xc2b2ae3d27d4eb4fULL ^ key * 0x165667b19e3779f9ULL;
	h ^= h >> 32;
	for (unsigned i = 0; i < QREC_PROBE; i++) {
		struct qrec_slot *s = &r->cells[(h + i) & (QREC_CELLS - 1)];
		if (s->key == key && s->a[0] == a0 && s->a[1] == a1) {
			c = s;
			break;
		}
		uint64_t n = s->key == 0 ? 0 : slot_count(s, epoch);
		if (n < least_n) {
			least = s;
			least_n = n;
		}
	}
	if (c == NULL) { /* a new cell: take the emptiest slot of the probe window */
		c = least;
		seq_bump(r);
		atomic_thread_fence(memory_order_release);
		c->key = key;
		c->a[0] = a0;
		c->a[1] = a1;
		atomic_store_explicit(&c->epoch, epoch, memory_order_relaxed);
		atomic_store_explicit(&c->cur, 0, memory_order_relaxed);
		atomic_store_explicit(&c->prev, 0, memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
		seq_bump(r);
	}
	uint32_t e = atomic_load_explicit(&c->epoch, memory_order_relaxed);
	if (e != epoch) { /* a new epoch: the current count becomes the previous one */
		uint32_t cur = atomic_load_explicit(&c->cur, memory_order_relaxed);
		atomic_store_explicit(&c->prev, e + 1 == epoch ? cur : 0, memory_order_relaxed);
		atomic_store_explicit(&c->cur, 0, memory_order_relaxed);
		atomic_store_explicit(&c->epoch, epoch, memory_order_relaxed);
	}
	/* the owner is the only writer: a load and a store, no locked read-modify-write */
	atomic_store_explicit(&c->cur, atomic_load_explicit(&c->cur, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

void qrec_foreach(uint32_t epoch, qrec_fn *fn, void *arg)
{
	struct qrec *r;

	pthread_mutex_lock(&tables_lock);
	r = tables;
	pthread_mutex_unlock(&tables_lock);
	for (; r != NULL; r = r->next) {
		for (size_t i = 0; i < QREC_CELLS; i++) {
			const struct qrec_slot *s = &r->cells[i];
			unsigned s1 = atomic_load_explicit(&r->seq, memory_order_acquire);
			if (s1 & 1)
				continue; /* being rewritten: its count is one answer at most */
			uint64_t key = s->key, a0 = s->a[0], a1 = s->a[1];
			uint64_t n = slot_count(s, epoch);
			atomic_thread_fence(memory_order_acquire);
			if (atomic_load_explicit(&r->seq, memory_order_relaxed) != s1 || key == 0 ||
			    n == 0)
				continue;
			struct qrec_cell c = {.svc = (uint32_t)(key >> 32),
					      .qtype = (uint16_t)(key >> 16),
					      .family = (uint8_t)(key >> 8),
					      .prefix = (uint8_t)key};
			memcpy(c.addr, &a0, 8);
			memcpy(c.addr + 8, &a1, 8);
			fn(&c, n, arg);
		}
	}
}
