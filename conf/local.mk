# conf/ — example configs and the systemd units; `make install` puts the units
# into systemdsystemunitdir and the examples into $(sysconfdir)/gslb
EXTRA_DIST += conf/gslb.conf conf/demo.conf conf/probe.key.example \
	conf/systemd/gslbd.service.in conf/systemd/gslb-probe.service.in \
	conf/systemd/gslb.sysusers zones/example.com.zone
# scripts/ has no fragment of its own: the tarball carries it too
EXTRA_DIST += scripts/bootstrap scripts/demo scripts/test

# Debian and most distributions: /usr/lib/systemd/system for prefix=/usr. Set
# systemdsystemunitdir=$(pkg-config --variable=systemdsystemunitdir systemd)
# on the make command line to follow the system's systemd instead.
systemdsystemunitdir = $(prefix)/lib/systemd/system
sysusersdir = $(prefix)/lib/sysusers.d
systemdsystemunit_DATA = conf/systemd/gslbd.service conf/systemd/gslb-probe.service
CLEANFILES += $(systemdsystemunit_DATA)

# The units name the installed programs and config: substituted at make time,
# as the paths are final only then (make prefix=...).
conf/systemd/%.service: $(srcdir)/conf/systemd/%.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) conf/systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@sysconfdir[@]|$(sysconfdir)|g' \
		$(srcdir)/conf/systemd/$*.service.in >$@.tmp && mv $@.tmp $@

# The examples never overwrite a file already there (an operator's edit);
# uninstall removes them only while they are unchanged.
GSLB_CONF_EXAMPLES = gslb.conf demo.conf probe.key.example
install-data-local: install-gslb-examples
install-gslb-examples:
	$(MKDIR_P) '$(DESTDIR)$(sysconfdir)/gslb'
	$(MKDIR_P) '$(DESTDIR)$(sysusersdir)'
	$(INSTALL_DATA) $(srcdir)/conf/systemd/gslb.sysusers '$(DESTDIR)$(sysusersdir)/gslb.conf'
	@for f in $(GSLB_CONF_EXAMPLES); do \
		case $$f in *.example) d=$$f ;; *) d=$$f.example ;; esac; \
		if [ -e '$(DESTDIR)$(sysconfdir)/gslb/'"$$d" ]; then \
			echo "  kept $(DESTDIR)$(sysconfdir)/gslb/$$d"; \
		else \
			echo " $(INSTALL_DATA) $(srcdir)/conf/$$f '$(DESTDIR)$(sysconfdir)/gslb/$$d'"; \
			$(INSTALL_DATA) $(srcdir)/conf/$$f '$(DESTDIR)$(sysconfdir)/gslb/'"$$d" || exit 1; \
		fi; \
	done
uninstall-local:
	rm -f '$(DESTDIR)$(sysusersdir)/gslb.conf'
	@for f in $(GSLB_CONF_EXAMPLES); do \
		case $$f in *.example) d=$$f ;; *) d=$$f.example ;; esac; \
		t='$(DESTDIR)$(sysconfdir)/gslb/'"$$d"; \
		if [ -f "$$t" ] && cmp -s $(srcdir)/conf/$$f "$$t"; then rm -f "$$t"; fi; \
	done
	-rmdir '$(DESTDIR)$(sysconfdir)/gslb' 2>/dev/null
.PHONY: install-gslb-examples
