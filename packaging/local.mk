# The journal catalog of gatewayd's events (journalctl -x). Packages run
# `journalctl --update-catalog` after installing it (Debian: a dpkg trigger
# of systemd on this directory).
catalogdir = $(prefix)/lib/systemd/catalog
dist_catalog_DATA = packaging/gatewayd.catalog

# The units name the installed binaries: made from packaging/*.service.in
# with the configured paths (--prefix=/usr gives /usr/sbin/gatewayd).
# --with-systemdsystemunitdir chooses where they go (configure.ac).
systemdunitdir = $(systemdsystemunitdir)
systemdunit_DATA = packaging/gatewayd.service packaging/gatewayd-shield.service
EXTRA_DIST += packaging/gatewayd.service.in packaging/gatewayd-shield.service.in
CLEANFILES += $(systemdunit_DATA)
edit_unit = $(MKDIR_P) packaging && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@bindir[@]|$(bindir)|g' $(top_srcdir)/$@.in > $@.tmp && \
	if grep -n '@[a-z_]*@' $@.tmp; then echo "$@: unsubstituted variable" >&2; rm -f $@.tmp; exit 1; fi && \
	mv $@.tmp $@
# tests/check-units.sh checks that the units name the configured path.
AM_TESTS_ENVIRONMENT += gw_sbindir='$(sbindir)'; export gw_sbindir;
packaging/gatewayd.service: $(top_srcdir)/packaging/gatewayd.service.in Makefile
	$(AM_V_GEN)$(edit_unit)
packaging/gatewayd-shield.service: $(top_srcdir)/packaging/gatewayd-shield.service.in Makefile
	$(AM_V_GEN)$(edit_unit)

# /run/gatewayd from boot on, for the status file (Debian: dh_installtmpfiles).
tmpfilesdir = $(prefix)/lib/tmpfiles.d
dist_tmpfiles_DATA = packaging/tmpfiles.d/gatewayd.conf

# charon's retransmission schedule that DpdTimeoutSeconds relies on
# (ikepolicy_dpd_delay_sec); Debian's strongswan.conf includes strongswan.d/*.conf.
strongswandropindir = $(sysconfdir)/strongswan.d
dist_strongswandropin_DATA = packaging/strongswan.d/gatewayd.conf

# The Debian package: packaging/build-deb.sh copies packaging/debian to
# ./debian of a clean copy of the tree and runs dpkg-buildpackage -b;
# tests/check-deb.sh checks what it built (tests/run-all.sh runs both).
EXTRA_DIST += packaging/debian packaging/build-deb.sh tests/check-deb.sh
