# The man pages, the user's copy of the product contract: written in scdoc
# (man/*.scd), turned into roff by the build when scdoc is there (configure
# --disable-man leaves them out). tests/check-man.sh holds them to the code:
# every config key, every journal event with its MESSAGE_ID, and every INI
# example passes gatewayd --check.
MANPAGE_SRC = man/gatewayd.8.scd man/gatewayctl.8.scd man/gatewayd.conf.5.scd
EXTRA_DIST += $(MANPAGE_SRC)
if ENABLE_MAN
man_MANS = man/gatewayd.8 man/gatewayctl.8 man/gatewayd.conf.5
CLEANFILES += $(man_MANS)
scdoc_to_roff = $(MKDIR_P) man && $(SCDOC) < $(top_srcdir)/$@.scd > $@.tmp && mv $@.tmp $@
man/gatewayd.8: $(top_srcdir)/man/gatewayd.8.scd
	$(AM_V_GEN)$(scdoc_to_roff)
man/gatewayctl.8: $(top_srcdir)/man/gatewayctl.8.scd
	$(AM_V_GEN)$(scdoc_to_roff)
man/gatewayd.conf.5: $(top_srcdir)/man/gatewayd.conf.5.scd
	$(AM_V_GEN)$(scdoc_to_roff)
endif
