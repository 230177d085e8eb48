/* SPDX-License-Identifier: Apache-2.0 */
/* gslbd.c — the daemon: options, startup, privilege drop, signals, reload */
#include "config.h"

#include "clock.h"
#include "conf.h"
#include "control.h"
#include "daemon.h"
#include "health.h"
#include "health_file.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "net_health.h"
#include "rrl.h"
#include "snapshot.h"
#include "store.h"
#include "zone.h"

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

struct daemon_state {
	char *conf_path; /* absolute: a daemon runs in / */
	char *pidfile;	 /* absolute, or NULL */
	struct event_base *base;
	struct net_udp *udp;
	struct net_tcp *tcp;
	char *listen_text; /* the addresses bound at startup, for the ready line */
	int threads;
	size_t answer_rows;	      /* answering threads: TCP + UDP workers (snapshot->answers) */
	struct control *control;      /* NULL when server.control is off or its default failed */
	char *control_text;	      /* server.control.listen at startup */
	char *user_text;	      /* server.user at startup */
	char *store_text;	      /* the store settings at startup (conf_store_text) */
	struct health_state *health;  /* operator overrides and probe votes, across reloads */
	struct net_health *health_rx; /* the probe report receiver feeding health */
	struct store *store;	      /* overrides in etcd (store.h), or NULL */
	struct metrics_daemon counters;
	pthread_mutex_t reload_lock; /* SIGHUP and the API reload one at a time */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gslbd [-tfdVh] [-c FILE] [-l stderr|syslog] [-p PIDFILE]\n"
		"  -c, --config FILE      configuration file (default %s)\n"
		"  -t, --test             check the configuration and zones, then exit\n"
		"  -f, --foreground       do not daemonize\n"
		"  -l, --log SINK         stderr or syslog (default: stderr in the foreground,\n"
		"                         syslog as a daemon)\n"
		"  -d, --debug            log debug events\n"
		"  -p, --pidfile FILE     write the daemon's pid to FILE\n"
		"  -V, --version          print the version\n"
		"  -h, --help             print this help\n",
		DAEMON_DEFAULT_CONF);
}

/* -p: the one option of gslbd's own */
static bool extra_opt(int ch, const char *value, void *ctx)
{
	const char **pidfile = ctx;

	if (ch != 'p')
		return false;
	*pidfile = value;
	return true;
}

static int parse_opts(int argc, char **argv, struct daemon_opts *o, const char **pidfile)
{
	static const struct option longopts[] = {
	    DAEMON_LONGOPTS,
	    {"pidfile", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	const struct daemon_prog prog = {
	    .name = "gslbd",
	    .optstring = "c:tfl:dp:Vh",
	    .longopts = longopts,
	    .usage = usage,
	    .extra = extra_opt,
	    .extra_ctx = pidfile,
	};

	*pidfile = NULL;
	return daemon_parse_opts(argc, argv, &prog, o);
}

/* Startup failure: logged, and also printed when the log goes to syslog
 * but stderr is still the operator's terminal. */
static void startup_error(bool to_stderr, const char *text)
{
	daemon_startup_error("gslbd", to_stderr, text);
}

/* Written after the drop, so that the unprivileged daemon can remove it at exit; never
 * through a symlink, which whoever can write the directory could plant. */
static int write_pidfile(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	char buf[32];
	int len, e;

	if (fd == -1) {
		e = errno;
		snprintf(err, errlen, "pidfile %s: %s", path,
			 e == ELOOP ? "is a symbolic link, refused" : strerror(e));
		return -e;
	}
	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)len) != len) {
		e = errno ? errno : EIO;
		close(fd);
		snprintf(err, errlen, "pidfile %s: %s", path, strerror(e));
		return -e;
	}
	close(fd);
	return 0;
}

/* One access() check for check_access: fills err and returns -1 when denied. */
static int need_access(const char *what, const char *path, int mode, char *err, size_t errlen)
{
	if (path == NULL || path[0] == '\0' || access(path, mode) == 0)
		return 0;
	snprintf(err, errlen, "%s %s: %s as uid %ld: %s (a reload or save would fail)", what, path,
		 mode & W_OK ? "not writable" : "not readable", (long)geteuid(), strerror(errno));
	return -1;
}

