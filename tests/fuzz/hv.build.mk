FUZZERS += hv_fuzz
hv_fuzz_OBJS := tests/fuzz/hv_fuzz.o hostside/hv/hcall.o hostside/hv/sint.o \
	hostside/vmm/memory.o
