FUZZERS += logreplay_fuzz
logreplay_fuzz_OBJS = tests/fuzz/logreplay_fuzz.o $(CRASH_OBJS)
