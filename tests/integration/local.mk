# tests/integration/ — real daemons on loopback, queried with dig/kdig/ldns
EXTRA_DIST += tests/integration
