# conf/ — example configs and the systemd units; `make install` puts the units
# into systemdsystemunitdir and the examples into $(sysconfdir)/gslb
EXTRA_DIST += conf/gslb.conf conf/networks.txt conf/demo.conf conf/fleet.conf conf/probe.key.example \
	conf/systemd/gslbd.service.in conf/systemd/gslb-probe.service.in \
	conf/systemd/gslb-anycast.service.in \
	conf/systemd/gslb.sysusers zones/example.com.zone
# scripts/ has no fragment of its own: the tarball carries it too
EXTRA_DIST += scripts/bootstrap scripts/demo scripts/test

# Debian and most distributions: /usr/lib/systemd/system for prefix=/usr. Set
# systemdsystemunitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
# on the make command line to follow the system's systemd instead.
systemdsystemunitdir = $(prefix)/lib/systemd/system
sysusersdir = $(prefix)/lib/sysusers.d
systemdsystemunit_DATA = conf/systemd/gslbd.service conf/systemd/gslb-probe.service \
	conf/systemd/gslb-anycast.service
CLEANFILES += $(systemdsystemunit_DATA)

# The units name the installed programs and config: substituted at make time,
# as the paths are final only then (make prefix=...).
conf/systemd/%.service: $(srcdir)/conf/systemd/%.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) conf/systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(srcdir)/conf/systemd/$*.service.in >$@.tmp && mv $@.tmp $@

# The examples never overwrite a file already there (an operator's edit);
# uninstall removes them only while they are unchanged. With them go the demo
# zone (zones/), the demo GeoIP database and gslb.conf's networks.txt, and the configs' "../zones/" paths
# become "zones/", so that `gslbd -t -c $(sysconfdir)/gslb/demo.conf.example` works
# where they are installed.
GSLB_CONF_EXAMPLES = gslb.conf demo.conf probe.key.example
GSLB_EXAMPLE_SED = sed -e 's|"\.\./zones/|"zones/|'
GSLB_ETC = $(DESTDIR)$(sysconfdir)/gslb
install-data-local: install-gslb-examples
install-gslb-examples: conf/demo-city.mmdb
	$(MKDIR_P) '$(GSLB_ETC)/zones'
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)'
	$(INSTALL_DATA) $(srcdir)/conf/systemd/gslb.sysusers '$(DESTDIR)$(sysusersdir)/gslb.conf'
	@for f in $(GSLB_CONF_EXAMPLES); do \
		case $$f in *.example) d=$$f ;; *) d=$$f.example ;; esac; \
		t='$(GSLB_ETC)/'"$$d"; \
		if [ -e "$$t" ]; then \
			echo "  kept $$t"; \
		else \
			echo "  install $(srcdir)/conf/$$f -> $$t"; \
			$(GSLB_EXAMPLE_SED) $(srcdir)/conf/$$f >"$$t.tmp" && chmod 644 "$$t.tmp" && \
				mv "$$t.tmp" "$$t" || exit 1; \
		fi; \
	done
	@for pair in $(srcdir)/zones/example.com.zone:zones/example.com.zone \
		conf/demo-city.mmdb:demo-city.mmdb $(srcdir)/conf/networks.txt:networks.txt; do \
		s=$${pair%%:*}; t='$(GSLB_ETC)/'$${pair#*:}; \
		if [ -e "$$t" ]; then echo "  kept $$t"; \
		else echo " $(INSTALL_DATA) $$s $$t"; $(INSTALL_DATA) "$$s" "$$t" || exit 1; fi; \
	done
uninstall-local:
	rm -f '$(DESTDIR)$(sysusersdir)/gslb.conf'
	@for f in $(GSLB_CONF_EXAMPLES); do \
		case $$f in *.example) d=$$f ;; *) d=$$f.example ;; esac; \
		t='$(GSLB_ETC)/'"$$d"; \
		if [ -f "$$t" ] && $(GSLB_EXAMPLE_SED) $(srcdir)/conf/$$f | cmp -s - "$$t"; then \
			rm -f "$$t"; fi; \
	done
	@for pair in $(srcdir)/zones/example.com.zone:zones/example.com.zone \
		conf/demo-city.mmdb:demo-city.mmdb $(srcdir)/conf/networks.txt:networks.txt; do \
		s=$${pair%%:*}; t='$(GSLB_ETC)/'$${pair#*:}; \
		if [ -f "$$t" ] && cmp -s "$$s" "$$t"; then rm -f "$$t"; fi; \
	done
	-rmdir '$(GSLB_ETC)/zones' '$(GSLB_ETC)' 2>/dev/null
.PHONY: install-gslb-examples
