# Unit tests: cmocka, TAP through automake's driver. One program per topic.
UNIT_TESTS = \
	tests/unit/test-macro \
	tests/unit/test-diag \
	tests/unit/test-strutil \
	tests/unit/test-prefix \
	tests/unit/test-sha256 \
	tests/unit/test-settings \
	tests/unit/test-ini \
	tests/unit/test-conf \
	tests/unit/test-conf-cache \
	tests/unit/test-route-conf \
	tests/unit/test-route \
	tests/unit/test-hostile \
	tests/unit/test-secret \
	tests/unit/test-creds \
	tests/unit/test-catalogue \
	tests/unit/test-check \
	tests/unit/test-render \
	tests/unit/test-azure \
	tests/unit/test-vici-wire \
	tests/unit/test-charon-log \
	tests/unit/test-vici-client \
	tests/unit/test-retry \
	tests/unit/test-bootshield \
	tests/unit/test-reload \
	tests/unit/test-shield \
	tests/unit/test-counters \
	tests/unit/test-xfrm-msg \
	tests/unit/test-xfrm-kernel \
	tests/unit/test-watch \
	tests/unit/test-credwatch \
	tests/unit/test-bypass \
	tests/unit/test-fileio \
	tests/unit/test-ratelimit \
	tests/unit/test-owned \
	tests/unit/test-journal \
	tests/unit/test-status \
	tests/unit/test-health

if ENABLE_TESTS
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
endif

UNIT_LDADD = tests/unit/libtesthelp.a $(GW_CORE_LIBS) $(CMOCKA_LIBS)
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -I$(top_srcdir)/tests/unit

if ENABLE_TESTS
check_LIBRARIES = tests/unit/libtesthelp.a
endif
tests_unit_libtesthelp_a_SOURCES = tests/unit/testhelp.c tests/unit/testhelp.h
tests_unit_libtesthelp_a_CFLAGS = $(UNIT_CFLAGS)

tests_unit_test_macro_SOURCES = tests/unit/test-macro.c
tests_unit_test_macro_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_macro_LDADD = $(UNIT_LDADD)
tests_unit_test_diag_SOURCES = tests/unit/test-diag.c
tests_unit_test_diag_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_diag_LDADD = $(UNIT_LDADD)
tests_unit_test_strutil_SOURCES = tests/unit/test-strutil.c
tests_unit_test_strutil_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_strutil_LDADD = $(UNIT_LDADD)
tests_unit_test_prefix_SOURCES = tests/unit/test-prefix.c
tests_unit_test_prefix_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_prefix_LDADD = $(UNIT_LDADD)

