# RPM packages: `make rpm` builds openvmbus-dkms (noarch), ovb-host and
# openvmbus-guest-tools with
# rpmbuild (Debian's rpm works: --nodeps, as its database knows no
# BuildRequires) from a tarball of the tree, under build/rpm, and runs
# rpmlint on them: an error fails (build/rpm/rpmlint.log has the rest).
RPM_DIR := $(BUILD)/rpm
.PHONY: rpm

rpm: setup
	$(Q)rm -rf $(RPM_DIR) && mkdir -p $(RPM_DIR)/SOURCES $(RPM_DIR)/SPECS
	$(Q)git ls-files -co --exclude-standard | grep -v '^build/' | \
		tar -c --transform 's|^|openvmbus-$(OVB_VERSION)/|' -T - -zf $(RPM_DIR)/SOURCES/openvmbus-$(OVB_VERSION).tar.gz
	$(Q)sed 's/@VERSION@/$(OVB_VERSION)/' packaging/rpm/openvmbus.spec > $(RPM_DIR)/SPECS/openvmbus.spec
	$(Q)rpmbuild -bb --nodeps --define '_topdir $(CURDIR)/$(RPM_DIR)' \
		$(RPM_DIR)/SPECS/openvmbus.spec > $(RPM_DIR)/build.log 2>&1 || \
		{ tail -n 40 $(RPM_DIR)/build.log; exit 1; }
	$(Q)rpmlint -r packaging/rpm/rpmlintrc $$(find $(RPM_DIR)/RPMS -name '*.rpm') $(RPM_DIR)/SPECS/openvmbus.spec \
		> $(RPM_DIR)/rpmlint.log 2>&1; rc=$$?; cat $(RPM_DIR)/rpmlint.log; \
		[ $$rc = 0 ] || { echo "rpm: rpmlint found errors"; exit 1; }
	@echo "rpm: $$(cd $(RPM_DIR)/RPMS && find . -name '*.rpm' | sed 's|.*/||' | tr '\n' ' ')(rpmlint: no errors)"

# make check: the RPMs build, pass rpmlint and hold the same files as the .debs.
CHECKS += check-rpm
.PHONY: check-rpm
check-rpm: rpm
	$(Q)d=$$(find $(RPM_DIR)/RPMS -name 'openvmbus-dkms-*.noarch.rpm'); h=$$(find $(RPM_DIR)/RPMS -name 'ovb-host-*.rpm'); \
	fail=0; for f in /usr/src/openvmbus-$(OVB_VERSION)/dkms.conf /usr/src/openvmbus-$(OVB_VERSION)/dkms-initramfs \
		/usr/lib/modprobe.d/openvmbus.conf /usr/lib/dracut/modules.d/90openvmbus/module-setup.sh \
		/usr/lib/dracut/dracut.conf.d/90-openvmbus.conf; do \
		rpm -qlp $$d 2>/dev/null | grep -qx $$f || { echo "check-rpm: $$f missing in openvmbus-dkms"; fail=1; }; done; \
	for m in $(DKMS_MODULES); do rpm2cpio $$d | cpio -i --quiet --to-stdout ./usr/lib/dracut/modules.d/90openvmbus/module-setup.sh | \
		grep -Eq "for m in .*\<$$m\>" || { echo "check-rpm: the dracut module does not add $$m"; fail=1; }; done; \
	rpm -qp --scripts $$d 2>/dev/null | grep -q 'dracut -f' || { echo "check-rpm: %post runs no dracut"; fail=1; }; \
	rpm -qp --scripts $$d 2>/dev/null | grep -q 'dkms remove' || { echo "check-rpm: %preun removes nothing"; fail=1; }; \
	for f in /usr/bin/ovb-host /usr/bin/ovbctl /usr/bin/ovb-img /usr/lib/ovb-host/ovb-host-vm /usr/lib/ovb-host/network.conf /usr/lib/systemd/system/ovb-host@.service \
		/usr/share/man/man1/ovb-host.1 /usr/share/man/man1/ovbctl.1 /usr/share/man/man1/ovb-img.1; do \
		rpm -qlp $$h 2>/dev/null | grep -qx "$$f" || { echo "check-rpm: $$f missing in ovb-host"; fail=1; }; done; \
	g=$$(find $(RPM_DIR)/RPMS -name 'openvmbus-guest-tools-*.rpm'); \
	for f in /usr/lib/udev/rules.d/70-ovb-guest-tools.rules $$(for d in ovb-kvpd ovb-vssd ovb-fcopyd; do \
		echo /usr/sbin/$$d /usr/lib/systemd/system/$$d.service /usr/share/man/man8/$$d.8; done); do \
		rpm -qlp $$g 2>/dev/null | grep -qx "$$f" || { echo "check-rpm: $$f missing in openvmbus-guest-tools"; fail=1; }; done; \
	rpm -qp --conflicts $$g 2>/dev/null | grep -qx hypervkvpd || { echo "check-rpm: guest-tools does not conflict with hypervkvpd"; fail=1; }; \
	[ $$fail = 0 ] && echo "check-rpm: passed"; exit $$fail
