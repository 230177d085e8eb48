# tests/unit/ — Check suites, one per module, run by `make check`
UNIT_TESTS = \
	tests/unit/test_dname \
	tests/unit/test_wire \
	tests/unit/test_render \
	tests/unit/test_conf \
	tests/unit/test_zone \
	tests/unit/test_lookup \
	tests/unit/test_answer
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
# realpath: the loader names files by their canonical path, and distcheck's
# abs_top_srcdir is not one (_build/sub/../..)
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LDNS_CFLAGS) $(URCU_CFLAGS) \
	-DTEST_SRCDIR=\"$(realpath $(abs_top_srcdir))\"
UNIT_LDADD = $(GSLB_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/unit/unit.h
tests_unit_test_dname_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dname_LDADD = $(UNIT_LDADD)
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
EXTRA_DIST += tests/unit/conf
EXTRA_DIST += tests/unit/zones
EXTRA_DIST += tests/unit/answer
# report, health (probe reports and their aggregation)
UNIT_TESTS += tests/unit/test_report
tests_unit_test_report_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_report_LDADD = $(UNIT_LDADD)
UNIT_TESTS += tests/unit/test_health
tests_unit_test_health_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_health_LDADD = $(UNIT_LDADD)
# geoip, regions, services config sections and their snapshot; they open the GeoIP fixtures
# of tests/data at run time, so build those with the programs
UNIT_TESTS += tests/unit/test_conf_service tests/unit/test_snapshot
tests_unit_test_conf_service_CFLAGS = $(UNIT_CFLAGS) -DTEST_BUILDDIR=\"$(abs_top_builddir)\"
tests_unit_test_conf_service_LDADD = $(UNIT_LDADD)
EXTRA_tests_unit_test_conf_service_DEPENDENCIES = $(GEO_TEST_DBS) conf/demo-city.mmdb
tests_unit_test_snapshot_CFLAGS = $(UNIT_CFLAGS) -DTEST_BUILDDIR=\"$(abs_top_builddir)\"
tests_unit_test_snapshot_LDADD = $(UNIT_LDADD)
EXTRA_tests_unit_test_snapshot_DEPENDENCIES = $(GEO_TEST_DBS)
# response rate limiting
UNIT_TESTS += tests/unit/test_rrl
tests_unit_test_rrl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rrl_LDADD = $(UNIT_LDADD)
# member_stats (answers per member)
UNIT_TESTS += tests/unit/test_member_stats
tests_unit_test_member_stats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_member_stats_LDADD = $(UNIT_LDADD)
# http_client: against an in-process evhttp server (plain and TLS)
UNIT_TESTS += tests/unit/test_http_client
tests_unit_test_http_client_CFLAGS = $(UNIT_CFLAGS) $(LIBEVENT_CFLAGS) $(OPENSSL_CFLAGS)
tests_unit_test_http_client_LDADD = $(UNIT_LDADD)
