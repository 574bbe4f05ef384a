# The guest daemons' protocol handling (daemons/), in a temporary directory.
UNIT_TESTS += guest_daemons_test
guest_daemons_test_OBJS := tests/unit/guest_daemons_test.o $(DAEMONS_CORE_OBJS)
guest_daemons_test_LDLIBS := $(DAEMON_LDLIBS)
