FUZZERS += kvp_fuzz
kvp_fuzz_OBJS = tests/fuzz/kvp_fuzz.o $(ICVSP_OBJS) $(VMBUS_SERVER_OBJS) $(RING_OBJS)
