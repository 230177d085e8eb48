# tests/bench/ — dnsperf harness: gslbd side by side with NSD (`make bench`)
EXTRA_DIST += tests/bench/run tests/bench/failover tests/bench/probe-load tests/bench/zone-load
bench: gslbd
	$(srcdir)/tests/bench/run $(abs_top_builddir)/gslbd
.PHONY: bench
# mkecsq: ECS query files from a real GeoIP database for the maps bench (dnsperf -B)
noinst_PROGRAMS = tests/bench/mkecsq
tests_bench_mkecsq_SOURCES = tests/bench/mkecsq.c
tests_bench_mkecsq_CFLAGS = $(AM_CFLAGS) $(MAXMINDDB_CFLAGS)
tests_bench_mkecsq_LDADD = $(MAXMINDDB_LIBS)
EXTRA_DIST += tests/bench/maps
bench-maps: gslbd tests/bench/mkecsq
	$(srcdir)/tests/bench/maps $(abs_top_builddir)/gslbd
.PHONY: bench-maps
