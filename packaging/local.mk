# The journal catalog of gatewayd's events (journalctl -x). Packages run
# `journalctl --update-catalog` after installing it (Debian: a dpkg trigger
# of systemd on this directory).
catalogdir = $(prefix)/lib/systemd/catalog
dist_catalog_DATA = packaging/gatewayd.catalog