tests_unit_test_sha256_SOURCES = tests/unit/test-sha256.c
tests_unit_test_sha256_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sha256_LDADD = $(UNIT_LDADD)
tests_unit_test_settings_SOURCES = tests/unit/test-settings.c
tests_unit_test_settings_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_settings_LDADD = $(UNIT_LDADD)
tests_unit_test_ini_SOURCES = tests/unit/test-ini.c
tests_unit_test_ini_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ini_LDADD = $(UNIT_LDADD)
tests_unit_test_route_SOURCES = tests/unit/test-route.c
tests_unit_test_route_CFLAGS = $(UNIT_CFLAGS) $(LIBNL_CFLAGS) $(LIBNL_ROUTE_CFLAGS)
tests_unit_test_route_LDADD = $(UNIT_LDADD)
tests_unit_test_route_conf_SOURCES = tests/unit/test-route-conf.c
tests_unit_test_route_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_route_conf_LDADD = $(UNIT_LDADD)
tests_unit_test_conf_SOURCES = tests/unit/test-conf.c
tests_unit_test_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conf_LDADD = $(UNIT_LDADD)
tests_unit_test_conf_cache_SOURCES = tests/unit/test-conf-cache.c
tests_unit_test_conf_cache_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conf_cache_LDADD = $(UNIT_LDADD)
tests_unit_test_secret_SOURCES = tests/unit/test-secret.c
tests_unit_test_secret_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_secret_LDADD = $(UNIT_LDADD)
tests_unit_test_creds_SOURCES = tests/unit/test-creds.c
tests_unit_test_creds_CFLAGS = $(UNIT_CFLAGS) -DOPENSSL_BIN='"$(OPENSSL_BIN)"'
tests_unit_test_creds_LDADD = $(UNIT_LDADD)
tests_unit_test_catalogue_SOURCES = tests/unit/test-catalogue.c
tests_unit_test_catalogue_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_catalogue_LDADD = $(UNIT_LDADD)
tests_unit_test_hostile_SOURCES = tests/unit/test-hostile.c
tests_unit_test_hostile_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_hostile_LDADD = $(UNIT_LDADD)
tests_unit_test_check_SOURCES = tests/unit/test-check.c
tests_unit_test_check_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_check_LDADD = $(UNIT_LDADD)
tests_unit_test_render_SOURCES = tests/unit/test-render.c
tests_unit_test_render_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_render_LDADD = $(UNIT_LDADD)
tests_unit_test_azure_SOURCES = tests/unit/test-azure.c
tests_unit_test_azure_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_azure_LDADD = $(UNIT_LDADD)
tests_unit_test_vici_wire_SOURCES = tests/unit/test-vici-wire.c
tests_unit_test_vici_wire_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_vici_wire_LDADD = $(UNIT_LDADD)
tests_unit_test_charon_log_SOURCES = tests/unit/test-charon-log.c
tests_unit_test_charon_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_charon_log_LDADD = $(UNIT_LDADD)
tests_unit_test_vici_client_SOURCES = tests/unit/test-vici-client.c
tests_unit_test_vici_client_CFLAGS = $(UNIT_CFLAGS) $(SYSTEMD_CFLAGS)
tests_unit_test_vici_client_LDADD = $(UNIT_LDADD)
tests_unit_test_retry_SOURCES = tests/unit/test-retry.c
tests_unit_test_retry_CFLAGS = $(UNIT_CFLAGS) $(SYSTEMD_CFLAGS)
tests_unit_test_retry_LDADD = $(UNIT_LDADD)
tests_unit_test_bootshield_SOURCES = tests/unit/test-bootshield.c
tests_unit_test_bootshield_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bootshield_LDADD = $(UNIT_LDADD)
tests_unit_test_reload_SOURCES = tests/unit/test-reload.c
tests_unit_test_reload_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_reload_LDADD = $(UNIT_LDADD)
tests_unit_test_shield_SOURCES = tests/unit/test-shield.c
tests_unit_test_shield_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_shield_LDADD = $(UNIT_LDADD)
tests_unit_test_counters_SOURCES = tests/unit/test-counters.c
tests_unit_test_counters_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_counters_LDADD = $(UNIT_LDADD)
tests_unit_test_xfrm_msg_SOURCES = tests/unit/test-xfrm-msg.c
tests_unit_test_xfrm_msg_CFLAGS = $(UNIT_CFLAGS) $(LIBNL_CFLAGS) $(LIBNL_XFRM_CFLAGS)
tests_unit_test_xfrm_msg_LDADD = $(UNIT_LDADD)
tests_unit_test_watch_SOURCES = tests/unit/test-watch.c
tests_unit_test_watch_CFLAGS = $(UNIT_CFLAGS) $(LIBNL_CFLAGS)
tests_unit_test_watch_LDADD = $(UNIT_LDADD)
tests_unit_test_bypass_SOURCES = tests/unit/test-bypass.c
tests_unit_test_bypass_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bypass_LDADD = $(UNIT_LDADD)
tests_unit_test_xfrm_kernel_SOURCES = tests/unit/test-xfrm-kernel.c
tests_unit_test_xfrm_kernel_CFLAGS = $(UNIT_CFLAGS) $(LIBNL_CFLAGS) $(LIBNL_XFRM_CFLAGS)
tests_unit_test_xfrm_kernel_LDADD = $(UNIT_LDADD)
tests_unit_test_credwatch_SOURCES = tests/unit/test-credwatch.c
tests_unit_test_credwatch_CFLAGS = $(UNIT_CFLAGS) $(SYSTEMD_CFLAGS)
tests_unit_test_credwatch_LDADD = $(UNIT_LDADD)
tests_unit_test_fileio_SOURCES = tests/unit/test-fileio.c
tests_unit_test_fileio_CFLAGS = $(UNIT_CFLAGS) $(SYSTEMD_CFLAGS)
tests_unit_test_fileio_LDADD = $(UNIT_LDADD)
tests_unit_test_owned_SOURCES = tests/unit/test-owned.c
tests_unit_test_owned_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_owned_LDADD = $(UNIT_LDADD)
tests_unit_test_ratelimit_SOURCES = tests/unit/test-ratelimit.c
tests_unit_test_ratelimit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ratelimit_LDADD = $(UNIT_LDADD)
tests_unit_test_journal_SOURCES = tests/unit/test-journal.c
tests_unit_test_journal_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_journal_LDADD = $(UNIT_LDADD)
tests_unit_test_health_SOURCES = tests/unit/test-health.c
tests_unit_test_health_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_health_LDADD = $(UNIT_LDADD)
tests_unit_test_status_SOURCES = tests/unit/test-status.c tests/unit/status-fixture.c tests/unit/status-fixture.h
tests_unit_test_status_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_status_LDADD = tests/unit/libtesthelp.a $(GW_CTL_LIBS) $(CMOCKA_LIBS)