/* True when the account pw may create files in the directory st describes, from its mode,
 * owner and group against pw's uid and groups (no ACLs: for a user other than the current
 * one, whose access() cannot be asked without switching to it). */
static bool dir_mode_allows(const struct stat *st, const struct passwd *pw)
{
	gid_t groups[256];
	int n = (int)(sizeof(groups) / sizeof(groups[0]));

	if (pw->pw_uid == 0)
		return true;
	if (st->st_uid == pw->pw_uid)
		return (st->st_mode & (S_IWUSR | S_IXUSR)) == (S_IWUSR | S_IXUSR);
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		n = 0; /* more than 256 groups: the other bits decide */
	for (int i = 0; i < n; i++)
		if (groups[i] == st->st_gid)
			return (st->st_mode & (S_IWGRP | S_IXGRP)) == (S_IWGRP | S_IXGRP);
	return (st->st_mode & (S_IWOTH | S_IXOTH)) == (S_IWOTH | S_IXOTH);
}

/* health.state_file is written by every override (a temporary file renamed over it): its
 * directory must exist and be writable for the user gslbd runs as, user (server.user), or
 * the current one when user is NULL or "". Returns 0, or -1 with "file:line:
 * health.state_file: ..." and the fix in err. */
static int check_state_dir(const struct conf *c, const char *user, char *err, size_t errlen)
{
	const struct conf_health *h = &c->health;
	const char *at = h->state_file_at ? h->state_file_at : c->path;
	bool other = user != NULL && user[0] != '\0';
	const struct passwd *pw = other ? getpwnam(user) : getpwuid(geteuid());
	char name[64];
	const char *why = NULL;
	struct stat st;
	char *dir, *slash;
	int ret = 0;

	if (h->state_file == NULL || h->state_file[0] == '\0')
		return 0;
	if (other && pw != NULL && pw->pw_uid == geteuid())
		other = false; /* server.user is who we are: ask access() */
	/* an unknown server.user: the start says so; an unnamed current uid is still checked */
	if (other && pw == NULL)
		return 0;
	if (pw != NULL)
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "%ld", (long)geteuid());
	dir = strdup(h->state_file);
	slash = dir != NULL ? strrchr(dir, '/') : NULL; /* resolved by the loader: absolute */
	if (slash == NULL)
		goto out;
	slash[slash == dir ? 1 : 0] = '\0';
	if (stat(dir, &st) == -1)
		why = strerror(errno);
	else if (!S_ISDIR(st.st_mode))
		why = "not a directory";
	if (why != NULL) {
		snprintf(err, errlen,
			 "%s: health.state_file: directory %s: %s (create it for %s: install -d -o "
			 "%s %s)",
			 at, dir, why, name, name, dir);
		ret = -1;
	} else if (other ? !dir_mode_allows(&st, pw) : access(dir, W_OK | X_OK) != 0) {
		snprintf(
		    err, errlen,
		    "%s: health.state_file: directory %s is not writable by user %s (uid %ld), "
		    "which gslbd runs as: every override would fail to save (chown %s %s, or "
		    "put the file in a directory %s may write)",
		    at, dir, name, other ? (long)pw->pw_uid : (long)geteuid(), name, dir, name);
		ret = -1;
	}
out:
	free(dir);
	return ret;
}

/* After the drop: every file a reload reads and the directory an override save writes must
 * be open to the user gslbd now runs as, or the failure would come later, at a reload or a
 * drain, with the old state still serving. Returns 0 or -1 with the first file in err. */
