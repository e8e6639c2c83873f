# Link order: dependents before dependencies.
GW_CORE_LIBS = gatewayd/libgatewayd.a xfrm/libxfrm.a ikepolicy/libikepolicy.a conf/libconf.a common/libcommon.a \
	$(OPENSSL_LIBS) $(SYSTEMD_LIBS) $(LIBNL_XFRM_LIBS) $(LIBNL_ROUTE_LIBS) $(LIBNL_LIBS) $(NFTABLES_LIBS)

noinst_LIBRARIES += gatewayd/libgatewayd.a
gatewayd_libgatewayd_a_SOURCES = \
	gatewayd/log.c gatewayd/log.h \
	gatewayd/ratelimit.c gatewayd/ratelimit.h \
	gatewayd/journal.c gatewayd/journal.h \
	gatewayd/config-events.c gatewayd/config-events.h \
	gatewayd/check.c gatewayd/check.h \
	gatewayd/vici-wire.c gatewayd/vici-wire.h \
	gatewayd/charon-log.c gatewayd/charon-log.h \
	gatewayd/reload.c gatewayd/reload.h \
	gatewayd/vici-client.c gatewayd/vici-client.h \
	gatewayd/apply.c gatewayd/apply.h \
	gatewayd/retry.c gatewayd/retry.h \
	gatewayd/pacer.c gatewayd/pacer.h \
	gatewayd/credwatch.c gatewayd/credwatch.h \
	gatewayd/manager.c gatewayd/manager.h \
	gatewayd/guard.c gatewayd/guard.h \
	gatewayd/route.c gatewayd/route.h \
	gatewayd/frr.c gatewayd/frr.h \
	gatewayd/bootshield.c gatewayd/bootshield.h \
	gatewayd/write-file.c gatewayd/write-file.h \
	gatewayd/owned.c gatewayd/owned.h \
	gatewayd/status.c gatewayd/status.h \
	gatewayd/status-json.c \
	gatewayd/metrics.c gatewayd/metrics.h \
	gatewayd/health.c gatewayd/health.h \
	gatewayd/certexpiry.c gatewayd/certexpiry.h
gatewayd_libgatewayd_a_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(LIBNL_CFLAGS) $(LIBNL_XFRM_CFLAGS) $(LIBNL_ROUTE_CFLAGS)

sbin_PROGRAMS += gatewayd/gatewayd
gatewayd_gatewayd_SOURCES = gatewayd/main.c
gatewayd_gatewayd_LDADD = $(GW_CORE_LIBS)

# What only gatewayctl needs: the status reader and `status`; it alone links
# json-c (the daemon writes the document without a JSON library).
noinst_LIBRARIES += gatewayd/libgatewayctl.a
gatewayd_libgatewayctl_a_SOURCES = \
	gatewayd/status-read.c \
	gatewayd/ctl-status.c gatewayd/ctl-status.h
gatewayd_libgatewayctl_a_CFLAGS = $(AM_CFLAGS) $(JSON_C_CFLAGS)
GW_CTL_LIBS = gatewayd/libgatewayctl.a $(GW_CORE_LIBS) $(JSON_C_LIBS)

bin_PROGRAMS += gatewayd/gatewayctl
gatewayd_gatewayctl_SOURCES = gatewayd/gatewayctl.c
gatewayd_gatewayctl_CFLAGS = $(AM_CFLAGS) $(SYSTEMD_CFLAGS) $(LIBNL_CFLAGS) $(LIBNL_XFRM_CFLAGS)
gatewayd_gatewayctl_LDADD = $(GW_CTL_LIBS)

# The status document's JSON Schema, for whoever consumes StatusFile.
statusschemadir = $(datadir)/gatewayd
dist_statusschema_DATA = packaging/status.schema.json
