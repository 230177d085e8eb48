/* SPDX-License-Identifier: Apache-2.0 */
/* test_anycast.c — gslb-anycast: rise/fall (probe_sm), BIRD replies and client, config section */
#include "config.h"

#include "anycast.h"

#include "conf.h"
#include "probe.h"
#include "unit.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define ZONE_FILE TEST_SRCDIR "/zones/example.com.zone"

/* gslb-anycast's rise/fall is the probe's machine, started withdrawn (down), rise 3, fall 2. */
static bool feed(struct probe_sm *sm, bool good)
{
	return probe_sm_result(sm, good, 3, 2, 1000);
}

START_TEST(fsm_rise_fall)
{
	struct probe_sm sm;

	probe_sm_init(&sm, false);
	ck_assert(!sm.up);
	ck_assert(!feed(&sm, true));
	ck_assert(!feed(&sm, true));
	ck_assert(feed(&sm, true)); /* third good round announces */
	ck_assert(sm.up);
	ck_assert(!feed(&sm, true));
	ck_assert(!feed(&sm, false));
	ck_assert(!feed(&sm, true)); /* one bad round between good ones: nothing */
	ck_assert(!feed(&sm, false));
	ck_assert(feed(&sm, false)); /* second bad in a row withdraws */
	ck_assert(!sm.up);
	ck_assert(!feed(&sm, true));
	ck_assert(!feed(&sm, false)); /* a bad round resets the good run */
	ck_assert(!feed(&sm, true));
	ck_assert(!feed(&sm, true));
	ck_assert(feed(&sm, true));
	ck_assert(sm.up);
	ck_assert_str_eq(anycast_state_name(ANYCAST_ANNOUNCED), "announced");
	ck_assert_str_eq(anycast_state_name(ANYCAST_WITHDRAWN), "withdrawn");
}
END_TEST

START_TEST(bird_parse)
{
	struct anycast_bird_reply r;
	const char *ok = "0011-gslb_anycast: enabled\n0000 \n";
	const char *multi = "2002-Name Proto\n1002-device1 Device\n gslb_anycast Static\n0000 \n";
	const char *err = "9001 syntax error, unexpected \"x\"\n";

	ck_assert_int_eq(anycast_bird_parse(ok, strlen(ok), &r), 1);
	ck_assert_int_eq(r.state_code, 11);
	ck_assert_int_eq(r.final_code, 0);
	ck_assert_int_eq(r.error_code, 0);
	ck_assert_str_eq(r.text, "gslb_anycast: enabled");
	ck_assert_int_eq(anycast_bird_parse(ok, 10, &r), 0);            /* cut in a line */
	ck_assert_int_eq(anycast_bird_parse(ok, 27, &r), 0);            /* only the "-" line */
	ck_assert_int_eq(anycast_bird_parse(multi, strlen(multi), &r), 1);
	ck_assert_int_eq(r.state_code, 0);
	ck_assert_int_eq(anycast_bird_parse(err, strlen(err), &r), 1);
	ck_assert_int_eq(r.error_code, 9001);
	ck_assert_str_eq(r.text, "syntax error, unexpected 'x'");
	ck_assert_int_eq(anycast_bird_parse("HTTP/1.1 200 OK\n", 16, &r), -EPROTO);
	ck_assert_int_eq(anycast_bird_parse("00a1 x\n", 7, &r), -EPROTO);
}
END_TEST

/* A fake BIRD: accepts `conns` connections one after the other; on each it greets, reads
 * one command (appended to got), and answers "NAME: enabled/disabled" as BIRD does, or
 * the canned reply when one is set. */
struct fake_bird {
	int lfd;
	int conns;
	const char *reply;
	char got[256];
	char dir[32];
	char path[108];
};

static void fake_bird_answer(struct fake_bird *b, int fd)
{
	char cmd[128], reply[192];
	ssize_t n;

	if (write(fd, "0001 BIRD 2.0.12 ready.\n", 24) != 24)
		return;
	n = read(fd, cmd, sizeof(cmd) - 1);
	if (n <= 0)
		return;
	cmd[n] = '\0';
	strncat(b->got, cmd, sizeof(b->got) - strlen(b->got) - 1);
	if (b->reply) {
		snprintf(reply, sizeof(reply), "%s", b->reply);
	} else {
		bool enable = strncmp(cmd, "enable ", 7) == 0;
		const char *name = strchr(cmd, ' ') + 1;

		snprintf(reply, sizeof(reply), "%04d-%.*s: %s\n0000 \n", enable ? 11 : 9,
			 (int)strcspn(name, "\n"), name, enable ? "enabled" : "disabled");
	}
	if (write(fd, reply, strlen(reply)) < 0)
		return;
}

