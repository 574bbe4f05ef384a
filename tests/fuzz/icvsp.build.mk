FUZZERS += icvsp_fuzz
icvsp_fuzz_OBJS = tests/fuzz/icvsp_fuzz.o $(ICVSP_OBJS) $(VMBUS_SERVER_OBJS) $(RING_OBJS)
