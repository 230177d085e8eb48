# probes/ — gslb-probe: checks on one libevent loop, signed reports to every gslbd
noinst_LIBRARIES += libgslbprobe.a
libgslbprobe_a_SOURCES = \
	probes/probe.c probes/probe.h probes/checks.h probes/check_types.c \
	probes/report_pace.c probes/report_pace.h \
	probes/dns_client.c probes/dns_client.h \
	probes/check_tcp.c \
	probes/check_http.c \
	probes/check_dns.c \
	probes/check_haproxy.c probes/haproxy_csv.h
PROBE_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/probes $(LIBEVENT_CFLAGS) $(CARES_CFLAGS) \
	$(OPENSSL_CFLAGS) $(LDNS_CFLAGS) $(LIBCONFIG_CFLAGS)
libgslbprobe_a_CFLAGS = $(PROBE_CFLAGS)
PROBE_LIBS = libgslbprobe.a $(GSLB_CORE_LIBS) $(CARES_LIBS) $(LIBEVENT_LIBS) $(OPENSSL_LIBS)
# The rise/fall machine in an object of its own: gslb-anycast links it without the prober.
libgslbprobe_a_SOURCES += probes/probe_sm.c

sbin_PROGRAMS += gslb-probe
gslb_probe_SOURCES = probes/gslb-probe.c probes/probe_metrics.c probes/probe_metrics.h
gslb_probe_CFLAGS = $(PROBE_CFLAGS)
gslb_probe_LDADD = $(PROBE_LIBS)

dist_man_MANS += docs/gslb-probe.8

PROBE_TESTS = tests/unit/test_probe tests/unit/test_report_pace tests/unit/test_probe_haproxy tests/unit/test_dns_client tests/unit/test_check_types
check_PROGRAMS += $(PROBE_TESTS)
TESTS += $(PROBE_TESTS)
tests_unit_test_probe_CFLAGS = $(UNIT_CFLAGS) $(PROBE_CFLAGS)
tests_unit_test_probe_LDADD = $(PROBE_LIBS) $(CHECK_LIBS)
tests_unit_test_probe_haproxy_CFLAGS = $(UNIT_CFLAGS) $(PROBE_CFLAGS)
tests_unit_test_probe_haproxy_LDADD = $(PROBE_LIBS) $(CHECK_LIBS)
tests_unit_test_dns_client_CFLAGS = $(UNIT_CFLAGS) $(PROBE_CFLAGS)
tests_unit_test_dns_client_LDADD = $(PROBE_LIBS) $(CHECK_LIBS)
tests_unit_test_check_types_CFLAGS = $(UNIT_CFLAGS) $(PROBE_CFLAGS)
tests_unit_test_check_types_LDADD = $(PROBE_LIBS) $(CHECK_LIBS)
tests_unit_test_report_pace_CFLAGS = $(UNIT_CFLAGS) $(PROBE_CFLAGS)
tests_unit_test_report_pace_LDADD = $(PROBE_LIBS) $(CHECK_LIBS)
