# The KVP and VSS VSPs as ovb-host makes them (--kvp, --vss), through their ctl commands, over the fake guest.
UNIT_TESTS += kvp_vss_test
kvp_vss_test_OBJS = tests/unit/kvp_vss_test.o tests/unit/devenv.o tests/unit/fakeguest.o $(HOST_CORE_OBJS)
kvp_vss_test_LDLIBS = $(HOST_CORE_LDLIBS)