static int check_access(const struct conf *c, const char *conf_path, char *err, size_t errlen)
{
	if (need_access("config", conf_path, R_OK, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < c->nzones; i++) {
		if (need_access("zone file", c->zones[i].file, R_OK, err, errlen) != 0)
			return -1;
		/* a reload reads the DNSSEC keys again, as the user gslbd runs as */
		for (size_t k = 0; k < c->zones[i].dnssec.nkeys; k++) {
			char *path = NULL;
			if (asprintf(&path, "%s.private", c->zones[i].dnssec.keys[k]) < 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			int r = need_access("dnssec key", path, R_OK, err, errlen);
			free(path);
			if (r != 0)
				return -1;
		}
	}
	for (size_t i = 0; i < c->health.nkeys; i++)
		if (need_access("health key", c->health.keys[i].secret_file, R_OK, err, errlen) !=
		    0)
			return -1;
	if (c->geoip.enabled &&
	    (need_access("geoip database", c->geoip.database, R_OK, err, errlen) != 0 ||
	     need_access("geoip database6", c->geoip.database6, R_OK, err, errlen) != 0))
		return -1;
	return check_state_dir(c, NULL, err, errlen);
}

static int run_test(const char *conf_path)
{
	char err[CONF_ERRLEN];
	struct snapshot *s = snapshot_build(conf_path, NULL, err, sizeof(err));

	if (s == NULL) {
		fprintf(stderr, "%s\n", err[0] ? err : "unknown error");
		return 1;
	}
	/* the drop happens only at start: check as the user the daemon will run as */
	if (check_state_dir(s->conf, s->conf->user, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		snapshot_free(s);
		return 1;
	}
	/* usable, so still ok (exit 0), but say what is likely wrong */
	if (s->warnings)
		fprintf(stderr, "%s\n", s->warnings);
	snapshot_free(s);
	printf("%s: ok\n", conf_path);
	return 0;
}

/* Switches to user after the sockets are bound. Returns 0 or -1 with a
 * message in err. */
static int drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw;

	if (user == NULL || user[0] == '\0') {
		if (geteuid() == 0)
			log_warn("event=running_as_root hint=\"set server.user\"");
		return 0;
	}
	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, errlen, "server.user: no such user '%s'", user);
		return -1;
	}
	if (geteuid() == pw->pw_uid && getegid() == pw->pw_gid)
		return 0;
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1) {
		snprintf(err, errlen, "server.user: cannot switch to '%s': %s", user,
			 strerror(errno));
		return -1;
	}
	if (setuid(0) != -1) {
		snprintf(err, errlen, "server.user: could regain root after switching to '%s'",
			 user);
		return -1;
	}
	log_info("event=privileges_dropped user=%s uid=%ld gid=%ld", user, (long)pw->pw_uid,
		 (long)pw->pw_gid);
	return 0;
}

/* Raises the descriptor limit to the hard one: every TCP client holds one,
 * and the default soft limit (1024) is below tcp.max_clients' range. */
static void raise_nofile(int max_clients)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)max_clients + 64)
		log_warn("event=low_fd_limit limit=%llu tcp_max_clients=%d",
			 (unsigned long long)rl.rlim_cur, max_clients);
}

static char *join_listen(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	size_t i;

	if (f == NULL)
		return NULL;
	for (i = 0; i < c->nlisten; i++)
		fprintf(f, "%s%s", i ? "," : "", c->listen[i].text);
	fclose(f);
	return buf;
}

/* The one reload, for SIGHUP (main thread) and POST /api/v1/reload (control
 * thread; control_reload_fn): builds a snapshot, binds the health state to
 * it and publishes it. Returns 0 and the new generation, or -EINVAL (-ENOMEM)
 * with the error lines in err (errlen bytes) while the old snapshot keeps
 * serving. Counted in the metrics either way. */
