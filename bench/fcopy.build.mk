# bench/fcopy: fcopy's throughput (ovbctl copy of 100 MiB through ovb_ic and
# ovb-fcopyd) against storvsp's sequential write (dd, conv=fsync) onto the
# same ext4 in the same L2 boot: the pair case bench-fcopy (# long-only, so
# make check-long runs it too). Part of `make bench`, not of `make check`.
.PHONY: bench-fcopy
bench: bench-fcopy
bench-fcopy: all modules
	$(Q)PAIR_LONG=1 tests/pair/run bench-fcopy
	$(Q)grep -h '^INFO: bench-fcopy' $(BUILD)/pair/run.log
