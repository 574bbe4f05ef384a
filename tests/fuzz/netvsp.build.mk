FUZZERS += netvsp_fuzz
netvsp_fuzz_OBJS = tests/fuzz/netvsp_fuzz.o tests/unit/netvsp_fakeio.o $(NETVSP_CORE_OBJS)
