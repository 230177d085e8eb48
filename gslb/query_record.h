/* SPDX-License-Identifier: Apache-2.0 */
/* query_record.h — where a service's queries come from, kept small for what-if replays
 *
 * Each answering thread counts its service answers per cell: service (its name's hash),
 * query type, and the client's subnet (the ECS subnet, or the resolver's address masked to
 * ecs_max_prefix: the granularity answers are tailored at). A thread's table has
 * QREC_CELLS cells in open addressing; when a new cell finds no room among QREC_PROBE
 * slots it replaces the one with the smallest count (the busy networks stay, a long tail
 * of one-off clients churns). Counts cover a sliding window of two epochs of
 * QREC_EPOCH_S seconds: the current epoch and the previous one.
 *
 * Threads: qrec_count is the query path: no lock, no allocation, called only by the
 * table's owner thread. Readers (the control thread, qrec_foreach) see counts through
 * relaxed atomics and a cell's identity through a seqlock, so a cell being replaced is
 * skipped, never read torn. Tables are registered once (qrec_new) and live until exit.
 */
#ifndef GSLB_QUERY_RECORD_H
#define GSLB_QUERY_RECORD_H

#include <stdatomic.h>
#include <stdint.h>

#define QREC_CELLS 4096 /* per thread; a power of two */
#define QREC_PROBE 8
#define QREC_EPOCH_S 300 /* the window is 1 to 2 epochs: 5 to 10 minutes */

/* One counted cell as readers see it (qrec_foreach). */
struct qrec_cell {
	uint32_t svc; /* qrec_service_hash of the service name */
	uint16_t qtype;
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t prefix;
	uint8_t addr[16]; /* masked to prefix */
};

/* A cell as stored: the identity packed in three words, so that a probe compares three
 * integers; key 0 is an empty slot (svc is never 0). */
struct qrec_slot {
	uint64_t key;  /* svc << 32 | qtype << 16 | family << 8 | prefix */
	uint64_t a[2]; /* the address, as stored bytes */
	atomic_uint_least32_t epoch, cur, prev;
};

struct qrec {
	atomic_uint seq; /* odd while the owner rewrites a slot's identity */
	struct qrec *next;
	struct qrec_slot cells[QREC_CELLS];
};

/* The key of a service in the records: a hash of its (lowercased wire) name, never 0,
 * so that counts survive a reload that renumbers the services. */
uint32_t qrec_service_hash(const uint8_t *name);

/* A new table, registered for qrec_foreach; NULL on ENOMEM. Any thread (once per worker). */
struct qrec *qrec_new(void);

/* The current epoch (monotonic time / QREC_EPOCH_S). */
uint32_t qrec_epoch(void);

/* Counts one answer of service svc (qrec_service_hash) for a client
 * subnet. Owner thread, query path. */
void qrec_count(struct qrec *r, uint32_t svc, uint16_t qtype, int family, const uint8_t *addr,
		uint8_t prefix, uint32_t epoch);

/* Calls fn for every non-empty cell of every registered table with its count in the window
 * ending at epoch (cells with 0 are skipped). Any thread. */
typedef void qrec_fn(const struct qrec_cell *c, uint64_t count, void *arg);
void qrec_foreach(uint32_t epoch, qrec_fn *fn, void *arg);

#endif
