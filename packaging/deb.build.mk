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
# The pair's pkg-systemd case (make check) installs the ovb-host
# .deb in a systemd-nspawn container in L1 whose root is an overlay of a
# small debootstrapped root: systemd and ovb-host's libraries (the
# build machine's own root works too, but dpkg -i reads its thousands of
# file lists over 9p: over 110 s under TCG). Cached like DEB_ROOT; the
# case finds it in build/systemd-root (make deb empties build/deb).
# ovb-host's libraries are its .deb's Depends: a new one goes here too
# (else the case's dpkg -i fails on it).
SYSTEMD_ROOT_PKGS := systemd,jq,libjson-c5,libpng16-16,liburing2,libvncserver1
SYSTEMD_ROOT := /var/cache/openvmbus/systemd-$(shell echo '$(SYSTEMD_ROOT_PKGS)' | md5sum | cut -c1-12)
.PHONY: systemd-root
systemd-root: deb
	$(Q)[ -f $(SYSTEMD_ROOT)/.complete ] || { rm -rf $(SYSTEMD_ROOT) && mkdir -p $(dir $(SYSTEMD_ROOT)) && \
		debootstrap --variant=minbase --include=$(SYSTEMD_ROOT_PKGS) bookworm $(SYSTEMD_ROOT) \
			http://deb.debian.org/debian > $(DEB_DIR)/debootstrap-systemd.log 2>&1 && \
		touch $(SYSTEMD_ROOT)/.complete || { tail -n 20 $(DEB_DIR)/debootstrap-systemd.log; exit 1; }; }
	$(Q)echo $(SYSTEMD_ROOT) > $(BUILD)/systemd-root
check-pair: systemd-root

# make check-long: the .deb in a real Debian 12 root (packaging/check-deb-
# chroot: install, a 6.12 kernel upgrade with its headers after the image,
# purge, and the GRUB snippet for a kernel with hv_vmbus built in). The
# root is debootstrapped once into /var/cache/openvmbus/root-<hash of its
# package list> (about 4 minutes); each run copies the upgrade root made
# from it (below: the 6.12 .debs already there).
DEB_ROOT_PKGS := systemd,udev,initramfs-tools,dkms,build-essential,kmod,linux-image-cloud-amd64,linux-headers-cloud-amd64,zstd,xz-utils
DEB_ROOT := /var/cache/openvmbus/root-$(shell echo '$(DEB_ROOT_PKGS)' | md5sum | cut -c1-12)
.PHONY: deb-root check-deb-chroot check-upgrade-boot
CHECKS += $(if $(PAIR_LONG),check-deb-chroot)
deb-root: deb
	$(Q)[ -f $(DEB_ROOT)/.complete ] || { rm -rf $(DEB_ROOT) && mkdir -p $(dir $(DEB_ROOT)) && \
		debootstrap --variant=minbase --include=$(DEB_ROOT_PKGS) bookworm $(DEB_ROOT) \
			http://deb.debian.org/debian > $(DEB_DIR)/debootstrap.log 2>&1 && \
		touch $(DEB_ROOT)/.complete || { tail -n 20 $(DEB_DIR)/debootstrap.log; exit 1; }; }
check-deb-chroot: upgrade-root
	$(Q)rm -rf $(UPG_ROOT).chroot && cp -a $(UPG_ROOT) $(UPG_ROOT).chroot
	$(Q)packaging/check-deb-chroot $(UPG_ROOT).chroot $(DEB_DIR)/openvmbus-dkms_$(OVB_VERSION)_all.deb; \
		rc=$$?; rm -rf $(UPG_ROOT).chroot; exit $$rc

# That root as a guest booted by ovb-host in the pair, root
# on storvsp, across the 6.12 kernel upgrade and the purge. The package
# work runs here, natively, before the pair (packaging/check-upgrade-boot
# leaves three images in build/upgrade); the pair case pkg-upgrade boots
# them. Its root is the debootstrap root above plus this machine's apt
# sources, their lists and the 6.12 cloud kernel's .debs (downloaded
# once, cached in /var/cache/openvmbus/upg-<hash of all that>), so a run
# neither downloads nor waits for apt-get update, and the kernel it
# installs is the same until the cache is made again.
UPG_PKGS := linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64
UPG_ROOT := /var/cache/openvmbus/upg-$(shell { echo '$(DEB_ROOT) $(UPG_PKGS)'; cat /etc/apt/sources.list.d/debian.sources; } | md5sum | cut -c1-12)
.PHONY: upgrade-root upgrade-images
upgrade-root: deb-root
	$(Q)[ -f $(UPG_ROOT)/.complete ] || { rm -rf $(UPG_ROOT) && cp -a $(DEB_ROOT) $(UPG_ROOT) && \
		rm -f $(UPG_ROOT)/.complete $(UPG_ROOT)/etc/apt/sources.list && \
		cp /etc/apt/sources.list.d/debian.sources $(UPG_ROOT)/etc/apt/sources.list.d/ && \
		chroot $(UPG_ROOT) apt-get update -q > $(DEB_DIR)/upgrade-root.log 2>&1 && \
		chroot $(UPG_ROOT) apt-get install -y -q --download-only $(UPG_PKGS) >> $(DEB_DIR)/upgrade-root.log 2>&1 && \
		touch $(UPG_ROOT)/.complete || { tail -n 20 $(DEB_DIR)/upgrade-root.log; exit 1; }; }
# A failure here does not stop make: the pair still runs, and pkg-upgrade
# fails with these checks' FAIL lines (or without the images).
upgrade-images: deb upgrade-root
	$(Q)packaging/check-upgrade-boot $(UPG_ROOT) $(DEB_DIR)/openvmbus-dkms_$(OVB_VERSION)_all.deb $(BUILD)/upgrade || \
		echo "upgrade-images: FAILED (the pair case pkg-upgrade reports it)"
# In make check-long; CHECK_UPGRADE_BOOT=1 puts it in make check too. It
# adds about 5 minutes (measured under load: the package work 227 s, the
# pair case 86 s), which make check's budget does not hold. Otherwise
# build/upgrade is removed, and pkg-upgrade skips itself.
CHECK_UPGRADE_BOOT ?= $(PAIR_LONG)
.PHONY: upgrade-images-none
upgrade-images-none:
	$(Q)rm -rf $(BUILD)/upgrade
check-pair: $(if $(CHECK_UPGRADE_BOOT),upgrade-images,upgrade-images-none)
# make check-upgrade-boot: only this (the images, then the one pair case).
check-upgrade-boot: all modules dkms-build upgrade-images
	$(Q)tests/pair/run pkg-upgrade
