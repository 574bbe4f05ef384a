# DKMS packaging. `make dkms-install` installs into the system's DKMS;
# `make dkms-build` builds through DKMS in a private tree under build/dkms
# (no system change), which the pair tests use for the guest's modules;
# KDIR= a kernel tree not in /lib/modules (make modules-next).
# The version is packaging/version; the modules are modules.list's
# packaged ones (its "yes" lines): their directories make the DKMS source
# tree and dkms.conf's BUILT_MODULE_* lines.
OVB_VERSION := $(shell cat packaging/version)
DKMS_MODULES := $(call modlist,1,yes)
DKMS_SRC_FILES := Kbuild modules.list include lib $(sort $(call modlist,2,yes))
DKMS_DIR := $(BUILD)/dkms
# Where dkms-build leaves the .ko files for KVER (tests/pair/lib.sh: DKMS_MODDIR).
DKMS_MODDIR = $(DKMS_DIR)/tree/openvmbus/$(OVB_VERSION)/$(KVER)/x86_64/module
.PHONY: dkms-src dkms-build dkms-install

# dkms.conf from its template: one BUILT_MODULE_* group per packaged module.
dkms-src:
	$(Q)rm -rf $(DKMS_DIR)/src && mkdir -p $(DKMS_DIR)/src/openvmbus-$(OVB_VERSION)
	$(Q)cp -r --parents $(DKMS_SRC_FILES) $(DKMS_DIR)/src/openvmbus-$(OVB_VERSION)/
	$(Q)cp packaging/dkms-initramfs $(DKMS_DIR)/src/openvmbus-$(OVB_VERSION)/
	$(Q)awk '$$1 !~ /^[#]/ && NF == 3 && $$3 == "yes" { \
		printf "BUILT_MODULE_NAME[%d]=\"%s\"\n", n, $$1; \
		printf "BUILT_MODULE_LOCATION[%d]=\"%s/\"\n", n, $$2; \
		printf "DEST_MODULE_LOCATION[%d]=\"/updates/dkms\"\n", n++ }' modules.list > \
		$(DKMS_DIR)/modules.conf
	$(Q)awk -v v='$(OVB_VERSION)' -v mods='$(DKMS_DIR)/modules.conf' \
		'/^@MODULES@$$/ { while ((getline l < mods) > 0) print l; next } \
		 { gsub(/@VERSION@/, v); print }' packaging/dkms.conf > \
		$(DKMS_DIR)/src/openvmbus-$(OVB_VERSION)/dkms.conf

dkms-build: setup dkms-src
	$(Q)[ -n "$(KVER)" ] || { echo "dkms: no Debian 6.1 cloud kernel headers (KVER=): run scripts/setup"; exit 1; }
	$(Q)rm -rf $(DKMS_DIR)/tree && mkdir -p $(DKMS_DIR)/tree
	$(Q)dkms build -m openvmbus -v $(OVB_VERSION) -k $(KVER) $(if $(KDIR),--kernelsourcedir $(KDIR)) \
		--sourcetree $(CURDIR)/$(DKMS_DIR)/src --dkmstree $(CURDIR)/$(DKMS_DIR)/tree \
		> $(DKMS_DIR)/build.log 2>&1 || { cat $(DKMS_DIR)/build.log; exit 1; }
	$(Q)if grep -E 'warning:|error:' $(DKMS_DIR)/tree/openvmbus/$(OVB_VERSION)/$(KVER)/x86_64/log/make.log | \
		grep -v '^make'; then \
		echo "dkms: warnings"; exit 1; fi
	@# A kernel with CONFIG_MODULE_COMPRESS_* (6.12) gets NAME.ko.xz (or .zst):
	@# the pair loads plain .ko files, so each is unpacked beside it.
	$(Q)for f in $(DKMS_MODDIR)/*.ko.xz $(DKMS_MODDIR)/*.ko.zst; do \
		case $$f in *'*'*) ;; *.xz) xz -dkf "$$f" ;; *.zst) zstd -dqf "$$f" ;; esac; done
	$(Q)for m in $(DKMS_MODULES); do [ -f $(DKMS_MODDIR)/$$m.ko ] || \
		{ echo "dkms: $$m.ko missing in $(DKMS_MODDIR)"; exit 1; }; done
	@echo "dkms: built $(words $(DKMS_MODULES)) modules for $(KVER) ($(DKMS_MODDIR))"

dkms-install: setup dkms-src
	$(Q)rm -rf /usr/src/openvmbus-$(OVB_VERSION)
	$(Q)cp -r $(DKMS_DIR)/src/openvmbus-$(OVB_VERSION) /usr/src/
	$(Q)dkms remove -m openvmbus -v $(OVB_VERSION) --all >/dev/null 2>&1 || true
	$(Q)dkms install -m openvmbus -v $(OVB_VERSION) -k $(KVER)
	$(Q)install -m 0644 packaging/openvmbus-blacklist.conf /etc/modprobe.d/openvmbus.conf
	@echo "dkms: installed openvmbus $(OVB_VERSION) for $(KVER); in-tree hv_* blacklisted"

# The initramfs-tools hook of the packages, with modules.list's packaged
# modules (every module DKMS builds goes into the initramfs: a blacklisted
# in-tree driver is never there without its replacement).
$(DKMS_DIR)/initramfs-hook: packaging/initramfs-hook.in modules.list
	@mkdir -p $(@D)
	$(Q)sed -e 's|@MODULES@|$(DKMS_MODULES)|' \
		-e 's|@GENERATED@|Generated from packaging/initramfs-hook.in and modules.list.|' $< > $@
	$(Q)chmod +x $@

# The RPM's dracut module, the same modules.
$(DKMS_DIR)/dracut-module-setup.sh: packaging/dracut-module-setup.sh.in modules.list
	@mkdir -p $(@D)
	$(Q)sed -e 's|@MODULES@|$(DKMS_MODULES)|' \
		-e 's|@GENERATED@|Generated from packaging/dracut-module-setup.sh.in and modules.list.|' $< > $@
	$(Q)chmod +x $@
