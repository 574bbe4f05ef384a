# bench/storage (bench/storage/run): fio over (a) ovb_storvsc and (b) the
# in-tree hv_storvsc on storvsp, (c) virtio-blk on QEMU and (d) L1 itself,
# in one L1 boot (~8 min). Part of `make bench`, not of `make check`.
BENCHES += vmwatch
vmwatch_OBJS := bench/storage/vmwatch.o

.PHONY: bench-storage
bench: bench-storage
bench-storage: all dkms-build
	$(Q)BENCH_NO_MAKE=1 bench/storage/run
