# docs/ — man pages installed by `make install`
dist_man_MANS += docs/gslbd.8 docs/gslb.conf.5 docs/gslbctl.8
EXTRA_DIST += docs/probe-protocol.md
EXTRA_DIST += docs/operations.md
