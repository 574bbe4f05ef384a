# The KVP VSP as ovb-host makes it (--kvp), through its ctl commands, over the fake guest.
UNIT_TESTS += kvp_test
kvp_test_OBJS = tests/unit/kvp_test.o tests/unit/devenv.o tests/unit/fakeguest.o $(HOST_CORE_OBJS)
kvp_test_LDLIBS = $(HOST_CORE_LDLIBS)
