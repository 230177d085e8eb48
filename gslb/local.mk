# gslb/ — libgslb (shared with the probe) and the gslbd daemon
noinst_LIBRARIES += libgslb.a
libgslb_a_SOURCES = \
	gslb/log.c gslb/log.h gslb/clock.h \
	gslb/dname.c gslb/dname.h \
	gslb/wire.c gslb/wire.h \
	gslb/conf.c gslb/conf.h gslb/conf_schema.h gslb/conf_health.c gslb/conf_service.c \
	gslb/conf_rrl.c \
	gslb/zone_load.c gslb/zone.c gslb/zone.h \
	gslb/render.c gslb/render.h \
	gslb/answer.c gslb/answer.h gslb/answer_service.c gslb/answer_service.h \
	gslb/snapshot.c gslb/snapshot.h gslb/member_stats.c gslb/member_stats.h \
	gslb/report.c gslb/report.h \
	gslb/rrl.c gslb/rrl.h \
	gslb/health.c gslb/health.h \
	gslb/daemon.c gslb/daemon.h \
	gslb/http_client.c gslb/http_client.h
libgslb_a_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS) $(LIBCONFIG_CFLAGS) $(URCU_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)

GSLB_LIBS = libgslb.a $(LDNS_LIBS) $(LIBCONFIG_LIBS) $(URCU_LIBS) $(MAXMINDDB_LIBS) \
	$(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(JANSSON_LIBS) -lpthread -lm

sbin_PROGRAMS += gslbd
gslbd_SOURCES = gslb/gslbd.c gslb/net.h gslb/net_udp.c gslb/net_tcp.c \
	gslb/net_health.c gslb/net_health.h \
	gslb/control.c gslb/control.h gslb/metrics.c gslb/metrics.h
gslbd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(URCU_CFLAGS) $(JANSSON_CFLAGS)
gslbd_LDADD = $(GSLB_LIBS)

bin_PROGRAMS += gslbctl
gslbctl_SOURCES = gslb/gslbctl.c
gslbctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBCONFIG_CFLAGS)
gslbctl_LDADD = libgslb.a $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(JANSSON_LIBS) $(LIBCONFIG_LIBS)
