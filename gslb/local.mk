# gslb/ — libgslb (shared with the probe) and the gslbd daemon
noinst_LIBRARIES += libgslb.a
libgslb_a_SOURCES = \
	gslb/log.c gslb/log.h gslb/clock.h \
	gslb/counter.h \
	gslb/dname.c gslb/dname.h gslb/name_index.c gslb/name_index.h \
	gslb/wire.c gslb/wire.h \
	gslb/conf.c gslb/conf.h gslb/conf_schema.h gslb/conf_health.c gslb/conf_service.c \
	gslb/conf_read.c \
	gslb/conf_rrl.c gslb/conf_netmap.c gslb/netmap.c gslb/netmap.h \
	gslb/geo_continent.c \
	gslb/zone_load.c gslb/zone.c gslb/zone.h gslb/zone_stamp.c gslb/zone_stamp.h \
	gslb/arena.c gslb/arena.h \
	gslb/render.c gslb/render.h \
	gslb/answer.c gslb/answer.h gslb/answer_service.c gslb/answer_service.h \
	gslb/query_record.c gslb/query_record.h \
	gslb/answer_dnssec.c gslb/answer_dnssec.h gslb/dnssec.c gslb/dnssec.h \
	gslb/sigcache.c gslb/sigcache.h \
	gslb/snapshot.c gslb/snapshot.h gslb/member_stats.c gslb/member_stats.h \
	gslb/report.c gslb/report.h \
	gslb/rrl.c gslb/rrl.h \
	gslb/health.c gslb/health.h \
	gslb/health_override.c gslb/health_override.h \
	gslb/health_file.c gslb/health_file.h \
	gslb/store.c gslb/store.h gslb/store_record.c gslb/store_record.h \
	gslb/etcd_req.c gslb/etcd_req.h \
	gslb/daemon.c gslb/daemon.h \
	gslb/http_client.c gslb/http_client.h \
	gslb/conf_anycast.c gslb/conf_store.c \
	gslb/service.h gslb/filter.c gslb/filter.h \
	gslb/geo.c gslb/geo.h
libgslb_a_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS) $(ZSCANNER_CFLAGS) $(LIBCONFIG_CFLAGS) $(URCU_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS) $(MAXMINDDB_CFLAGS)

