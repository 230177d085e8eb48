/* SPDX-License-Identifier: Apache-2.0 */
/* test_health_override.c — override policy (undrain, region drains) and the state file */
#include "config.h"

#include "health_override.h"

#include "health.h"
#include "health_file.h"
#include "service.h"
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0 1700000000000ULL /* unix ms */

static const uint8_t www[] = "\3www\7example\3com";
static const uint8_t WWW[] = "\3WWW\7example\3COM";

static uint8_t v4[3][1][4] = { { { 192, 0, 2, 1 } }, { { 192, 0, 2, 2 } }, { { 192, 0, 2, 3 } } };
static struct region region = { .name = "eu" };
static struct member members[3];
static struct service svc;
static struct member_health pub[3];

/* A temporary directory per test, and the state file path in it. */
static char dir[64];
static char file[128];

static struct conf_health params(const char *state_file)
{
	return (struct conf_health){ .quorum = 1, .stale_after = 5.0, .grace = 30.0,
				     .default_up = true, .state_file = (char *)state_file,
				     .report_interval = 1.0, .max_clock_skew = 30.0 };
}

/* www.example.com with members 0..2 (one IPv4 address each) in slots 0..2, bound to s. */
static struct health_state *new_bound(const char *state_file)
{
	struct conf_health h = params(state_file);
	struct health_state *s = health_new(&h, 0);

	ck_assert_ptr_nonnull(s);
	for (uint32_t i = 0; i < 3; i++)
		members[i] = (struct member){ .index = i, .region = &region, .ipv4 = v4[i],
					      .nipv4 = 1, .health = i };
	svc = (struct service){ .name = (uint8_t *)www, .members = members, .nmembers = 3 };
	ck_assert_int_eq(health_bind(s, &svc, 1, pub, 3, T0), 0);
	return s;
}

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_health_override.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/overrides", dir);
}

static void remove_dir(void)
{
	char tmp[160];

	unlink(file);
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	unlink(tmp);
	ck_assert_int_eq(rmdir(dir), 0);
}

