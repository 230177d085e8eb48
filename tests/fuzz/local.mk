# tests/fuzz/ — libFuzzer targets, built with clang by `make fuzz` (tests/fuzz/run runs each)
#
# The project's sources are compiled once, instrumented (-fsanitize=fuzzer-no-link plus ASan
# and UBSan), into tests/fuzz/libfuzz.a; each target links its own file against it, so a
# target costs one compile and one link, not a compile of the whole tree.
FUZZ_TARGETS = wire report conf zone haproxy_csv bird http_response control
EXTRA_DIST += tests/fuzz/run tests/fuzz/seeds tests/fuzz/lsan.supp tests/fuzz/fuzz_file.h \
	$(FUZZ_TARGETS:%=tests/fuzz/fuzz_%.c)
FUZZ_SAN = address,undefined
FUZZ_CFLAGS = -g -O1 -DFUZZ_SRCDIR=\"$(abs_top_srcdir)\" -I$(top_srcdir)/gslb -I$(top_srcdir)/probes \
	-I$(top_srcdir)/anycast -I$(top_builddir) $(LDNS_CFLAGS) $(ZSCANNER_CFLAGS) $(LIBCONFIG_CFLAGS) $(URCU_CFLAGS) \
	$(LIBEVENT_CFLAGS) $(JANSSON_CFLAGS) $(CARES_CFLAGS) $(OPENSSL_CFLAGS) $(MAXMINDDB_CFLAGS)
FUZZ_LIBS = $(CARES_LIBS) $(LIBEVENT_LIBS) $(JANSSON_LIBS) $(LDNS_LIBS) $(ZSCANNER_LIBS) $(LIBCONFIG_LIBS) $(URCU_LIBS) \
	$(MAXMINDDB_LIBS) $(OPENSSL_LIBS) -lpthread -lm
# gslbd's own files but main(): the control endpoint's target runs the real endpoint
FUZZ_LIB_SRC = $(filter %.c,$(libgslb_a_SOURCES) $(libgslbprobe_a_SOURCES) \
	$(filter-out gslb/gslbd.c,$(gslbd_SOURCES))) anycast/anycast.c
FUZZ_LIB_OBJ = $(FUZZ_LIB_SRC:%.c=tests/fuzz/obj/%.o) tests/fuzz/obj/gslb/ui_files.o
# any header may change any object: rebuild them all (only `make fuzz` pays for it)
FUZZ_H_DEPS = $(wildcard $(srcdir)/gslb/*.h $(srcdir)/probes/*.h $(srcdir)/anycast/*.h \
	$(srcdir)/tests/fuzz/*.h) config.h

tests/fuzz/obj/%.o: $(srcdir)/%.c $(FUZZ_H_DEPS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<
# the map page's files: generated in the build tree
tests/fuzz/obj/gslb/ui_files.o: gslb/ui_files.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ gslb/ui_files.c
tests/fuzz/libfuzz.a: $(FUZZ_LIB_OBJ)
	$(AM_V_AR)rm -f $@ && $(AR) cr $@ $(FUZZ_LIB_OBJ)
$(FUZZ_TARGETS:%=tests/fuzz/fuzz_%): tests/fuzz/fuzz_%: tests/fuzz/obj/tests/fuzz/fuzz_%.o \
		tests/fuzz/libfuzz.a
	$(AM_V_CCLD)$(CLANG) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< tests/fuzz/libfuzz.a $(FUZZ_LIBS)
fuzz: $(FUZZ_TARGETS:%=tests/fuzz/fuzz_%)
.PHONY: fuzz
CLEANFILES += $(FUZZ_TARGETS:%=tests/fuzz/fuzz_%) tests/fuzz/libfuzz.a
clean-local: clean-fuzz
clean-fuzz:
	rm -rf tests/fuzz/obj
.PHONY: clean-fuzz
