# tests/unit/ — Check suites, one per module, run by `make check`. Each folder's local.mk
# lists the suites of its own modules (gslb/, gslb/filters/, probes/, anycast/); here are
# what they share: flags, the Check helper header and the fixtures.
# realpath: the loader names files by their canonical path, and distcheck's
# abs_top_srcdir is not one (_build/sub/../..)
UNIT_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(LDNS_CFLAGS) $(URCU_CFLAGS) \
	-DTEST_SRCDIR=\"$(realpath $(abs_top_srcdir))\"
UNIT_LDADD = $(GSLB_LIBS) $(CHECK_LIBS)
EXTRA_DIST += tests/unit/unit.h
EXTRA_DIST += tests/unit/conf
EXTRA_DIST += tests/unit/zones
EXTRA_DIST += tests/unit/answer