# The status writer's output for the script tests (schema, gatewayctl status).
check_PROGRAMS += tests/unit/status-sample
tests_unit_status_sample_SOURCES = tests/unit/status-sample.c tests/unit/status-fixture.c tests/unit/status-fixture.h
tests_unit_status_sample_LDADD = $(GW_CORE_LIBS)
EXTRA_DIST += tests/unit/status

# Fuzzing: the libFuzzer target is built with --enable-fuzzing (clang); its
# corpus replays under every `make check` through a plain driver.
check_PROGRAMS += tests/fuzz/fuzz-conf-replay tests/fuzz/fuzz-vici-replay
tests_fuzz_fuzz_conf_replay_SOURCES = tests/fuzz/fuzz-conf.c tests/fuzz/replay-main.c
tests_fuzz_fuzz_conf_replay_LDADD = $(GW_CORE_LIBS)
tests_fuzz_fuzz_vici_replay_SOURCES = tests/fuzz/fuzz-vici.c tests/fuzz/replay-main.c
tests_fuzz_fuzz_vici_replay_LDADD = $(GW_CORE_LIBS)
if ENABLE_FUZZING
noinst_PROGRAMS = tests/fuzz/fuzz-conf tests/fuzz/fuzz-vici
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz-conf.c
tests_fuzz_fuzz_conf_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_conf_LDADD = $(GW_CORE_LIBS)
tests_fuzz_fuzz_vici_SOURCES = tests/fuzz/fuzz-vici.c
tests_fuzz_fuzz_vici_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_vici_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_vici_LDADD = $(GW_CORE_LIBS)
endif

# Prints the journal event table for tests/check-catalog.sh.
check_PROGRAMS += tests/print-events
tests_print_events_SOURCES = tests/print-events.c
tests_print_events_LDADD = $(GW_CORE_LIBS)

# Prints the config keys and the built-in profiles for tests/check-man.sh.
check_PROGRAMS += tests/print-keys
tests_print_keys_SOURCES = tests/print-keys.c
tests_print_keys_LDADD = $(GW_CORE_LIBS)

# Script tests: shell, exit status (77 = skipped, e.g. not root).
SCRIPT_TESTS = \
	tests/fuzz/replay-corpus.sh \
	tests/check-examples.sh \
	tests/check-readme.sh \
	tests/check-genpsk.sh \
	tests/check-cert-trust.sh \
	tests/check-units.sh \
	tests/check-man.sh \
	tests/check-layers.sh \
	tests/check-catalog.sh \
	tests/status-schema.sh \
	tests/ctl-status.sh
TESTS += $(SCRIPT_TESTS)
# Integration tests: root, network namespaces, a real charon (about 95 s).
# configure --disable-integration-tests leaves them out of `make check`, as
# `make distcheck` does (Makefile.am).
INTEGRATION_TESTS = \
	tests/integration/swanctl-load.sh \
	tests/integration/shield-faults.sh \
	tests/integration/shield-heal.sh \
	tests/integration/shield-fail-closed.sh \
	tests/integration/shield-bypass.sh \
	tests/integration/shield-dataplane.sh \
	tests/integration/shield-inbound.sh \
	tests/integration/shield-control.sh \
	tests/integration/updown.sh \
	tests/integration/retry.sh \
	tests/integration/vici-hang.sh \
	tests/integration/vici-backlog.sh \
	tests/integration/sighup-burst.sh \
	tests/integration/no-core.sh \
	tests/integration/journal-priority.sh \
	tests/integration/journal-events.sh \
	tests/integration/health.sh \
	tests/integration/sd-notify.sh \
	tests/integration/health-failures.sh \
	tests/integration/cert-expiry.sh \
	tests/integration/psk-tunnel.sh \
	tests/integration/cert-tunnel.sh \
	tests/integration/cert-two-ca.sh \
	tests/integration/cert-chain.sh \
	tests/integration/profiles.sh \
	tests/integration/proposal-mismatch.sh \
	tests/integration/auth-failure.sh \
	tests/integration/reload.sh \
	tests/integration/isolation.sh \
	tests/integration/owned.sh \
	tests/integration/pacing.sh \
	tests/integration/psk-group.sh \
	tests/integration/apply-batches.sh \
	tests/integration/charon-restart.sh \
	tests/integration/ipv6-wan.sh \
	tests/integration/cert-renewal.sh
