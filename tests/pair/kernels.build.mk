# The pair on Debian's 6.12 cloud kernel as L2 (issue 15's kernel matrix):
# guest-core, guest-nopv (about 65-80 s; its sleep-1 bound after CPU
# hotplug retries a slow sleep up to 3 times), hyperv-intree, storage-ovb
# and ic-fcopy-uio (34-43 s: the in-tree 6.12 fcopy through uio, a case
# for 6.12 only) in make check (PAIR_612_CASES, about 4-5 minutes of L1
# time), every case with PAIR_LONG=1 (make check-long). Our modules for
# it: make modules-all's build/kmod/<kver> and a DKMS build of its own
# (build/dkms-612: dkms-build replaces build/dkms's tree).
KVER_612 ?= $(shell ls -d /usr/src/linux-headers-6.12.*-cloud-amd64 2>/dev/null | \
		sed 's|.*/linux-headers-||' | sort -V | tail -n1)
DKMS_DIR_612 := $(BUILD)/dkms-612
PAIR_612_CASES ?= $(if $(PAIR_LONG),,guest-core guest-nopv hyperv-intree storage-ovb ic-fcopy-uio)
CHECKS += check-pair-612
.PHONY: check-pair-612
check-pair-612: all check-consolescan
	$(Q)[ -n "$(KVER_612)" ] && [ -e /boot/vmlinuz-$(KVER_612) ] || \
		{ echo "check-pair-612: no 6.12 cloud kernel and headers: run scripts/setup"; exit 1; }
	@# make check's modules-all built them just before: again only if stale
	$(Q)[ -f $(BUILD)/kmod/$(KVER_612).rc ] && [ -z "$$(find $(KMOD_SRC) -newer $(BUILD)/kmod/$(KVER_612).rc)" ] || \
		$(MAKE) modules KVER=$(KVER_612)
	$(Q)$(MAKE) dkms-build KVER=$(KVER_612) DKMS_DIR=$(DKMS_DIR_612)
	$(Q)L2_KVER=$(KVER_612) \
		DKMS_MODDIR=$(DKMS_DIR_612)/tree/openvmbus/$(OVB_VERSION)/$(KVER_612)/x86_64/module \
		tests/pair/run $(PAIR_612_CASES)
