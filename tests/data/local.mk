# tests/data/ — generators for test GeoIP databases, and the geo module's build
MKMMDB = perl $(srcdir)/tests/data/mkmmdb
EXTRA_DIST += tests/data/mkmmdb tests/data/demo-city.csv tests/data/test-city.csv \
	tests/data/ipdb-fetch tests/data/mknetmap tests/data/test-asn.csv

# The demo database, built with `make all` (conf/demo.conf may name it).
noinst_DATA = conf/demo-city.mmdb
conf/demo-city.mmdb: $(srcdir)/tests/data/demo-city.csv $(srcdir)/tests/data/mkmmdb
	$(AM_V_GEN)$(MKDIR_P) conf && $(MKMMDB) --schema geoip2 $(srcdir)/tests/data/demo-city.csv $@

# Fixtures for tests/unit/test_geo: one CSV, both schemas, and an IPv4-only
# flat file like ip-location-db's "city ipv4".
GEO_TEST_DBS = tests/data/test-city.mmdb tests/data/test-city-flat.mmdb \
	tests/data/test-city-flat4.mmdb tests/data/test-asn.mmdb
tests/data/test-city.mmdb: $(srcdir)/tests/data/test-city.csv $(srcdir)/tests/data/mkmmdb
	$(AM_V_GEN)$(MKDIR_P) tests/data && \
	$(MKMMDB) --schema geoip2 $(srcdir)/tests/data/test-city.csv $@
tests/data/test-city-flat.mmdb: $(srcdir)/tests/data/test-city.csv $(srcdir)/tests/data/mkmmdb
	$(AM_V_GEN)$(MKDIR_P) tests/data && \
	$(MKMMDB) --schema flat $(srcdir)/tests/data/test-city.csv $@
tests/data/test-city-flat4.mmdb: $(srcdir)/tests/data/test-city.csv $(srcdir)/tests/data/mkmmdb
	$(AM_V_GEN)$(MKDIR_P) tests/data && \
	$(MKMMDB) --schema flat --ip-version 4 $(srcdir)/tests/data/test-city.csv $@
# The ASN fixture, built by the installed tool from ip-location-db's CSV format.
tests/data/test-asn.mmdb: $(srcdir)/tests/data/test-asn.csv $(srcdir)/tools/gslb-asn-mmdb
	$(AM_V_GEN)$(MKDIR_P) tests/data && \
	perl $(srcdir)/tools/gslb-asn-mmdb -q -o $@ $(srcdir)/tests/data/test-asn.csv
CLEANFILES += conf/demo-city.mmdb $(GEO_TEST_DBS)