static void write_file(const char *text)
{
	FILE *f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void read_file(char *buf, size_t size)
{
	FILE *f = fopen(file, "r");

	ck_assert_ptr_nonnull(f);
	size_t len = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[len] = '\0';
}

/* Applies action a to member m of www, which must succeed with want in force. */
static void act(struct health_state *s, uint32_t m, enum health_override_action a,
		enum health_override want)
{
	enum health_override got = HEALTH_OVERRIDE_NONE;
	char err[256] = "";

	ck_assert_int_eq(health_override_member(s, www, mkey(m), a, &got, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(got, want);
	ck_assert_int_eq(health_override_get(s, www, mkey(m)), want);
}

START_TEST(names_and_words)
{
	ck_assert_str_eq(health_override_name(HEALTH_OVERRIDE_NONE), "none");
	ck_assert_str_eq(health_override_name(HEALTH_OVERRIDE_DOWN), "down");
	ck_assert_str_eq(health_override_name((enum health_override)9), "?");
	ck_assert_int_eq(health_override_parse("up"), HEALTH_OVERRIDE_UP);
	ck_assert_int_eq(health_override_parse("Up"), -EINVAL);
	ck_assert_int_eq(health_override_action_parse("drain"), HEALTH_ACTION_DRAIN);
	ck_assert_int_eq(health_override_action_parse("undrain"), HEALTH_ACTION_UNDRAIN);
	ck_assert_int_eq(health_override_action_parse("clear"), HEALTH_ACTION_CLEAR);
	ck_assert_int_eq(health_override_action_parse("none"), -EINVAL);
	ck_assert_int_eq(health_override_action_parse(""), -EINVAL);
}
END_TEST

START_TEST(undrain_only_clears_a_drain)
{
	struct health_state *s = new_bound("");
	enum health_override got = HEALTH_OVERRIDE_DRAIN;
	char err[256] = "";

	act(s, 0, HEALTH_ACTION_DRAIN, HEALTH_OVERRIDE_DRAIN);
	ck_assert(!member_health_up(&pub[0]));
	ck_assert(member_health_drained(&pub[0]));
	act(s, 0, HEALTH_ACTION_UNDRAIN, HEALTH_OVERRIDE_NONE);
	ck_assert(member_health_up(&pub[0]));
	ck_assert(!member_health_drained(&pub[0]));
	/* undrain on a member without override is a no-op, not an error */
	act(s, 0, HEALTH_ACTION_UNDRAIN, HEALTH_OVERRIDE_NONE);

	/* a forced member stays forced */
	act(s, 1, HEALTH_ACTION_DOWN, HEALTH_OVERRIDE_DOWN);
	ck_assert(!member_health_up(&pub[1]));
	ck_assert(!member_health_drained(&pub[1]));
	ck_assert_int_eq(health_override_member(s, www, mkey(1), HEALTH_ACTION_UNDRAIN, &got, err,
						sizeof(err)),
			 -EBUSY);
	ck_assert_str_eq(err, "member is forced down, not drained (use clear)");
	ck_assert_int_eq(health_override_get(s, www, mkey(1)), HEALTH_OVERRIDE_DOWN);
	ck_assert(!member_health_up(&pub[1]));
	act(s, 1, HEALTH_ACTION_UP, HEALTH_OVERRIDE_UP);
	ck_assert_int_eq(health_override_member(s, WWW, mkey(1), HEALTH_ACTION_UNDRAIN, &got, err,
						sizeof(err)),
			 -EBUSY);
	ck_assert_str_eq(err, "member is forced up, not drained (use clear)");
	act(s, 1, HEALTH_ACTION_CLEAR, HEALTH_OVERRIDE_NONE);
	/* drain wins over a force, and clear clears a drain too */
	act(s, 2, HEALTH_ACTION_UP, HEALTH_OVERRIDE_UP);
	act(s, 2, HEALTH_ACTION_DRAIN, HEALTH_OVERRIDE_DRAIN);
	act(s, 2, HEALTH_ACTION_CLEAR, HEALTH_OVERRIDE_NONE);
	ck_assert(member_health_up(&pub[2]));
	health_free(s);
}
END_TEST

START_TEST(region_drain_and_undrain)
{
	struct health_member_ref refs[3];
	struct health_state *s;
	size_t changed = 99, forced = 99;
	char err[256] = "";
	char text[512];

	make_dir();
	s = new_bound(file);
	for (uint32_t i = 0; i < 3; i++) {
		memcpy(refs[i].service, www, sizeof(www));
		snprintf(refs[i].member, sizeof(refs[i].member), "#%u", i);
	}
	act(s, 1, HEALTH_ACTION_DOWN, HEALTH_OVERRIDE_DOWN);
	act(s, 2, HEALTH_ACTION_DRAIN, HEALTH_OVERRIDE_DRAIN);

	/* drain: every member drained, a force included (replaced, counted); the drained one
	 * is unchanged */
	ck_assert_int_eq(
	    health_override_region(s, refs, 3, true, NULL, &changed, &forced, err, sizeof(err)), 0);
	ck_assert_uint_eq(changed, 2);
	ck_assert_uint_eq(forced, 1);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(health_override_get(s, www, mkey((uint32_t)i)), HEALTH_OVERRIDE_DRAIN);
		ck_assert(member_health_drained(&pub[i]));
	}
	read_file(text, sizeof(text));
	/* in the order first set; a member without a name is written as its index */
	ck_assert_ptr_nonnull(strstr(text, "\nwww.example.com. 1 drain\n"
					   "www.example.com. 2 drain\n"
					   "www.example.com. 0 drain\n"));

	/* undrain: drains cleared, a force kept and counted */
	act(s, 1, HEALTH_ACTION_UP, HEALTH_OVERRIDE_UP);
	ck_assert_int_eq(
	    health_override_region(s, refs, 3, false, NULL, &changed, &forced, err, sizeof(err)), 0);
	ck_assert_uint_eq(changed, 2);
	ck_assert_uint_eq(forced, 1);
	ck_assert_int_eq(health_override_get(s, www, mkey(0)), HEALTH_OVERRIDE_NONE);
	ck_assert_int_eq(health_override_get(s, www, mkey(1)), HEALTH_OVERRIDE_UP);
	ck_assert_int_eq(health_override_get(s, www, mkey(2)), HEALTH_OVERRIDE_NONE);
	ck_assert(member_health_up(&pub[0]) && !member_health_drained(&pub[0]));
	read_file(text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "\nwww.example.com. 1 up\n"));
	ck_assert_ptr_null(strstr(text, " drain\n"));

	/* nothing to change: no error, nothing counted */
	ck_assert_int_eq(
	    health_override_region(s, refs, 3, false, NULL, &changed, &forced, err, sizeof(err)), 0);
	ck_assert_uint_eq(changed, 0);
	ck_assert_uint_eq(forced, 1);
	ck_assert_int_eq(health_override_region(s, refs, 0, true, NULL, &changed, &forced, err,
						sizeof(err)),
			 0);
	ck_assert_uint_eq(changed, 0);

	/* an unwritable file: the drain is in force, the error says it is not saved */
	remove_dir();
	ck_assert_int_lt(
	    health_override_region(s, refs, 3, true, NULL, &changed, &forced, err, sizeof(err)), 0);
	ck_assert_uint_eq(changed, 3);
	ck_assert_str_eq(err, "overrides are in force but not saved to health.state_file: "
			      "No such file or directory");
	ck_assert_int_eq(health_override_get(s, www, mkey(1)), HEALTH_OVERRIDE_DRAIN);
	enum health_override got;
	ck_assert_int_lt(health_override_member(s, www, mkey(0), HEALTH_ACTION_DOWN, &got, err,
						sizeof(err)),
			 0);
	ck_assert_int_eq(got, HEALTH_OVERRIDE_DOWN);
	ck_assert_str_eq(err, "override down is in force but not saved to health.state_file: "
			      "No such file or directory");
	ck_assert_int_eq(health_override_get(s, www, mkey(0)), HEALTH_OVERRIDE_DOWN);
	health_free(s);
}
END_TEST

/* "seq what (was W) origin\n" appended to arg */
static void trail_line(const struct health_history *h, void *arg)
{
	char *t = arg;

	snprintf(t + strlen(t), 1024 - strlen(t), "%llu %s (was %s) %s\n",
		 (unsigned long long)h->seq, h->what, h->was, h->meta.origin);
}

START_TEST(state_file_round_trip)
{
	static const uint8_t other[] = "\5other\7example\3com";
	struct health_state *s;
	char err[512];
	char text[512];

	make_dir();
	s = new_bound(file);
	/* no file yet: no overrides, no error; a save writes the header alone */
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(health_file_save(s), 0);
	read_file(text, sizeof(text));
	ck_assert_str_eq(text,
			 "# gslb health state (written by gslbd). Overrides: service member-name "
			 "drain|up|down\n"
			 "# warm votes: target service member address|- up|down grace_start_ms,\n"
			 "# then its votes: vote prober up|down received_ms rtt_us|- "
			 "load_permille|-\n"
			 "# history (gslbctl history): history origin revision was what at= who= "
			 "why=\n");
	ck_assert_int_eq(health_override_set(s, WWW, mkey(0), HEALTH_OVERRIDE_DRAIN), 0);
	ck_assert_int_eq(health_override_set(s, www, mkey(2), HEALTH_OVERRIDE_UP), 0);
	ck_assert_int_eq(health_override_set(s, other, mkey(4000000000u), HEALTH_OVERRIDE_DOWN), 0);
	health_free(s);

	/* a restart: the same overrides, published to the bound members */
	s = new_bound(file);
	ck_assert(member_health_up(&pub[0]));
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(health_override_get(s, www, mkey(0)), HEALTH_OVERRIDE_DRAIN);
	ck_assert_int_eq(health_override_get(s, www, mkey(1)), HEALTH_OVERRIDE_NONE);
	ck_assert_int_eq(health_override_get(s, WWW, mkey(2)), HEALTH_OVERRIDE_UP);
	ck_assert_int_eq(health_override_get(s, other, mkey(4000000000u)), HEALTH_OVERRIDE_DOWN);
	ck_assert(!member_health_up(&pub[0]));
	ck_assert(member_health_drained(&pub[0]));
	/* and the audit trail of gslbctl history, oldest first */
	char trail[1024] = "";
	health_lock(s);
	health_foreach_history(s, trail_line, trail);
	health_unlock(s);
	ck_assert_str_eq(trail, "1 www.example.com. #0 drain (was none) local\n"
				"2 www.example.com. #2 up (was none) local\n"
				"3 other.example.com. #4000000000 down (was none) local\n");
	/* a bad history line costs that line only */
	write_file("www.example.com. 1 down\nhistory local 0 none\n"
		   "history etcd 12 drain www.example.com.%20a%20none at=1700000000000 who=ops\n");
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(health_override_get(s, www, mkey(1)), HEALTH_OVERRIDE_DOWN);
	trail[0] = '\0';
	health_lock(s);
	health_foreach_history(s, trail_line, trail);
	health_unlock(s);
	ck_assert_ptr_nonnull(strstr(trail, "1 www.example.com. a none (was drain) etcd\n"));
	ck_assert_ptr_nonnull(strstr(trail, "4 other.example.com. #4000000000 down"));

	/* a file written by hand: comments, blanks, any case; it replaces what is in memory */
	write_file("# by hand\n\n  WWW.Example.COM.   1 down # forced\n");
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(health_override_get(s, www, mkey(0)), HEALTH_OVERRIDE_NONE);
	ck_assert_int_eq(health_override_get(s, www, mkey(1)), HEALTH_OVERRIDE_DOWN);
	ck_assert_int_eq(health_override_get(s, other, mkey(4000000000u)), HEALTH_OVERRIDE_NONE);
	ck_assert(member_health_up(&pub[0]));
	ck_assert(!member_health_up(&pub[1]));
	ck_assert_int_eq(health_file_save(s), 0);
	read_file(text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "\nwww.example.com. 1 down\n"));

	/* the file gone: a missing file is no override, and keeps those in memory */
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(health_override_get(s, www, mkey(1)), HEALTH_OVERRIDE_DOWN);
	health_free(s);
	remove_dir();
}
END_TEST

