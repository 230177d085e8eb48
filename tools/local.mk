# tools/ — operator tools installed with the programs (not part of the query path)
dist_bin_SCRIPTS += tools/gslb-asn-mmdb
dist_man_MANS += docs/gslb-asn-mmdb.1
