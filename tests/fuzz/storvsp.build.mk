FUZZERS += storvsp_fuzz
storvsp_fuzz_OBJS = tests/fuzz/storvsp_fuzz.o $(STORVSP_CORE_OBJS)
storvsp_fuzz_LDLIBS = $(STORVSP_LDLIBS)
