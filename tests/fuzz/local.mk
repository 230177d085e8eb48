# tests/fuzz/ — libFuzzer targets, built with clang by `make fuzz`
EXTRA_DIST += tests/fuzz/fuzz_wire.c tests/fuzz/run
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -I$(top_srcdir)/gslb -I$(top_builddir) \
	$(LDNS_CFLAGS) $(LIBCONFIG_CFLAGS) $(URCU_CFLAGS)
fuzz: tests/fuzz/fuzz_wire
tests/fuzz/fuzz_wire: $(srcdir)/tests/fuzz/fuzz_wire.c $(addprefix $(srcdir)/,$(filter %.c,$(libgslb_a_SOURCES)))
	$(CLANG) $(FUZZ_FLAGS) -o $@ $^ $(LDNS_LIBS) $(LIBCONFIG_LIBS) $(URCU_LIBS) -lpthread -lm
CLEANFILES += tests/fuzz/fuzz_wire
.PHONY: fuzz
