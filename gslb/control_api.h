/* SPDX-License-Identifier: Apache-2.0 */
/* control_api.h — gslbd's /api/v1 handlers: state, stats, reload, member and region overrides
 *
 * The endpoint (control.c) routes, checks the method and the token, then calls one
 * handler here with the request's decoded path segments. Each handler answers JSON:
 * {"result":"ok",...} or the state on success, {"result":"failed","errors":[...]} with a
 * 4xx/5xx status otherwise. The handlers read the published snapshot under the RCU read
 * lock and leave it before anything slow (a reload, writing the state file).
 *
 *   GET  /api/v1/state    control_api_state
 *   GET  /api/v1/explain?name=NAME[&client=ADDR[/PREFIX]][&qtype=T]   control_api_explain
 *   POST /api/v1/whatif   control_api_whatif (changes nothing: a question in a JSON body)
 *   GET  /api/v1/flows    control_api_flows: where recorded clients are, which region answers
 *   GET  /api/v1/stats    control_api_stats: the figures gslbctl stats shows (metrics.h's
 *                         input as JSON, so a renamed metric cannot break the CLI)
 *   POST /api/v1/reload   control_api_reload
 *   POST /api/v1/members/SERVICE/MEMBER/ACTION  control_api_member (MEMBER: name or index)
 *   POST /api/v1/weights/region/REGION/N|clear, /api/v1/weights/member/SERVICE/MEMBER/N|clear
 *                                               control_api_weight
 *   POST /api/v1/regions/REGION/drain|undrain   control_api_region
 *
 * Every function runs on the control thread (an RCU reader).
 */
#ifndef GSLB_CONTROL_API_H
#define GSLB_CONTROL_API_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "control.h"

struct evhttp_connection;

/* A store write answers its request after the handler returned, once etcd has answered.
 * control.c tells when a connection is freed (the client hung up, header_timeout, or a
 * newcomer evicted it at max_clients), so that the answer is dropped instead of using the
 * request evhttp frees with it; and asks whether a connection waits for such an answer (its
 * request came whole: the header deadline does not close it). Control thread only. */
void control_api_conn_closed(struct evhttp_connection *evcon);
bool control_api_conn_waiting(const struct evhttp_connection *evcon);
/* How many answers wait for etcd on this control thread (control.c drains them at stop). */
size_t control_api_pending(void);

struct evhttp_request;
struct metrics_input;

/* Sends body (len bytes, copied) with status code, reason and Content-Type ctype, never
 * cached. */
void control_api_reply_text(struct evhttp_request *req, int code, const char *reason,
			    const char *ctype, const char *body, size_t len);
/* Sends {"result":"failed","errors":[message]} with status code. */
void control_api_reply_error(struct evhttp_request *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The snapshot, zones, regions, services with their members, health and overrides, and
 * the probers; serving is the endpoint's flag. 503 when no snapshot is published. */
void control_api_state(const struct control_params *p, bool serving, struct evhttp_request *req);
/* Explains the answer to the query the request's arguments describe (explain.h): 200 with
 * the explanation, 400 for a bad argument, 503 without a snapshot. */
void control_api_explain(const struct control_params *p, struct evhttp_request *req);
/* Replays the recorded (or given) clients with the change the JSON body describes:
 * {"down": ["REGION"|"SERVICE:INDEX",...], "drain": [...], "weight": {"REGION": N},
 * "clients": [["PREFIX", WEIGHT], ...]} (every key optional). 200 with whatif_json's
 * answer, 400 naming what is wrong. */
void control_api_whatif(const struct control_params *p, struct evhttp_request *req);
/* whatif_flows_json of the published snapshot (the largest 300): 200, or 503. */
void control_api_flows(const struct control_params *p, struct evhttp_request *req);
/* Runs p->reload: 200 with the generation, or 422 with the errors, one per line. */
void control_api_reload(const struct control_params *p, struct evhttp_request *req);
/* The 200 answer of a reload: {"result": "ok" or "restart_needed", "generation": N,
 * "restart_needed": [the settings of the CONTROL_RESTART_* bits of restart]}. The caller
 * owns the result. */
json_t *control_api_reload_json(uint64_t generation, unsigned restart);
/* Applies action (drain, undrain, up, down, clear: health_override.h) to member index of
 * service. 400 for a bad name or index, 404 for an unknown action, service or member, 409
 * for undrain on a forced member, 500 when the state file was not saved. p->health must
 * not be NULL. */
void control_api_member(const struct control_params *p, struct evhttp_request *req,
			const char *service, const char *member, const char *action);
/* GET /api/v1/history: the changes of operator state this gslbd applied since it started
 * (the last HEALTH_HISTORY), with their etcd revisions when from the store. */
void control_api_history(const struct control_params *p, struct evhttp_request *req);
/* Sets (value 0..1000000) or clears (value "clear") the runtime weight of a region (kind
 * "region", name the region, service unused) or of a member (kind "member", name its name or
 * index) for every site with a store, else this one (state file). 400 for a bad value, 404 for
 * an unknown region or member. p->health must not be NULL. */
void control_api_weight(const struct control_params *p, struct evhttp_request *req,
			const char *kind, const char *service, const char *name, const char *value);
/* Drains or undrains every member of region in the published snapshot. 404 for an unknown
 * action or region. p->health must not be NULL. */
void control_api_region(const struct control_params *p, struct evhttp_request *req,
			const char *region, const char *action);

/* The stats of in as JSON (new reference): in->snap NULL or held under the RCU read lock.
 *   version, serving, generation, age_seconds (null without a snapshot),
 *   dns: queries, dropped, truncated, edns, ecs, service_answers, fail_open,
 *        geofence_fallback: each {"udp","tcp","total"};
 *        responses: by rcode name (those with a mnemonic, others as RCODEn when non-zero);
 *        queries_by_type: by answer_qtype_names,
 *   transport: tcp {open, accepted, refused, idle_timeouts, bad_length},
 *              udp {recv_truncated, send_errors},
 *   reloads {ok, failed}, rrl {dropped, slipped},
 *   members {total, up, overridden (null without health state)} (null without a snapshot),
 *   answers_by_region: [{"region", "answers"}] in the order regions first appear among
 *   the services' members.
 * The same sums as metrics_render's families. */
json_t *control_api_stats_json(const struct metrics_input *in);
/* Answers control_api_stats_json of in, with in->snap and in->rrl taken from the published
 * snapshot (in->snap is NULL again on return). */
void control_api_stats(struct metrics_input *in, struct evhttp_request *req);

#endif
