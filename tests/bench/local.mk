# tests/bench/ — dnsperf harness: gslbd side by side with NSD (`make bench`)
EXTRA_DIST += tests/bench/run tests/bench/lib.sh tests/bench/failover tests/bench/probe-load \
	tests/bench/store-propagation tests/bench/zone-load \
	tests/bench/store-lib.sh tests/bench/store-leader-kill tests/bench/store-cost
bench: gslbd
	$(srcdir)/tests/bench/run $(abs_top_builddir)/gslbd
.PHONY: bench
# dnsperf with DO=1: signed geo answers, warm and cold cache, Knot's mod-onlinesign
EXTRA_DIST += tests/bench/dnssec
bench-dnssec: gslbd
	$(srcdir)/tests/bench/dnssec $(abs_top_builddir)/gslbd
.PHONY: bench-dnssec
# mkecsq: ECS query files from a real GeoIP database for the maps bench (dnsperf -B)
noinst_PROGRAMS = tests/bench/mkecsq
tests_bench_mkecsq_SOURCES = tests/bench/mkecsq.c
tests_bench_mkecsq_CFLAGS = $(AM_CFLAGS) $(MAXMINDDB_CFLAGS)
tests_bench_mkecsq_LDADD = $(MAXMINDDB_LIBS)
EXTRA_DIST += tests/bench/maps
bench-maps: gslbd tests/bench/mkecsq
	$(srcdir)/tests/bench/maps $(abs_top_builddir)/gslbd
.PHONY: bench-maps
# services: 10,000 services against 10; reload: reloads with a 1M-name zone under load
# qcost: the CPU time of answer_packet per query, for the services bench
noinst_PROGRAMS += tests/bench/qcost
tests_bench_qcost_SOURCES = tests/bench/qcost.c
tests_bench_qcost_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
tests_bench_qcost_LDADD = $(GSLB_LIBS)
EXTRA_DIST += tests/bench/serve-lib.sh tests/bench/services tests/bench/reload
bench-services: gslbd tests/bench/qcost
	$(srcdir)/tests/bench/services $(abs_top_builddir)/gslbd
bench-reload: gslbd
	$(srcdir)/tests/bench/reload $(abs_top_builddir)/gslbd
.PHONY: bench-services bench-reload
