# tests/fuzz/ — libFuzzer targets, built with clang by `make fuzz`
EXTRA_DIST += tests/fuzz/fuzz_wire.c tests/fuzz/run tests/fuzz/seeds
EXTRA_DIST += tests/fuzz/fuzz_report.c
FUZZ_FLAGS = -g -O1 -DFUZZ_SRCDIR=\"$(abs_top_srcdir)\" -fsanitize=fuzzer,address,undefined -I$(top_srcdir)/gslb -I$(top_builddir) \
	$(LDNS_CFLAGS) $(LIBCONFIG_CFLAGS) $(URCU_CFLAGS) $(LIBEVENT_CFLAGS)
FUZZ_LIBS = $(LIBEVENT_LIBS) $(LDNS_LIBS) $(LIBCONFIG_LIBS) $(URCU_LIBS) $(MAXMINDDB_LIBS) $(OPENSSL_LIBS) -lpthread -lm
fuzz: tests/fuzz/fuzz_wire
tests/fuzz/fuzz_wire: $(srcdir)/tests/fuzz/fuzz_wire.c $(addprefix $(srcdir)/,$(filter %.c,$(libgslb_a_SOURCES)))
	@$(MKDIR_P) tests/fuzz
	$(CLANG) $(FUZZ_FLAGS) -o $@ $^ $(FUZZ_LIBS)
CLEANFILES += tests/fuzz/fuzz_wire
fuzz: tests/fuzz/fuzz_report
tests/fuzz/fuzz_report: $(srcdir)/tests/fuzz/fuzz_report.c $(addprefix $(srcdir)/,$(filter %.c,$(libgslb_a_SOURCES)))
	@$(MKDIR_P) tests/fuzz
	$(CLANG) $(FUZZ_FLAGS) -o $@ $^ $(FUZZ_LIBS)
CLEANFILES += tests/fuzz/fuzz_report
.PHONY: fuzz
# the loaders: config (libconfig and every section's schema) and zone files (ldns + checks)
EXTRA_DIST += tests/fuzz/fuzz_file.h tests/fuzz/fuzz_conf.c tests/fuzz/fuzz_zone.c tests/fuzz/lsan.supp
fuzz: tests/fuzz/fuzz_conf tests/fuzz/fuzz_zone
tests/fuzz/fuzz_conf tests/fuzz/fuzz_zone: tests/fuzz/fuzz_%: $(srcdir)/tests/fuzz/fuzz_%.c \
		$(srcdir)/tests/fuzz/fuzz_file.h $(addprefix $(srcdir)/,$(filter %.c,$(libgslb_a_SOURCES)))
	@$(MKDIR_P) tests/fuzz
	$(CLANG) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^) $(FUZZ_LIBS)
CLEANFILES += tests/fuzz/fuzz_conf tests/fuzz/fuzz_zone
# parsers of what the prober and gslb-anycast read: HAProxy's stats CSV, BIRD's replies and
# HTTP responses (evhttp behind the HTTP client); they need probes/ and anycast/ too
EXTRA_DIST += tests/fuzz/fuzz_haproxy_csv.c tests/fuzz/fuzz_bird.c tests/fuzz/fuzz_http_response.c
FUZZ_PROBE_FLAGS = $(FUZZ_FLAGS) -I$(top_srcdir)/probes -I$(top_srcdir)/anycast $(CARES_CFLAGS) \
	$(OPENSSL_CFLAGS)
FUZZ_PROBE_SRC = $(addprefix $(srcdir)/,$(filter %.c,$(libgslbprobe_a_SOURCES) $(libgslb_a_SOURCES)))
fuzz: tests/fuzz/fuzz_haproxy_csv tests/fuzz/fuzz_bird tests/fuzz/fuzz_http_response
tests/fuzz/fuzz_haproxy_csv tests/fuzz/fuzz_http_response: tests/fuzz/fuzz_%: \
		$(srcdir)/tests/fuzz/fuzz_%.c $(FUZZ_PROBE_SRC)
	@$(MKDIR_P) tests/fuzz
	$(CLANG) $(FUZZ_PROBE_FLAGS) -o $@ $(filter %.c,$^) $(CARES_LIBS) $(FUZZ_LIBS)
tests/fuzz/fuzz_bird: $(srcdir)/tests/fuzz/fuzz_bird.c $(srcdir)/anycast/anycast.c $(FUZZ_PROBE_SRC)
	@$(MKDIR_P) tests/fuzz
	$(CLANG) $(FUZZ_PROBE_FLAGS) -o $@ $(filter %.c,$^) $(CARES_LIBS) $(FUZZ_LIBS)
CLEANFILES += tests/fuzz/fuzz_haproxy_csv tests/fuzz/fuzz_bird tests/fuzz/fuzz_http_response
