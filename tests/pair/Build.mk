# The host+guest pair: cases in tests/pair/cases, run in one L1 boot; and
# the console scanner's own test (sample consoles, well under a second).
CHECKS += check-consolescan check-pair
.PHONY: check-pair check-consolescan
check-consolescan:
	$(Q)tests/pair/consolescan-test
check-pair: all modules dkms-build check-consolescan
	$(Q)tests/pair/run

# check-kasan (not part of make check): the guest-side pair cases on a KASAN
# + lockdep L2 kernel built from Debian's linux-source-6.1 (the first run
# builds it, ~1 h on 2 cores, niced; cached under build/kasan/). Our modules
# are built against it into build/kmod/<its version>/ and, flat as DKMS
# would leave them, build/kasan/module-<version>/; the pair runs with
# L2_KVER, L2_KERNEL, L2_MODROOT and DKMS_MODDIR pointing there, in its own
# PAIR_DIR (build/pair-kasan).
KASAN_CASES ?= guest-core guest-ic guest-nopv guest-garbage storage-ovb storage-root reboot
.PHONY: check-kasan
check-kasan: all
	$(Q)env=$$(nice -n 19 tests/pair/kasan/build-kernel | tail -n1) && eval "$$env" && \
	$(MAKE) modules KVER=$$L2_KVER KDIR=$$KDIR KMOD_FLAGS=W=1 && \
	m=$(BUILD)/kasan/module-$$L2_KVER && rm -rf $$m && mkdir -p $$m && \
	for k in $(call modlist,1,yes); do cp $$(find $(BUILD)/kmod/$$L2_KVER -name $$k.ko) $$m/ || exit 1; done && \
	L2_KVER=$$L2_KVER L2_KERNEL=$$L2_KERNEL L2_MODROOT=$$L2_MODROOT DKMS_MODDIR=$$m \
		PAIR_DIR=$(BUILD)/pair-kasan PAIR_TIMEOUT=$${PAIR_TIMEOUT:-5400} tests/pair/run $(KASAN_CASES)
