/* SPDX-License-Identifier: Apache-2.0 */
/* dns_client.h — the project's one DNS client: a c-ares channel on a libevent loop
 *
 * c-ares says which sockets it wants watched; each gets a libevent event that
 * hands readiness back to c-ares, and one timer drives c-ares' timeouts. A
 * client either asks one given server (the dns check, gslb-anycast asking
 * the local gslbd) or the system's resolvers from resolv.conf (host names in
 * URLs). One try per query, bounded by the client's timeout.
 *
 * Cancelling and freeing are silent: a callback runs only for a query that
 * finished, so a caller freeing its state with the client needs no orphan
 * bookkeeping. Everything runs on the loop's thread.
 */
#ifndef GSLB_DNS_CLIENT_H
#define GSLB_DNS_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct dns_client;

/* A client on base. server NULL = the system's resolvers (resolv.conf); else only server
 * (an IPv4 or IPv6 address and port, len bytes). timeout in seconds, one try. Returns NULL
 * with a message in err on failure. */
struct dns_client *dns_client_new(struct event_base *base, const struct sockaddr *server,
				  socklen_t len, double timeout, char *err, size_t errlen);

/* rcode >= 0 when a response came (ancount = its answer count, err NULL), else -1 and err
 * says why ("timeout", ...; valid during the call). */
typedef void (*dns_client_cb)(void *arg, int rcode, unsigned ancount, const char *err);

/* Sends qname (text, absolute or not: no search list is applied) class qclass type qtype;
 * cb runs once when it ends, unless dns_client_cancel or dns_client_free comes first. It
 * may run before this returns (a name c-ares rejects at once). Returns 0, or -ENOMEM (cb
 * is not called). */
int dns_client_query(struct dns_client *d, const char *qname, int qclass, int qtype,
		     dns_client_cb cb, void *arg);

/* sa is the first address of host (with port), or NULL with err saying why; both valid
 * during the call only. */
typedef void (*dns_client_addr_cb)(void *arg, const struct sockaddr *sa, socklen_t len,
				   const char *err);

/* Resolves host (a name or an address literal) to addresses with port (ares_getaddrinfo).
 * Same rules as dns_client_query; cb runs before this returns for an address literal or a
 * name in /etc/hosts. */
int dns_client_resolve(struct dns_client *d, const char *host, uint16_t port, dns_client_addr_cb cb,
		       void *arg);

/* Ends every pending query of d; their callbacks are not called. */
void dns_client_cancel(struct dns_client *d);

/* Cancels (silently) and frees d. NULL is fine. */
void dns_client_free(struct dns_client *d);

#endif
