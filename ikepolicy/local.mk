noinst_LIBRARIES += ikepolicy/libikepolicy.a
ikepolicy_libikepolicy_a_SOURCES = \
	ikepolicy/ikepolicy.h \
	ikepolicy/catalogue.c \
	ikepolicy/check.c \
	ikepolicy/certpolicy.c \
	ikepolicy/render.c \
	ikepolicy/azure.c \
	ikepolicy/azure-route.c
ikepolicy_libikepolicy_a_CPPFLAGS = $(IKEPOLICY_LAYER_CPPFLAGS)
