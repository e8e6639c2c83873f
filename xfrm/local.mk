noinst_LIBRARIES += xfrm/libxfrm.a
xfrm_libxfrm_a_SOURCES = \
	xfrm/shield.c xfrm/shield.h \
	xfrm/counters.c xfrm/counters.h \
	xfrm/xfrm-msg.c xfrm/xfrm-msg.h \
	xfrm/xfrm-kernel.c xfrm/xfrm-kernel.h \
	xfrm/nft.c xfrm/nft.h \
	xfrm/watch.c xfrm/watch.h \
	xfrm/bypass.c xfrm/bypass.h \
	xfrm/xfrmi.c xfrm/xfrmi.h
xfrm_libxfrm_a_CPPFLAGS = $(XFRM_LAYER_CPPFLAGS)
xfrm_libxfrm_a_CFLAGS = $(AM_CFLAGS) $(LIBNL_CFLAGS) $(LIBNL_XFRM_CFLAGS) $(LIBNL_ROUTE_CFLAGS) $(NFTABLES_CFLAGS)