# libgslb.a is a static archive: a program gets only the objects it references. Each
# program lists the libraries of those objects and no more, so a link that fails names an
# object the program should not have pulled in (geo.o and libmaxminddb, say).
# GSLB_LIBS: everything, for gslbd and the unit tests.
GSLB_LIBS = libgslb.a $(LDNS_LIBS) $(ZSCANNER_LIBS) $(LIBCONFIG_LIBS) $(URCU_LIBS) $(MAXMINDDB_LIBS) \
	$(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(JANSSON_LIBS) -lpthread -lm
# GSLB_CORE_LIBS: what the config loader (every section: conf*.c, the filter table,
# geo_continent.c), log, dname and daemon need, for gslb-probe and gslb-anycast. ldns is for
# the dns check's qtype (conf_health.c); report.c's OpenSSL comes with the probe's list.
# Not here: liburcu (snapshot, rrl), libmaxminddb (geo.c), jansson (gslbd's control API).
GSLB_CORE_LIBS = libgslb.a $(LDNS_LIBS) $(LIBCONFIG_LIBS) $(LIBEVENT_LIBS) -lm

sbin_PROGRAMS += gslbd
gslbd_SOURCES = gslb/gslbd.c gslb/net.h gslb/net_udp.c gslb/net_tcp.c \
	gslb/net_health.c gslb/net_health.h \
	gslb/control.c gslb/control.h gslb/metrics.c gslb/metrics.h \
	gslb/control_api.c gslb/control_api.h gslb/explain.c gslb/explain.h \
	gslb/whatif.c gslb/whatif.h gslb/ui_files.h
nodist_gslbd_SOURCES = gslb/ui_files.c
gslbd_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(URCU_CFLAGS) $(JANSSON_CFLAGS)
gslbd_LDADD = $(GSLB_LIBS)

bin_PROGRAMS += gslbctl
gslbctl_SOURCES = gslb/gslbctl.c gslb/gslbctl.h gslb/gslbctl_explain.c \
	gslb/gslbctl_whatif.c gslb/gslbctl_direct.c
gslbctl_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(LIBCONFIG_CFLAGS)
gslbctl_LDADD = libgslb.a $(LIBEVENT_LIBS) $(OPENSSL_LIBS) $(JANSSON_LIBS) $(LIBCONFIG_LIBS)

# The unit suites of gslb/'s modules (tests/unit/local.mk has their shared flags).
GSLB_TESTS = \
	tests/unit/test_dname \
	tests/unit/test_name_index \
	tests/unit/test_wire \
	tests/unit/test_render \
	tests/unit/test_conf \
	tests/unit/test_zone \
	tests/unit/test_lookup \
	tests/unit/test_answer \
	tests/unit/test_query_record
tests_unit_test_query_record_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_query_record_LDADD = $(UNIT_LDADD)
tests_unit_test_dname_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dname_LDADD = $(UNIT_LDADD)
tests_unit_test_name_index_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_name_index_LDADD = $(UNIT_LDADD)
tests_unit_test_wire_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_wire_LDADD = $(UNIT_LDADD)
tests_unit_test_render_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_render_LDADD = $(UNIT_LDADD)
tests_unit_test_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conf_LDADD = $(UNIT_LDADD)
tests_unit_test_zone_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_zone_LDADD = $(UNIT_LDADD)
tests_unit_test_lookup_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_lookup_LDADD = $(UNIT_LDADD)
tests_unit_test_answer_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_answer_LDADD = $(UNIT_LDADD)
# report, health (probe reports and their aggregation)
GSLB_TESTS += tests/unit/test_report
tests_unit_test_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_report_LDADD = $(UNIT_LDADD)
GSLB_TESTS += tests/unit/test_health
tests_unit_test_health_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_health_LDADD = $(UNIT_LDADD)
GSLB_TESTS += tests/unit/test_health_override
tests_unit_test_health_override_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_health_override_LDADD = $(UNIT_LDADD)
# store_record (etcd keys, values and txns of operator state)
GSLB_TESTS += tests/unit/test_store_record
tests_unit_test_store_record_CFLAGS = $(UNIT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_store_record_LDADD = $(UNIT_LDADD)
# etcd_req (requests to etcd's JSON gateway)
GSLB_TESTS += tests/unit/test_etcd_req
tests_unit_test_etcd_req_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_etcd_req_LDADD = $(UNIT_LDADD)
# the control API's JSON (gslbd's sources: the handlers and the metrics they share)
GSLB_TESTS += tests/unit/test_control_api
tests_unit_test_control_api_SOURCES = tests/unit/test_control_api.c gslb/control_api.c \
	gslb/metrics.c gslb/net_health.c gslb/explain.c gslb/whatif.c
tests_unit_test_control_api_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_control_api_LDADD = $(UNIT_LDADD)
# geoip, regions, services config sections and their snapshot; they open the GeoIP fixtures
# of tests/data at run time, so build those with the programs
GSLB_TESTS += tests/unit/test_conf_service tests/unit/test_snapshot
tests_unit_test_conf_service_CFLAGS = $(UNIT_CFLAGS) -DTEST_BUILDDIR=\"$(abs_top_builddir)\"
tests_unit_test_conf_service_LDADD = $(UNIT_LDADD)
EXTRA_tests_unit_test_conf_service_DEPENDENCIES = $(GEO_TEST_DBS) conf/demo-city.mmdb
tests_unit_test_snapshot_CFLAGS = $(UNIT_CFLAGS) -DTEST_BUILDDIR=\"$(abs_top_builddir)\"
tests_unit_test_snapshot_LDADD = $(UNIT_LDADD)
EXTRA_tests_unit_test_snapshot_DEPENDENCIES = $(GEO_TEST_DBS)
# response rate limiting
GSLB_TESTS += tests/unit/test_rrl
tests_unit_test_rrl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rrl_LDADD = $(UNIT_LDADD)
# member_stats (answers per member)
GSLB_TESTS += tests/unit/test_member_stats
tests_unit_test_member_stats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_member_stats_LDADD = $(UNIT_LDADD)
# counter.h (single-writer counters read by another thread)
GSLB_TESTS += tests/unit/test_counter
tests_unit_test_counter_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_counter_LDADD = $(UNIT_LDADD)
GSLB_TESTS += tests/unit/test_arena
tests_unit_test_arena_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_arena_LDADD = $(UNIT_LDADD)
# http_client: against an in-process evhttp server (plain and TLS)
GSLB_TESTS += tests/unit/test_http_client
tests_unit_test_http_client_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_http_client_LDADD = $(UNIT_LDADD)
# geo: opens the test databases tests/data/local.mk builds, at run time
GSLB_TESTS += tests/unit/test_geo
tests_unit_test_geo_CFLAGS = $(UNIT_CFLAGS) $(MAXMINDDB_CFLAGS) \
	-DTEST_BUILDDIR=\"$(abs_top_builddir)\"
tests_unit_test_geo_LDADD = $(UNIT_LDADD)
EXTRA_tests_unit_test_geo_DEPENDENCIES = $(GEO_TEST_DBS)
check_PROGRAMS += $(GSLB_TESTS)
TESTS += $(GSLB_TESTS)
# DNSSEC: the signature cache; keys, signing and denial checked with ldns
GSLB_TESTS += tests/unit/test_sigcache tests/unit/test_dnssec
tests_unit_test_sigcache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sigcache_LDADD = $(UNIT_LDADD)
tests_unit_test_dnssec_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dnssec_LDADD = $(UNIT_LDADD)
# netmap: the network map's trie
GSLB_TESTS += tests/unit/test_netmap
tests_unit_test_netmap_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_netmap_LDADD = $(UNIT_LDADD)

# The map page (ui/) is built into gslbd: ui/embed writes its files as C arrays.
UI_FILES = ui/index.html ui/map.js ui/map.css ui/land.json
EXTRA_DIST += ui/embed $(UI_FILES) tools/gslb-land
BUILT_SOURCES += gslb/ui_files.c
CLEANFILES += gslb/ui_files.c
gslb/ui_files.c: $(UI_FILES:%=$(srcdir)/%) $(srcdir)/ui/embed
	$(AM_V_GEN)$(SHELL) $(srcdir)/ui/embed $(srcdir)/ui >$@.tmp && mv $@.tmp $@
