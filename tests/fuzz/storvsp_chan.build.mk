FUZZERS += storvsp_chan_fuzz
storvsp_chan_fuzz_OBJS = tests/fuzz/storvsp_chan_fuzz.o tests/unit/fakeguest.o \
	$(STORVSP_OBJS) $(VMBUS_SERVER_OBJS) $(RING_OBJS)
storvsp_chan_fuzz_LDLIBS = $(STORVSP_LDLIBS)
