noinst_LIBRARIES += conf/libconf.a
conf_libconf_a_SOURCES = \
	conf/model.c conf/model.h \
	conf/equal.c \
	conf/ini.c conf/ini.h \
	conf/conf.c conf/conf.h conf/conf-internal.h \
	conf/parse.c \
	conf/verify.c \
	conf/finish.c \
	conf/route.c \
	conf/lockout.c \
	conf/load.c \
	conf/cache.c conf/cache.h \
	conf/filecache.c conf/filecache.h \
	conf/isolate.c \
	conf/builtin.c \
	conf/secret.c conf/secret.h \
	conf/trust.c conf/trust.h \
	conf/creds.c conf/creds.h
conf_libconf_a_CPPFLAGS = $(CONF_LAYER_CPPFLAGS)
conf_libconf_a_CFLAGS = $(AM_CFLAGS) $(OPENSSL_CFLAGS)
EXTRA_DIST += conf/examples