static void victim_intact(const char *victim)
{
	char buf[64] = "";
	FILE *f = fopen(victim, "r");

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "precious\n");
}

/* gslbd may run as an unprivileged user in a directory others can write to: a symlink
 * planted at the state file or at the old fixed temporary name must never be followed. */
START_TEST(state_file_symlinks)
{
	struct health_state *s;
	char victim[160], tmp[160], err[512];
	struct stat st;

	make_dir();
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	FILE *f = fopen(victim, "w");
	ck_assert_ptr_nonnull(f);
	fputs("precious\n", f);
	fclose(f);
	s = new_bound(file);
	ck_assert_int_eq(health_override_set(s, www, mkey(0), HEALTH_OVERRIDE_DRAIN), 0);

	/* at the temporary name of old */
	ck_assert_int_eq(symlink(victim, tmp), 0);
	ck_assert_int_eq(health_file_save(s), 0);
	victim_intact(victim);
	ck_assert_int_eq(lstat(file, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	ck_assert_int_eq(unlink(tmp), 0);

	/* at the file: the load refuses it, a save replaces the link, not its target */
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_int_eq(symlink(victim, file), 0);
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), -ELOOP);
	ck_assert(err[0]);
	ck_assert_ptr_nonnull(strstr(err, ": cannot open: is a symbolic link"));
	ck_assert_int_eq(health_override_get(s, www, mkey(0)), HEALTH_OVERRIDE_DRAIN);
	ck_assert_int_eq(health_file_save(s), 0);
	victim_intact(victim);
	ck_assert_int_eq(lstat(file, &st), 0);
	ck_assert(S_ISREG(st.st_mode));

	/* no temporary file is left behind: the directory holds the file and the victim */
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(n, 2);
	health_free(s);
	unlink(victim);
	remove_dir();
}
END_TEST

