# The host+guest pair: cases in tests/pair/cases, run in one L1 boot.
CHECKS += check-pair
.PHONY: check-pair
check-pair: all modules dkms-build
	$(Q)tests/pair/run
