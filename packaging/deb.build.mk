# Debian packages: `make deb` builds openvmbus-dkms and ovb-host from a
# copy of the tree (build/deb/openvmbus-VERSION: dpkg-buildpackage writes
# into the parent directory) and runs lintian on them: an error or a
# warning fails (every accepted one is overridden in debian/, with its
# reason). `make check-deb` (in make check) builds them and checks what
# they hold (packaging/check-deb).
DEB_DIR := $(BUILD)/deb
DEB_SRC := $(DEB_DIR)/openvmbus-$(OVB_VERSION)
.PHONY: deb check-deb
CHECKS += check-deb

deb: setup
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	$(Q)git ls-files -co --exclude-standard | grep -v '^build/' | \
		tar -c -T - -f - | tar -x -C $(DEB_SRC) -f -
	$(Q)cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc > ../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	$(Q)lintian --fail-on error,warning --tag-display-limit 0 \
		$(DEB_DIR)/openvmbus_$(OVB_VERSION)_amd64.changes > $(DEB_DIR)/lintian.log 2>&1; \
		rc=$$?; cat $(DEB_DIR)/lintian.log; \
		[ $$rc = 0 ] || { echo "deb: lintian failed"; exit 1; }
	@echo "deb: $$(cd $(DEB_DIR) && ls *.deb | tr '\n' ' ')(lintian: no errors, no warnings)"

check-deb: deb
	$(Q)packaging/check-deb $(DEB_DIR) $(OVB_VERSION) $(DKMS_MODULES)