/* Loads text as the state file: it must fail with message want (after "FILE"), leaving
 * member 0 drained and member 1 forced up as before. */
static void refused(struct health_state *s, const char *text, int ret, const char *want)
{
	char err[512], *full = NULL;

	if (text != NULL)
		write_file(text);
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), ret);
	ck_assert(err[0]);
	ck_assert_int_ge(asprintf(&full, "%s%s", file, want), 0);
	ck_assert_str_eq(err, full);
	free(full);
	ck_assert_int_eq(health_override_get(s, www, mkey(0)), HEALTH_OVERRIDE_DRAIN);
	ck_assert_int_eq(health_override_get(s, www, mkey(1)), HEALTH_OVERRIDE_UP);
	ck_assert_int_eq(health_override_get(s, www, mkey(2)), HEALTH_OVERRIDE_NONE);
	ck_assert(member_health_drained(&pub[0]));
	ck_assert(member_health_up(&pub[1]));
}

START_TEST(corrupt_file_keeps_state)
{
	char longline[1400];
	struct health_state *s;

	make_dir();
	s = new_bound(file);
	ck_assert_int_eq(health_override_set(s, www, mkey(0), HEALTH_OVERRIDE_DRAIN), 0);
	ck_assert_int_eq(health_override_set(s, www, mkey(1), HEALTH_OVERRIDE_UP), 0);

	/* the good lines before the bad one are not applied either */
	refused(s, "www.example.com. 2 down\nwww.example.com. 0 sideways\n", -EINVAL,
		":2: override: want drain, up or down");
	refused(s, "www.example.com. 2 none\n", -EINVAL, ":1: override: want drain, up or down");
	refused(s, "# c\nwww.example.com. 2\n", -EINVAL,
		":2: line: want \"<service> <member name> drain|up|down\"");
	refused(s, "www.example.com. 2 down extra\n", -EINVAL,
		":1: meta: want at=<unix ms> expires=<unix ms> who=<text> why=<text> after the "
		"override");
	refused(s, "www..example.com. 2 down\n", -EINVAL, ":1: service: bad domain name");
	refused(s, "www.example.com. 4294967296 down\n", -EINVAL, ":1: member: out of range");
	refused(s, "\x01\x02\x03\xff\n", -EINVAL,
		":1: line: want \"<service> <member name> drain|up|down\"");
	memset(longline, 'a', sizeof(longline) - 2);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = '\0';
	refused(s, longline, -EINVAL, ":1: line: too long");
	/* a directory in its place opens but cannot be read */
	ck_assert_int_eq(unlink(file), 0);
	ck_assert_int_eq(mkdir(file, 0700), 0);
	refused(s, NULL, -EIO, ": cannot read");
	ck_assert_int_eq(rmdir(file), 0);
	/* and a good file after all that still loads */
	write_file("www.example.com. 2 drain\n");
	char err[512];
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(health_override_get(s, www, mkey(0)), HEALTH_OVERRIDE_NONE);
	ck_assert_int_eq(health_override_get(s, www, mkey(2)), HEALTH_OVERRIDE_DRAIN);
	health_free(s);
	remove_dir();
}
END_TEST

