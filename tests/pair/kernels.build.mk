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

# The pair on Debian sid's 7.2 cloud kernel as L2 (issue 15: every kernel
# from 6.1 on), in make check-long only: the kernel image (sid's .debs,
# unpacked, no userspace) and the prepared tree of the same config and
# release come from scripts/kernel-next; our modules from make
# modules-next (build/kmod/<release> and DKMS's build/dkms-next).
# guest-core (mode 1: the kernel's static-call hypercall) 16/16 in 33 s,
# guest-nopv (mode 2) 39/39 in 80 s, on 1 Dec.
# noxsave: under the pair's nested TCG (QEMU: "TCG doesn't support
# CPUID.0DH:EAX.xsavec") 7.2's xstate set-up fails a check and its
# fallback oopses on the idle task (x86_task_fpu WARN, NULL pointer in
# fpstate_reset, "Attempted to kill the idle task": a boot panic before
# any module of ours; 6.1 and 6.12 boot on the same CPU): the L2 starts
# without XSAVE.
PAIR_NEXT_CASES ?= guest-core guest-nopv
CHECKS += $(if $(PAIR_LONG),check-pair-next)
.PHONY: check-pair-next
check-pair-next: all check-consolescan modules-next
	$(Q)scripts/kernel-next image > $(BUILD)/kernel-next.image
	$(Q)eval "$$(cat $(BUILD)/kernel-next.image)" && L2_KERNEL_APPEND="$$L2_KERNEL_APPEND noxsave" && \
		export L2_KVER L2_KERNEL L2_MODROOT L2_KERNEL_APPEND && \
		DKMS_MODDIR=$(BUILD)/dkms-next/tree/openvmbus/$(OVB_VERSION)/$$L2_KVER/x86_64/module \
		tests/pair/run $(PAIR_NEXT_CASES)
