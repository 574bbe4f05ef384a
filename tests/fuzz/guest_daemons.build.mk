# The guest daemons' message handlers and text parsers (daemons/).
FUZZERS += guest_daemons_fuzz
guest_daemons_fuzz_OBJS = tests/fuzz/guest_daemons_fuzz.o $(DAEMONS_CORE_OBJS)
guest_daemons_fuzz_LDLIBS = $(DAEMON_LDLIBS)