static void *fake_bird_run(void *arg)
{
	struct fake_bird *b = arg;

	for (int i = 0; i < b->conns; i++) {
		int fd = accept(b->lfd, NULL, NULL);

		if (fd == -1)
			return NULL;
		fake_bird_answer(b, fd);
		close(fd);
	}
	return NULL;
}

static void fake_bird_start(struct fake_bird *b, pthread_t *t)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	snprintf(b->dir, sizeof(b->dir), "/tmp/test_anycast.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(b->dir));
	snprintf(b->path, sizeof(b->path), "%s/bird.ctl", b->dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", b->path);
	b->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ne(b->lfd, -1);
	ck_assert_int_eq(bind(b->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(b->lfd, 4), 0);
	ck_assert_int_eq(pthread_create(t, NULL, fake_bird_run, b), 0);
}

static void fake_bird_stop(struct fake_bird *b, pthread_t t)
{
	pthread_join(t, NULL);
	close(b->lfd);
	unlink(b->path);
	rmdir(b->dir);
}

static int bird_exchange(const char *reply, bool announce, char *got, size_t gotsize,
			 struct anycast_bird_reply *r)
{
	struct fake_bird b = { .conns = 1, .reply = reply };
	pthread_t t;
	int ret;

	fake_bird_start(&b, &t);
	ret = anycast_bird_set(b.path, "gslb_anycast", announce, 2.0, r);
	fake_bird_stop(&b, t);
	memcpy(got, b.got, gotsize < sizeof(b.got) ? gotsize : sizeof(b.got));
	got[gotsize - 1] = '\0';
	return ret;
}

START_TEST(bird_client)
{
	struct anycast_bird_reply r;
	char got[128];

	ck_assert_int_eq(bird_exchange("0011-gslb_anycast: enabled\n0000 \n", true, got,
				       sizeof(got), &r), 0);
	ck_assert_str_eq(got, "enable gslb_anycast\n");
	ck_assert_int_eq(bird_exchange("0008-gslb_anycast: already disabled\n0000 \n", false,
				       got, sizeof(got), &r), 0);
	ck_assert_str_eq(got, "disable gslb_anycast\n");
	/* A reply that does not confirm the asked state is a refusal. */
	ck_assert_int_eq(bird_exchange("0009-gslb_anycast: disabled\n0000 \n", true, got,
				       sizeof(got), &r), -EINVAL);
	ck_assert_int_eq(bird_exchange("9001 syntax error\n", true, got, sizeof(got), &r),
			 -EINVAL);
	ck_assert_int_eq(r.error_code, 9001);
	ck_assert_int_eq(bird_exchange("hello\n", true, got, sizeof(got), &r), -EPROTO);
	/* No BIRD at all. */
	ck_assert_int_eq(anycast_bird_set("/nonexistent/bird.ctl", "p", true, 1.0, &r), -ENOENT);
}
END_TEST

static struct conf *load_text(const char *body, char **err)
{
	char path[] = "/tmp/test_anycast_conf.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct conf *c;

	ck_assert_int_ne(fd, -1);
	f = fdopen(fd, "w");
	fprintf(f,
		"server: { listen = [\"127.0.0.1:5300\"]; };\n"
		"zones = ( { name = \"example.com\"; file = \"%s\"; } );\n%s",
		ZONE_FILE, body);
	fclose(f);
	char buf[CONF_ERRLEN];
	c = conf_load(path, CONF_S_GSLB_ANYCAST, buf, sizeof(buf));
	*err = c ? NULL : strdup(buf);
	unlink(path);
	return c;
}

START_TEST(conf_section)
{
	char *err = NULL;
	struct conf *c = load_text("", &err);

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert(!c->anycast.present);
	conf_free(c);

	c = load_text("anycast: { prefixes = [\"192.0.2.53/32\", \"2001:db8:53::53/128\"]; };\n",
		      &err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert(c->anycast.present);
	ck_assert_uint_eq(c->anycast.nprefixes, 2);
	ck_assert_str_eq(c->anycast.bird_socket, "/run/bird/bird.ctl");
	ck_assert_uint_eq(c->anycast.nbird_protocols, 1);
	ck_assert_str_eq(c->anycast.bird_protocols[0], "gslb_anycast");
	ck_assert_str_eq(c->anycast.probe_name, "example.com"); /* the first zone */
	ck_assert_double_eq_tol(c->anycast.interval, 0.2, 1e-9);
	ck_assert_double_eq_tol(c->anycast.timeout, 0.5, 1e-9);
	ck_assert_int_eq(c->anycast.rise, 3);
	ck_assert_int_eq(c->anycast.fall, 2);
	ck_assert_double_eq(c->anycast.max_snapshot_age, 0); /* no limit */
	conf_free(c);

	c = load_text("anycast: { prefixes = [\"192.0.2.1/24\"]; bird_protocol = \"a-b\"; };\n",
		      &err);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, "anycast.prefixes[0]: bad prefix \"192.0.2.1/24\""));
	ck_assert_ptr_nonnull(strstr(err, "anycast.bird_protocol: \"a-b\" is not a BIRD"));
	free(err);
	err = NULL;
	c = load_text("anycast: { rise = 0; };\n", &err);
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, "anycast.rise"));
	free(err);
	c = load_text("anycast: { max_snapshot_age = -1.0; };\n", &err);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, ":3: anycast.max_snapshot_age: -1 is out of range") != NULL, "%s",
		      err);
	free(err);
}
END_TEST