static int daemon_reload(void *arg, uint64_t *generation, unsigned *restart, char *err,
			 size_t errlen)
{
	struct daemon_state *d = arg;
	struct snapshot *s;
	char *listen;
	uint64_t began;
	int ret = 0;

	if (errlen)
		err[0] = '\0';
	pthread_mutex_lock(&d->reload_lock);
	began = clock_mono_us();
	atomic_store_explicit(&d->counters.last_reload, (int_least64_t)time(NULL),
			      memory_order_relaxed);
	log_info("event=reload_start conf=%s", d->conf_path);
	/* the published snapshot lends its unchanged zones; the reload lock keeps it alive (only
	 * a publish, below and behind the same lock, frees it) */
	s = snapshot_build(d->conf_path, snapshot_get(), err, errlen);
	if (s == NULL) {
		ret = -EINVAL;
		goto fail;
	}
	daemon_log_warnings("event=config_warning", s->warnings);
	/* before health_bind: from there on the health module writes into s */
	if (member_stats_init(&s->answers, d->answer_rows, s->nhealth) != 0) {
		snapshot_free(s);
		ret = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory for the answer counters", d->conf_path);
		goto fail;
	}
	if (d->health != NULL) {
		ret = health_configure(d->health, &s->conf->health);
		if (ret == 0)
			ret = health_bind(d->health, s->conf->services, s->conf->nservices,
					  s->health, s->nhealth, clock_wall_ms());
		if (ret != 0) {
			snapshot_free(s);
			snprintf(err, errlen, "%s: health: cannot carry the health state over: %s",
				 d->conf_path, strerror(-ret));
			goto fail;
		}
	}
	/* Sockets and threads are fixed at startup (privileges are gone). */
	*restart = 0;
	listen = join_listen(s->conf);
	if (listen != NULL && strcmp(listen, d->listen_text) != 0)
		*restart |= CONTROL_RESTART_LISTEN;
	if (s->conf->threads != d->threads)
		*restart |= CONTROL_RESTART_THREADS;
	if (net_health_listen_changed(d->health_rx, s->conf))
		*restart |= CONTROL_RESTART_HEALTH_LISTEN;
	if (strcmp(s->conf->control.listen_text, d->control_text) != 0)
		*restart |= CONTROL_RESTART_CONTROL_LISTEN;
	if (strcmp(s->conf->user, d->user_text) != 0)
		*restart |= CONTROL_RESTART_USER;
	/* the store keeps its settings (and its thread, watch and cache) until a restart */
	char *store = conf_store_text(&s->conf->store);
	if (store != NULL && strcmp(store, d->store_text) != 0)
		*restart |= CONTROL_RESTART_STORE;
	if (store != NULL)
		explicit_bzero(store, strlen(store)); /* it holds the password */
	free(store);
	free(listen);
	for (unsigned bit = 1; bit != 0 && bit <= *restart; bit <<= 1)
		if (*restart & bit)
			log_warn("event=reload note=restart_needed setting=%s",
				 control_restart_setting(bit));
	snapshot_publish(s);
	/* RRL buckets survive a reload unless the rrl section changed */
	if (rrl_configure(&s->conf->rrl) != 0)
		log_warn("event=reload note=rrl_unchanged error=\"out of memory\"");
	/* s stays valid: only a later reload, behind the same lock, frees it */
	*generation = s->generation;
	atomic_fetch_add_explicit(&d->counters.reloads_ok, 1, memory_order_relaxed);
	log_info("event=reload result=ok generation=%llu zones=%zu networks=%zu "
		 "zones_carried=%s zones_read=%s took_ms=%.1f",
		 (unsigned long long)s->generation, s->zones->nzones, s->conf->nnets,
		 s->zones_carried[0] ? s->zones_carried : "-",
		 s->zones_read[0] ? s->zones_read : "-", (double)(clock_mono_us() - began) / 1000);
	pthread_mutex_unlock(&d->reload_lock);
	return 0;
fail:
	atomic_fetch_add_explicit(&d->counters.reloads_failed, 1, memory_order_relaxed);
	if (errlen && !err[0])
		snprintf(err, errlen, "reload failed");
	daemon_log_lines("event=reload result=failed", err);
	pthread_mutex_unlock(&d->reload_lock);
	return ret;
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon_state *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		uint64_t gen;
		unsigned restart;
		char err[CONF_ERRLEN]; /* the main thread's stack: every line of a bad file */

		daemon_reload(d, &gen, &restart, err, sizeof(err));
		return;
	}
	daemon_stop(d->base, sig);
}

