# anycast/ — gslb-anycast: BIRD announces the anycast prefixes while gslbd is healthy.
# It links libgslbprobe for the probe's rise/fall machine and its DNS client, and libgslb
# (through PROBE_LIBS) for the config, logging, the HTTP client and the daemon helpers.
sbin_PROGRAMS += gslb-anycast
gslb_anycast_SOURCES = anycast/gslb-anycast.c anycast/anycast.c anycast/anycast.h
ANYCAST_CFLAGS = $(PROBE_CFLAGS) -I$(top_srcdir)/anycast $(LIBCONFIG_CFLAGS)
gslb_anycast_CFLAGS = $(ANYCAST_CFLAGS)
gslb_anycast_LDADD = $(PROBE_LIBS)

dist_man_MANS += docs/gslb-anycast.8

ANYCAST_TESTS = tests/unit/test_anycast
check_PROGRAMS += $(ANYCAST_TESTS)
TESTS += $(ANYCAST_TESTS)
tests_unit_test_anycast_SOURCES = tests/unit/test_anycast.c anycast/anycast.c anycast/anycast.h
tests_unit_test_anycast_CFLAGS = $(UNIT_CFLAGS) $(ANYCAST_CFLAGS)
tests_unit_test_anycast_LDADD = $(PROBE_LIBS) $(CHECK_LIBS)

EXTRA_DIST += conf/anycast conf/regional tests/e2e docs/deploying.md
