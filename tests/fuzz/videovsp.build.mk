FUZZERS += videovsp_fuzz
videovsp_fuzz_OBJS = tests/fuzz/videovsp_fuzz.o $(VIDEOVSP_CORE_OBJS)
