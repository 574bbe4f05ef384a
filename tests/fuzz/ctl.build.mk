FUZZERS += ctl_fuzz
ctl_fuzz_OBJS = tests/fuzz/ctl_fuzz.o hostside/ctl/ctl.o
ctl_fuzz_LDLIBS = -ljson-c
