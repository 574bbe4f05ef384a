FUZZERS += vmm_memory_fuzz
vmm_memory_fuzz_OBJS := tests/fuzz/vmm_memory_fuzz.o hostside/vmm/memory.o