/* Overrides follow member names: an index from an old state file gets the name of the member
 * at that index at the first bind, and the drain stays with that name when members move. */
START_TEST(names_follow_reordering)
{
	struct member named[3];
	char *names[3] = { "ams", "fra", "lon" };
	struct health_state *s;
	char err[512] = "";
	char text[512];

	make_dir();
	write_file("www.example.com. 1 drain\n"); /* written before members had names */
	struct conf_health h = params(file);
	s = health_new(&h, 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(health_file_load(s, T0, NULL, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < 3; i++)
		named[i] = (struct member){ .index = i, .name = names[i], .region = &region,
					    .ipv4 = v4[i], .nipv4 = 1, .health = i };
	svc = (struct service){ .name = (uint8_t *)www, .members = named, .nmembers = 3 };
	ck_assert_int_eq(health_bind(s, &svc, 1, pub, 3, T0), 0);
	ck_assert_int_eq(health_override_get(s, www, "fra"), HEALTH_OVERRIDE_DRAIN);
	ck_assert(member_health_drained(&pub[1]) && !member_health_drained(&pub[0]));
	ck_assert_int_eq(health_file_save(s), 0);
	read_file(text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "\nwww.example.com. fra drain\n"));

	/* fra moves to the end of the list: its drain goes with it */
	named[1].name = "lon";
	named[2].name = "fra";
	ck_assert_int_eq(health_bind(s, &svc, 1, pub, 3, T0), 0);
	ck_assert(member_health_drained(&pub[2]));
	ck_assert(!member_health_drained(&pub[1]) && !member_health_drained(&pub[0]));
	/* a member that leaves keeps its override for when it comes back */
	svc.nmembers = 2;
	ck_assert_int_eq(health_bind(s, &svc, 1, pub, 2, T0), 0);
	ck_assert_int_eq(health_override_get(s, www, "fra"), HEALTH_OVERRIDE_DRAIN);
	health_free(s);
	remove_dir();
}
END_TEST

UNIT_SUITE("health_override", { "names_follow_reordering", names_follow_reordering },
	   { "names_and_words", names_and_words },
	   { "undrain_only_clears_a_drain", undrain_only_clears_a_drain },
	   { "region_drain_and_undrain", region_drain_and_undrain },
	   { "state_file_round_trip", state_file_round_trip },
	   { "corrupt_file_keeps_state", corrupt_file_keeps_state },
	   { "state_file_symlinks", state_file_symlinks })
