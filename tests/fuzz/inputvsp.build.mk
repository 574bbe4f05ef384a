FUZZERS += inputvsp_fuzz
inputvsp_fuzz_OBJS = tests/fuzz/inputvsp_fuzz.o $(INPUTVSP_CORE_OBJS)
