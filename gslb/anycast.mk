# gslb/anycast.mk — gslb-anycast: BIRD announces the anycast prefixes while gslbd is healthy
sbin_PROGRAMS += gslb-anycast
gslb_anycast_SOURCES = gslb/gslb-anycast.c gslb/anycast.c gslb/anycast.h
gslb_anycast_CFLAGS = $(AM_CFLAGS) $(LIBEVENT_CFLAGS) $(LDNS_CFLAGS) $(LIBCONFIG_CFLAGS)
gslb_anycast_LDADD = $(GSLB_CORE_LIBS)

dist_man_MANS += docs/gslb-anycast.8

libgslb_a_SOURCES += gslb/conf_anycast.c

ANYCAST_TESTS = tests/unit/test_anycast
check_PROGRAMS += $(ANYCAST_TESTS)
TESTS += $(ANYCAST_TESTS)
tests_unit_test_anycast_SOURCES = tests/unit/test_anycast.c gslb/anycast.c gslb/anycast.h
tests_unit_test_anycast_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_anycast_LDADD = $(GSLB_LIBS) $(CHECK_LIBS)

EXTRA_DIST += conf/anycast conf/regional tests/e2e docs/deploying.md
