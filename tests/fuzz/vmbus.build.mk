FUZZERS += vmbus_server_fuzz
vmbus_server_fuzz_OBJS = tests/fuzz/vmbus_server_fuzz.o tests/unit/fakeguest.o \
	$(VMBUS_SERVER_OBJS) $(ICVSP_OBJS) $(RING_OBJS)
