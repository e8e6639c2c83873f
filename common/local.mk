noinst_LIBRARIES += common/libcommon.a
common_libcommon_a_SOURCES = \
	common/macro.h \
	common/diag.c common/diag.h \
	common/prefix.c common/prefix.h \
	common/settings.c common/settings.h \
	common/fileio.c common/fileio.h \
	common/sha256.c common/sha256.h \
	common/strutil.c common/strutil.h \
	common/utf8.c common/utf8.h
common_libcommon_a_CPPFLAGS = $(COMMON_LAYER_CPPFLAGS)
