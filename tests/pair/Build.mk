# The host+guest pair: cases in tests/pair/cases, run in one L1 boot; and
# the console scanner's own test (sample consoles, well under a second).
CHECKS += check-consolescan check-pair
.PHONY: check-pair check-consolescan
check-consolescan:
	$(Q)tests/pair/consolescan-test
check-pair: all modules dkms-build check-consolescan
	$(Q)tests/pair/run
