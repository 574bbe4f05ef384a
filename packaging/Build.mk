# DKMS packaging. `make dkms-install` installs into the system's DKMS;
# `make dkms-build` builds through DKMS in a private tree under build/dkms
# (no system change), which the pair tests use for the guest's modules.
OVB_VERSION := 0.1
DKMS_SRC_FILES := Kbuild include lib kernel vmbus icvsc storvsc
DKMS_DIR := $(BUILD)/dkms
.PHONY: dkms-src dkms-build dkms-install

dkms-src:
	$(Q)rm -rf $(DKMS_DIR)/src && mkdir -p $(DKMS_DIR)/src/openvmbus-$(OVB_VERSION)
	$(Q)cp -r $(DKMS_SRC_FILES) $(DKMS_DIR)/src/openvmbus-$(OVB_VERSION)/
	$(Q)sed 's/@VERSION@/$(OVB_VERSION)/' packaging/dkms.conf > \
		$(DKMS_DIR)/src/openvmbus-$(OVB_VERSION)/dkms.conf

dkms-build: setup dkms-src
	$(Q)rm -rf $(DKMS_DIR)/tree && mkdir -p $(DKMS_DIR)/tree
	$(Q)dkms build -m openvmbus -v $(OVB_VERSION) -k $(KVER) \
		--sourcetree $(CURDIR)/$(DKMS_DIR)/src --dkmstree $(CURDIR)/$(DKMS_DIR)/tree \
		> $(DKMS_DIR)/build.log 2>&1 || { cat $(DKMS_DIR)/build.log; exit 1; }
	$(Q)if grep -E 'warning:|error:' $(DKMS_DIR)/tree/openvmbus/$(OVB_VERSION)/$(KVER)/x86_64/log/make.log | \
		grep -v '^make'; then \
		echo "dkms: warnings"; exit 1; fi
	@echo "dkms: built $$(find $(DKMS_DIR)/tree/openvmbus/$(OVB_VERSION)/$(KVER) -name '*.ko*' | wc -l) modules for $(KVER)"

dkms-install: setup dkms-src
	$(Q)rm -rf /usr/src/openvmbus-$(OVB_VERSION)
	$(Q)cp -r $(DKMS_DIR)/src/openvmbus-$(OVB_VERSION) /usr/src/
	$(Q)dkms remove -m openvmbus -v $(OVB_VERSION) --all >/dev/null 2>&1 || true
	$(Q)dkms install -m openvmbus -v $(OVB_VERSION) -k $(KVER)
	$(Q)install -m 0644 packaging/openvmbus-blacklist.conf /etc/modprobe.d/openvmbus.conf
	@echo "dkms: installed openvmbus $(OVB_VERSION) for $(KVER); in-tree hv_* blacklisted"
