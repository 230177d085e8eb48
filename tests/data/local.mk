# tests/data/ — generators for test GeoIP databases, and the geo module's build
MKMMDB = perl $(srcdir)/tests/data/mkmmdb
EXTRA_DIST += tests/data/mkmmdb tests/data/demo-city.csv tests/data/test-city.csv \
	tests/data/geolite2-fetch

# The geo module (gslb/geo.c) joins libgslb here; gslb/local.mk is included first.
libgslb_a_SOURCES += gslb/geo.c gslb/geo.h
libgslb_a_CFLAGS += $(MAXMINDDB_CFLAGS)

# The demo database, built with `make all` (conf/demo.conf may name it).
noinst_DATA = conf/demo-city.mmdb
conf/demo-city.mmdb: $(srcdir)/tests/data/demo-city.csv $(srcdir)/tests/data/mkmmdb
	$(AM_V_GEN)$(MKDIR_P) conf && $(MKMMDB) --schema geoip2 $(srcdir)/tests/data/demo-city.csv $@

# Fixtures for tests/unit/test_geo: one CSV, both schemas, and an IPv4-only
# flat file like ip-location-db's "city ipv4".
GEO_TEST_DBS = tests/data/test-city.mmdb tests/data/test-city-flat.mmdb \
	tests/data/test-city-flat4.mmdb
tests/data/test-city.mmdb: $(srcdir)/tests/data/test-city.csv $(srcdir)/tests/data/mkmmdb
	$(AM_V_GEN)$(MKDIR_P) tests/data && \
	$(MKMMDB) --schema geoip2 $(srcdir)/tests/data/test-city.csv $@
tests/data/test-city-flat.mmdb: $(srcdir)/tests/data/test-city.csv $(srcdir)/tests/data/mkmmdb
	$(AM_V_GEN)$(MKDIR_P) tests/data && \
	$(MKMMDB) --schema flat $(srcdir)/tests/data/test-city.csv $@
tests/data/test-city-flat4.mmdb: $(srcdir)/tests/data/test-city.csv $(srcdir)/tests/data/mkmmdb
	$(AM_V_GEN)$(MKDIR_P) tests/data && \
	$(MKMMDB) --schema flat --ip-version 4 $(srcdir)/tests/data/test-city.csv $@
CLEANFILES += conf/demo-city.mmdb $(GEO_TEST_DBS)

check_PROGRAMS += tests/unit/test_geo
TESTS += tests/unit/test_geo
tests_unit_test_geo_SOURCES = tests/unit/test_geo.c
tests_unit_test_geo_CFLAGS = $(UNIT_CFLAGS) $(MAXMINDDB_CFLAGS) \
	-DTEST_BUILDDIR=\"$(abs_top_builddir)\"
tests_unit_test_geo_LDADD = $(UNIT_LDADD)
# The test opens the databases at run time; build them with the program.
EXTRA_tests_unit_test_geo_DEPENDENCIES = $(GEO_TEST_DBS)