if ENABLE_INTEGRATION_TESTS
TESTS += $(INTEGRATION_TESTS)
endif
# tests/check-layers.sh compiles probes with each library's own flags.
AM_TESTS_ENVIRONMENT += \
	LAYER_CC='$(CC)'; export LAYER_CC; \
	LAYER_CPPFLAGS_common='$(common_libcommon_a_CPPFLAGS)'; export LAYER_CPPFLAGS_common; \
	LAYER_CPPFLAGS_conf='$(conf_libconf_a_CPPFLAGS)'; export LAYER_CPPFLAGS_conf; \
	LAYER_CPPFLAGS_ikepolicy='$(ikepolicy_libikepolicy_a_CPPFLAGS)'; export LAYER_CPPFLAGS_ikepolicy; \
	LAYER_CPPFLAGS_xfrm='$(xfrm_libxfrm_a_CPPFLAGS)'; export LAYER_CPPFLAGS_xfrm;
SH_LOG_DRIVER = $(SHELL) $(top_srcdir)/build-aux/test-driver
EXTRA_DIST += tests/integration/fake-vici.py tests/integration/debian-nftables.conf
EXTRA_DIST += $(SCRIPT_TESTS) $(INTEGRATION_TESTS) tests/integration/lib.sh tests/integration/shield-lib.sh \
	tests/fuzz/corpus-conf tests/fuzz/corpus-vici tests/fuzz/gen-corpus-vici.sh tests/fuzz/run-fuzzers.sh \
	tests/run-all.sh tests/setup.sh tests/demo.sh

# The VM tier (tests/vm/README.md): gatewayd with DataPlane=kernel in a QEMU
# guest running Debian's stock kernel (real ESP, charon's kernel-netlink, a
# Libreswan peer). About 3 minutes under emulation: not part of `make check`.
# Sets itself up (tests/vm/setup.sh) into $(abs_top_builddir)/vm-work or $VM_WORK.
check-vm: gatewayd/gatewayd gatewayd/gatewayctl
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/tests/vm/run.sh
.PHONY: check-vm
# The installed .deb under a real systemd (tests/vm/README.md): builds the
# package when build/deb has none (packaging/build-deb.sh). A few minutes.
check-vm-package: gatewayd/gatewayd gatewayd/gatewayctl
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' $(SHELL) $(top_srcdir)/tests/vm/run-package.sh
.PHONY: check-vm-package
EXTRA_DIST += tests/vm/README.md tests/vm/setup.sh tests/vm/run.sh tests/vm/guest/initramfs-init \
	tests/vm/guest/stage2.sh tests/vm/guest/kernel-dataplane.sh tests/vm/guest/route-bgp.sh \
	tests/vm/run-package.sh tests/vm/guest/preinit-systemd.sh tests/vm/guest/systemd-peer.sh \
	tests/vm/guest/systemd-package.sh

EXTRA_DIST += tests/bench/bench-policy.sh tests/bench/bench-apply.sh tests/bench/bench-shield.sh tests/bench/bench-heal.sh \
	tests/bench/bench-health.sh tests/bench/bench-pacing.sh tests/bench/apply-driver.py
bench: gatewayd/gatewayd gatewayd/gatewayctl
	$(top_srcdir)/tests/bench/bench-policy.sh $(abs_top_builddir)
	$(top_srcdir)/tests/bench/bench-apply.sh $(abs_top_builddir)
	$(top_srcdir)/tests/bench/bench-shield.sh $(abs_top_builddir)
	$(top_srcdir)/tests/bench/bench-heal.sh $(abs_top_builddir)
	$(top_srcdir)/tests/bench/bench-health.sh $(abs_top_builddir)
	$(top_srcdir)/tests/bench/bench-pacing.sh $(abs_top_builddir)
.PHONY: bench
