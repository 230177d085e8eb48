# tests/integration/ — real daemons on loopback, queried with dig/kdig/ldns
EXTRA_DIST += tests/integration
# `make integration` runs the suite against this build (also out of tree)
integration: all
	BUILD=$(abs_top_builddir) $(srcdir)/tests/integration/run-all
.PHONY: integration
