FUZZERS += pio_fuzz
pio_fuzz_OBJS := tests/fuzz/pio_fuzz.o hostside/vmm/pio.o hostside/vmm/serial.o \
	hostside/vmm/platform.o hostside/vmm/vm.o hostside/vmm/memory.o