int main(int argc, char **argv)
{
	struct daemon_state d;
	struct daemon_opts o;
	const char *pidfile;
	struct snapshot *snap;
	struct event *sigev[3] = {NULL, NULL, NULL};
	char err[512];
	char serr[1024] = "";
	char berr[CONF_ERRLEN]; /* snapshot_build's: every line of a bad file */
	sigset_t all, old;
	bool use_syslog;
	int ready_fd = -1;
	int ret = 1;
	int r;

	if (parse_opts(argc, argv, &o, &pidfile) != 0)
		return 2;
	if (o.test)
		return run_test(o.conf_path);

	memset(&d, 0, sizeof(d));
	pthread_mutex_init(&d.reload_lock, NULL);
	use_syslog = daemon_log_open("gslbd", &o);
	signal(SIGPIPE, SIG_IGN);

	d.conf_path = daemon_absolute_path(o.conf_path);
	d.pidfile = pidfile != NULL ? daemon_absolute_path(pidfile) : NULL;
	if (d.conf_path == NULL || (pidfile != NULL && d.pidfile == NULL)) {
		startup_error(use_syslog, "out of memory");
		goto out;
	}
	snap = snapshot_build(d.conf_path, NULL, berr, sizeof(berr));
	if (snap == NULL) {
		startup_error(use_syslog, berr[0] ? berr : "cannot load the configuration");
		goto out;
	}
	daemon_log_warnings("event=config_warning", snap->warnings);
	d.threads = snap->conf->threads;
	/* Overrides persist in health.state_file: losing a drain at startup
	 * would send traffic to a member the operator took out, so a bad file
	 * stops the start. */
	d.health = health_new(&snap->conf->health, clock_wall_ms());
	if (d.health == NULL) {
		startup_error(use_syslog, "health: out of memory");
		snapshot_free(snap);
		goto out;
	}
	/* The votes saved with them start warm: the first answers leave out what the last
	 * reports said was down, and age out as if gslbd had never stopped. */
	if (health_file_load(d.health, clock_wall_ms(), NULL, serr, sizeof(serr)) != 0 ||
	    health_bind(d.health, snap->conf->services, snap->conf->nservices, snap->health,
			snap->nhealth, clock_wall_ms()) != 0) {
		startup_error(use_syslog, serr[0] ? serr : "health: out of memory");
		snapshot_free(snap);
		goto out;
	}
	/* the store's cache replaces the state file's overrides: etcd holds the fleet's */
	if (snap->conf->store.present) {
		d.store = store_new(&snap->conf->store, d.health, serr, sizeof(serr));
		if (d.store == NULL) {
			startup_error(use_syslog, serr);
			snapshot_free(snap);
			goto out;
		}
	}
	health_evaluate(d.health, clock_wall_ms());
	d.control_text = strdup(snap->conf->control.listen_text);
	d.user_text = strdup(snap->conf->user);
	d.store_text = conf_store_text(&snap->conf->store);
	raise_nofile(snap->conf->tcp_max_clients);
	d.listen_text = join_listen(snap->conf);
	/* TCP first: it binds without SO_REUSEPORT, so a port already served
	 * by another daemon fails here instead of being shared. */
	d.tcp = net_tcp_new(snap->conf, err, sizeof(err));
	if (d.tcp != NULL)
		d.udp = net_udp_new(snap->conf, err, sizeof(err));
	if (d.tcp == NULL || d.udp == NULL || d.listen_text == NULL || d.control_text == NULL ||
	    d.user_text == NULL || d.store_text == NULL) {
		startup_error(use_syslog,
			      d.control_text == NULL || d.user_text == NULL || d.store_text == NULL
				  ? "out of memory"
				  : err);
		snapshot_free(snap);
		goto out;
	}
	d.health_rx = net_health_new(snap->conf, d.health, err, sizeof(err));
	if (d.health_rx == NULL) {
		startup_error(use_syslog, err);
		snapshot_free(snap);
		goto out;
	}
	if (snap->conf->control.listen.len > 0) {
		struct control_params cp = {
		    .listen = &snap->conf->control.listen,
		    .udp = d.udp,
		    .tcp = d.tcp,
		    .health = d.health,
		    .store = d.store,
		    .health_rx = d.health_rx,
		    .daemon = &d.counters,
		    .reload = daemon_reload,
		    .reload_arg = &d,
		};

		d.control = control_new(&cp, err, sizeof(err));
		/* The default address may be taken by another instance on this
		 * host: serve DNS without the endpoint. An address written in the
		 * file must work. */
		if (d.control == NULL && snap->conf->control.listen_given) {
			startup_error(use_syslog, err);
			snapshot_free(snap);
			goto out;
		}
		if (d.control == NULL)
			log_warn("event=control_disabled error=\"%s\"", err);
	}

	if (!o.foreground) {
		ready_fd = daemon_detach(!use_syslog);
		if (ready_fd == -1) {
			log_err("event=startup_failed error=\"daemonize: %s\"", strerror(errno));
			snapshot_free(snap);
			goto out;
		}
	}
	r = drop_privileges(snap->conf->user, err, sizeof(err));
	/* nothing this process could exec gains privileges back (setuid bits, file caps) */
	if (r == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		snprintf(err, sizeof(err), "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		r = -1;
	}
	if (r == 0)
		r = check_access(snap->conf, d.conf_path, err, sizeof(err));
	if (r != 0) {
		startup_error(use_syslog && o.foreground, err);
		free(d.pidfile);
		d.pidfile = NULL; /* not ours to remove */
		snapshot_free(snap);
		goto out;
	}
	if (d.pidfile != NULL && write_pidfile(d.pidfile, err, sizeof(err)) != 0) {
		startup_error(use_syslog && o.foreground, err);
		free(d.pidfile);
		d.pidfile = NULL;
		snapshot_free(snap);
		goto out;
	}
	d.answer_rows = net_udp_workers(d.udp) + 1;
	if (member_stats_init(&snap->answers, d.answer_rows, snap->nhealth) != 0) {
		startup_error(use_syslog && o.foreground, "out of memory for the answer counters");
		snapshot_free(snap);
		goto out;
	}
	snapshot_publish(snap);
	if (rrl_configure(&snap->conf->rrl) != 0) {
		startup_error(use_syslog && o.foreground, "rrl: out of memory");
		goto out;
	}

	d.base = event_base_new();
	if (d.base == NULL) {
		startup_error(use_syslog && o.foreground, "event_base_new failed");
		goto out;
	}
	if (daemon_signals(d.base, signal_cb, &d, sigev) != 0) {
		startup_error(use_syslog && o.foreground, "cannot install signal handlers");
		goto out;
	}
	/* Workers inherit a full mask: signals reach only this thread's loop
	 * and never interrupt a worker's poll. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = net_udp_start(d.udp);
	if (r == 0)
		r = net_tcp_start(d.tcp);
	if (r == 0 && d.control != NULL)
		r = control_start(d.control);
	if (r == 0)
		r = net_health_start(d.health_rx);
	if (r == 0 && d.store != NULL)
		r = store_start(d.store);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		snprintf(err, sizeof(err), "cannot start threads: %s", strerror(-r));
		startup_error(use_syslog && o.foreground, err);
		goto out;
	}

	control_set_serving(d.control, true);
	log_info("event=ready listen=%s zones=%zu networks=%zu threads=%d generation=%llu "
		 "version=%s",
		 d.listen_text, snap->zones->nzones, snap->conf->nnets, d.threads,
		 (unsigned long long)snap->generation, PACKAGE_VERSION);
	daemon_ready(&ready_fd);
	event_base_dispatch(d.base);
	ret = 0;
out:
	/* /healthz turns 503 first, so that anycast withdraws before DNS stops */
	control_set_serving(d.control, false);
	net_udp_stop(d.udp);
	net_tcp_stop(d.tcp);
	control_free(d.control); /* reads the listeners' counters: before them */
	store_free(d.store);	 /* applies to the health state: before it */
	net_udp_free(d.udp);
	net_tcp_free(d.tcp);
	net_health_free(d.health_rx); /* feeds the health state: before it */
	/* the votes as they are now, for the next start (a clean stop loses nothing) */
	if (d.health != NULL && d.health_rx != NULL)
		(void)health_file_save(d.health);
	/* the health state writes into the snapshot's slots: gone first */
	health_free(d.health);
	rrl_shutdown(); /* after the UDP workers stopped */
	snapshot_shutdown();
	daemon_signals_free(sigev);
	if (d.base != NULL)
		event_base_free(d.base);
	if (d.pidfile != NULL)
		(void)unlink(d.pidfile);
	if (ret == 0)
		log_info("event=stopped");
	free(d.pidfile);
	free(d.conf_path);
	free(d.listen_text);
	free(d.control_text);
	free(d.user_text);
	if (d.store_text != NULL)
		explicit_bzero(d.store_text, strlen(d.store_text));
	free(d.store_text);
	pthread_mutex_destroy(&d.reload_lock);
	if (ready_fd != -1)
		close(ready_fd);
	return ret;
}