/* bird_protocol: one name, or one per address family (BIRD 2 channels are per family). */
START_TEST(conf_protocols)
{
	char *err = NULL;
	struct conf *c = load_text("anycast: { bird_protocol = \"v4_only\"; };\n", &err);

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->anycast.nbird_protocols, 1);
	ck_assert_str_eq(c->anycast.bird_protocols[0], "v4_only");
	conf_free(c);
	c = load_text("anycast: { bird_protocol = [ \"gslb_anycast4\", \"gslb_anycast6\" ]; };\n",
		      &err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->anycast.nbird_protocols, 2);
	ck_assert_str_eq(c->anycast.bird_protocols[0], "gslb_anycast4");
	ck_assert_str_eq(c->anycast.bird_protocols[1], "gslb_anycast6");
	conf_free(c);

	c = load_text("anycast: { bird_protocol = [ \"ok\", \"not ok\" ]; };\n", &err);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, ":3: anycast.bird_protocol[1]: \"not ok\" is not a BIRD") != NULL,
		      "%s", err);
	free(err);
	c = load_text("anycast: { bird_protocol = [ \"p\", \"p\" ]; };\n", &err);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "anycast.bird_protocol[1]: \"p\" is listed twice") != NULL, "%s",
		      err);
	free(err);
	c = load_text("anycast: { bird_protocol = []; };\n", &err);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "anycast.bird_protocol: needs at least 1 entry") != NULL, "%s",
		      err);
	free(err);
	c = load_text("anycast: { bird_protocol = 4; };\n", &err);
	ck_assert_ptr_null(c);
	ck_assert_msg(strstr(err, "anycast.bird_protocol: expected a string or an array of "
				  "strings, got an integer") != NULL,
		      "%s", err);
	free(err);
}
END_TEST

/* At start gslb-anycast withdraws every protocol it drives, in the listed order. */
START_TEST(start_withdraws_all)
{
	struct fake_bird b = { .conns = 2 };
	struct event_base *base = event_base_new();
	char body[512], *err = NULL, msg[256];
	struct anycast *a;
	struct conf *c;
	pthread_t t;

	ck_assert_ptr_nonnull(base);
	fake_bird_start(&b, &t);
	snprintf(body, sizeof(body),
		 "anycast: { bird_socket = \"%s\"; bird_protocol = [ \"gslb_anycast4\", "
		 "\"gslb_anycast6\" ]; };\n",
		 b.path);
	c = load_text(body, &err);
	ck_assert_msg(c != NULL, "%s", err);
	a = anycast_new(base, c, msg, sizeof(msg));
	ck_assert_msg(a != NULL, "%s", msg);
	fake_bird_stop(&b, t);
	ck_assert_str_eq(b.got, "disable gslb_anycast4\ndisable gslb_anycast6\n");
	ck_assert_str_eq(anycast_protocols(a), "gslb_anycast4,gslb_anycast6");
	ck_assert_int_eq(anycast_state(a), ANYCAST_WITHDRAWN);
	anycast_free(a);
	conf_free(c);
	event_base_free(base);
}
END_TEST

UNIT_SUITE("anycast", {"fsm_rise_fall", fsm_rise_fall}, {"bird_parse", bird_parse},
	   {"bird_client", bird_client}, {"conf_section", conf_section},
	   {"conf_protocols", conf_protocols}, {"start_withdraws_all", start_withdraws_all})
