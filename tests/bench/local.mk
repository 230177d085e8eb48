# tests/bench/ — dnsperf harness: gslbd side by side with NSD (`make bench`)
EXTRA_DIST += tests/bench/run tests/bench/failover tests/bench/probe-load
bench: gslbd
	$(srcdir)/tests/bench/run $(abs_top_builddir)/gslbd
.PHONY: bench
