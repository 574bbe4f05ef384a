FUZZERS += ring_fuzz
ring_fuzz_OBJS := $(RING_OBJS) tests/fuzz/ring_fuzz.o
