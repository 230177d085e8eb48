# gslb/filters/ — selection filters, one per file (see DESIGN.md)
libgslb_a_SOURCES += \
	gslb/filters/flt_up.c \
	gslb/filters/flt_nearest.c \
	gslb/filters/flt_geofence.c \
	gslb/filters/flt_priority.c \
	gslb/filters/flt_weighted.c \
	gslb/filters/flt_round_robin.c \
	gslb/filters/flt_random.c \
	gslb/filters/flt_least_loaded.c \
	gslb/filters/flt_fastest.c \
	gslb/filters/flt_sticky.c \
	gslb/filters/flt_asn.c \
	gslb/filters/flt_first.c

FLT_TESTS = \
	tests/unit/test_filter \
	tests/unit/test_flt_up \
	tests/unit/test_flt_nearest \
	tests/unit/test_flt_geofence \
	tests/unit/test_flt_priority \
	tests/unit/test_flt_weighted \
	tests/unit/test_flt_round_robin \
	tests/unit/test_flt_random \
	tests/unit/test_flt_least_loaded \
	tests/unit/test_flt_fastest \
	tests/unit/test_flt_sticky \
	tests/unit/test_flt_asn \
	tests/unit/test_flt_first
check_PROGRAMS += $(FLT_TESTS)
TESTS += $(FLT_TESTS)
EXTRA_DIST += tests/unit/test_flt_common.h
tests_unit_test_filter_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_filter_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_up_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_up_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_nearest_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_nearest_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_geofence_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_geofence_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_priority_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_priority_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_weighted_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_weighted_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_round_robin_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_round_robin_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_random_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_random_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_least_loaded_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_least_loaded_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_fastest_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_fastest_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_sticky_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_sticky_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_asn_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_asn_LDADD = $(UNIT_LDADD)
tests_unit_test_flt_first_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_flt_first_LDADD = $(UNIT_LDADD)
