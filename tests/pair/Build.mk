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
# builds it, niced; cached under build/kasan/): tests/pair/kasan/check-kasan.
# KASAN_CASES= names the cases.
.PHONY: check-kasan
check-kasan: all
	$(Q)tests/pair/kasan/check-kasan

# ic-systemd's guest: Debian 12 with our .debs installed, as a VHDX
# (tests/pair/mksdguest: natively, in a copy of deb-root's root; cached in
# /var/cache/openvmbus by its inputs' contents). build/sdguest names it.
.PHONY: sdguest-image
sdguest-image: all deb-root
	$(Q)tests/pair/mksdguest $(DEB_ROOT) $(DEB_DIR) $(BUILD)/ovb-img $(BUILD)/sdguest
check-pair: sdguest-image
